//! `/docs`: the API reference rendered from the OpenAPI document, readable without signing in.

use crate::helpers::spawn_app;

async fn docs_page() -> (reqwest::header::HeaderMap, String) {
    let app = spawn_app().await;
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "public, not a redirect to sign-in");
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

fn document() -> serde_json::Value {
    serde_json::to_value(holdpoint::http::api::openapi::document()).unwrap()
}

#[tokio::test]
async fn the_reference_is_html_under_the_strict_csp_without_any_script() {
    let (headers, html) = docs_page().await;
    let media = headers.get("content-type").unwrap().to_str().unwrap();
    assert!(media.starts_with("text/html"), "{media}");
    let csp = headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"));
    assert!(!html.contains("<script"), "no script, inline or loaded");
    assert!(!html.contains("style=\""), "no inline style");
    assert!(
        !html.contains(" src="),
        "nothing loaded but the stylesheet and icon"
    );
    for link in html.split("<link ").skip(1) {
        let href = link.split("href=\"").nth(1).unwrap_or_default();
        assert!(
            href.starts_with("/static/"),
            "served from the binary, no CDN: {link}"
        );
    }
}

#[tokio::test]
async fn every_operation_of_the_document_is_on_the_reference() {
    let (_, html) = docs_page().await;
    let doc = document();
    let paths = doc["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if method == "parameters" {
                continue;
            }
            let heading = format!("{}</span> <code>{path}</code>", method.to_uppercase());
            assert!(html.contains(&heading), "{method} {path} is missing");
        }
    }
}

#[tokio::test]
async fn every_schema_and_problem_type_of_the_document_is_on_the_reference() {
    let (_, html) = docs_page().await;
    let doc = document();
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(html.contains(&format!("<code>{name}</code>")), "{name}");
    }
    for problem in holdpoint::wire::ProblemType::ALL {
        let link = format!("href=\"/problems/{}\"", problem.slug());
        assert!(html.contains(&link), "{}", problem.slug());
    }
}
