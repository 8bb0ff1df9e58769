use holdpoint::domain::api_keys;
use holdpoint::domain::audit::Actor;
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

/// How a spreadsheet set to `separator` cuts the file into cells: a `"` toggles quoting (`""`
/// inside quotes is one literal `"`), and a separator or a line break outside quotes ends a cell.
fn spreadsheet_cells(raw: &str, separator: char) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            '"' => quoted = !quoted,
            c if !quoted && (c == separator || c == '\n') => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

#[tokio::test]
async fn every_csv_cell_is_quoted_and_defused_so_no_separator_exposes_a_formula() {
    let app = crate::helpers::spawn_app().await;
    let now = app.now();
    let (_, key) = app
        .with_db(|c| {
            api_keys::create(
                c,
                now,
                Actor::Cli,
                holdpoint::domain::ids::WorkspaceId(1),
                "x;=1+2;",
                false,
            )
        })
        .unwrap();
    assert_eq!(
        app.post_pause_with(&key, &json!({ "action": "a" }))
            .await
            .status(),
        201
    );
    let leads = ['=', '+', '-', '@', '\t', '\r'];
    for lead in leads {
        add_rows(&app, 1, &format!("{lead}1+2"), json!({ "lead": lead }));
    }
    let browser = app.sign_in(&app.owner_email).await;
    let raw = browser.get("/audit/export.csv").await.text().await.unwrap();
    assert!(raw.contains("key “x;=1+2;”"), "the key's rows are exported");
    // Written again with every cell quoted, the rows give back the very same bytes.
    let rows = csv_rows(&raw);
    let mut quoted = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    quoted.write_record(reader_headers(&raw).iter()).unwrap();
    for row in &rows {
        quoted.write_record(row).unwrap();
    }
    assert_eq!(
        String::from_utf8(quoted.into_inner().unwrap()).unwrap(),
        raw
    );
    for separator in [',', ';', '\t'] {
        for cell in spreadsheet_cells(&raw, separator) {
            assert!(
                !cell.starts_with(leads),
                "{separator:?} makes a formula of {cell:?}"
            );
        }
    }
    let subjects: Vec<&str> = rows.iter().map(|r| &r[6]).collect();
    for lead in leads {
        assert!(
            subjects.contains(&format!("'{lead}1+2").as_str()),
            "{lead:?}"
        );
    }
}

fn reader_headers(raw: &str) -> csv::StringRecord {
    csv::Reader::from_reader(raw.as_bytes())
        .headers()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_large_export_is_streamed_in_batches_with_every_row_once_newest_first() {
    let s = scene().await;
    // More rows than one read (1,000), all at the same millisecond: the batches must continue
    // after the last row read, not skip or repeat rows that share its time.
    add_rows(&s.app, 2_345, "bulk", json!({}));
    let mine = s
        .app
        .count("SELECT count(*) FROM audit_log WHERE workspace_id = 1") as usize;
    for path in ["/audit/export.csv", "/audit/export.jsonl"] {
        let res = s.browser.get(path).await;
        assert_eq!(res.status(), 200);
        assert!(
            res.headers().get("content-length").is_none(),
            "{path}: streamed, not built whole"
        );
        let body = res.text().await.unwrap();
        let ids: Vec<i64> = if path.ends_with("csv") {
            csv_rows(&body)
                .iter()
                .map(|r| r[0].parse().unwrap())
                .collect()
        } else {
            jsonl_rows(&body)
                .iter()
                .map(|r| r["id"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(ids.len(), mine, "{path}");
        assert_eq!(body.matches("bulk").count(), 2_345, "{path}");
        let mut newest_first = ids.clone();
        newest_first.sort_unstable_by(|a, b| b.cmp(a));
        newest_first.dedup();
        assert_eq!(ids, newest_first, "{path}: newest first, no row twice");
    }
    let (csv, jsonl) = exports(&s.browser, "").await;
    let csv_ids: Vec<String> = csv.iter().map(|r| r[0].to_string()).collect();
    let json_ids: Vec<String> = jsonl.iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(csv_ids, json_ids, "both formats in the same order");
}
