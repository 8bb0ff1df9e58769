use serde_json::{json, Value};

use crate::audit_page::{add_rows, scene};
use crate::helpers::Browser;

pub fn csv_rows(body: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "id",
            "at",
            "actor_type",
            "actor_id",
            "actor",
            "event",
            "subject",
            "details"
        ]
    );
    reader.records().map(|r| r.expect("valid CSV")).collect()
}

pub fn jsonl_rows(body: &str) -> Vec<Value> {
    assert!(body.is_empty() || body.ends_with('\n'));
    body.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

async fn download(b: &Browser, path: &str, content_type: &str, ext: &str) -> String {
    let res = b.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(res.headers()["content-type"], content_type);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"holdpoint-audit-")
            && disposition.ends_with(&format!(".{ext}\""))
    );
    res.text().await.unwrap()
}

pub async fn exports(b: &Browser, query: &str) -> (Vec<csv::StringRecord>, Vec<Value>) {
    let csv = download(
        b,
        &format!("/audit/export.csv?{query}"),
        "text/csv; charset=utf-8",
        "csv",
    )
    .await;
    let jsonl = download(
        b,
        &format!("/audit/export.jsonl?{query}"),
        "application/x-ndjson",
        "jsonl",
    )
    .await;
    (csv_rows(&csv), jsonl_rows(&jsonl))
}

#[tokio::test]
async fn the_unfiltered_export_has_every_row_of_this_workspace_and_none_of_another() {
    let s = scene().await;
    let mine = s
        .app
        .count("SELECT count(*) FROM audit_log WHERE workspace_id = 1") as usize;
    let (csv, jsonl) = exports(&s.browser, "").await;
    assert_eq!(csv.len(), mine);
    assert_eq!(jsonl.len(), mine);
    assert!(
        s.app
            .count("SELECT count(*) FROM audit_log WHERE workspace_id = 2")
            >= 2
    );
    assert!(csv.iter().all(|r| &r[6] != s.other.as_str()));
    assert!(jsonl
        .iter()
        .all(|r| r["subject"] != s.other.as_str() && r["details"]["name"] != "B"));
}

#[tokio::test]
async fn csv_cells_are_quoted_and_formulas_defused() {
    let s = scene().await;
    let details = json!({ "note": "a, \"quoted\"\nline", "cmd": "=1+1" });
    add_rows(
        &s.app,
        1,
        "=HYPERLINK(\"http://evil.example\")",
        details.clone(),
    );
    let (csv, jsonl) = exports(&s.browser, "event=test.note").await;
    assert_eq!(csv.len(), 1);
    assert_eq!(&csv[0][6], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(&csv[0][2], "system");
    assert_eq!(serde_json::from_str::<Value>(&csv[0][7]).unwrap(), details);
    assert_eq!(
        jsonl[0]["subject"], "=HYPERLINK(\"http://evil.example\")",
        "JSON is not a spreadsheet"
    );
    assert_eq!(jsonl[0]["details"], details);
}
