//! User emails are one plain address everywhere one enters (setup, the Users page, the CLI):
//! display names, quoted local parts and lists are refused with a message saying which.
//! Echoed input is cut short, so a huge value cannot blow up the flash cookie.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::{extract, spawn_app, spawn_empty_app, Browser};
use crate::manage_users::{follow, NEW_PASSWORD};

/// Each bad form and the words of its refusal.
const BAD: [(&str, &str); 4] = [
    ("<m3@y.io>", "without a display name or angle brackets"),
    ("Me <m3@y.io>", "without a display name or angle brackets"),
    ("\"m6\"@x.io", "quoted local parts are not accepted"),
    ("a@x.io,b@y.io", "one address, not a list"),
];

#[tokio::test]
async fn the_users_page_refuses_display_names_quoted_local_parts_and_lists() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let owner = app.sign_in(&app.owner_email).await;
    for method in ["password", "invite"] {
        for (email, why) in BAD {
            let res = owner
                .post_form(
                    "/users",
                    &[
                        ("email", email),
                        ("role", "approver"),
                        ("method", method),
                        ("password", NEW_PASSWORD),
                        ("password_confirm", NEW_PASSWORD),
                    ],
                )
                .await;
            let page = follow(&owner, res, "/users").await;
            assert!(
                page.contains("is not a plain email address"),
                "{email}: {page}"
            );
            assert!(page.contains(why), "{method} {email}: {page}");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

#[tokio::test]
async fn the_setup_page_refuses_display_names_quoted_local_parts_and_lists() {
    let app = spawn_empty_app().await;
    let browser = Browser::new(&app.address);
    let html = browser.get("/setup").await.text().await.unwrap();
    let token = extract(&html, "name=\"csrf_token\" value=\"").unwrap();
    for (email, why) in BAD {
        let res = browser
            .client
            .post(browser.url("/setup"))
            .form(&[
                ("email", email),
                ("name", "First Owner"),
                ("password", "a-good-password"),
                ("password_confirm", "a-good-password"),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{email}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("is not a plain email address") && page.contains(why),
            "{page}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM users"), 0);
}

#[tokio::test]
async fn the_cli_refuses_display_names_quoted_local_parts_and_lists() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    for (email, why) in BAD {
        let mut child = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
            .arg("--data-dir")
            .arg(app.dir.path())
            .args(["user", "add", "--workspace", "1", "--role", "approver"])
            .args(["--email", email])
            .env_remove("HOLDPOINT_DATA_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"a-good-password\n").unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{email}");
        assert!(
            stderr.contains("is not a plain email address") && stderr.contains(why),
            "{stderr}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

#[tokio::test]
async fn a_200_kb_invalid_email_gives_a_flash_cookie_under_4_kb() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let huge = format!("<{}@x.io>", "m".repeat(200 * 1024));
    let res = owner
        .post_form(
            "/users",
            &[("email", &huge), ("role", "approver"), ("method", "invite")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let cookies: usize = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.len())
        .sum();
    assert!(cookies < 4096, "Set-Cookie is {cookies} bytes");
    let page = owner.get("/users").await.text().await.unwrap();
    assert!(page.contains("at most 254 characters"), "{page}");

    // Under the address limit, the echoed input itself is cut.
    let long = format!("<{}@x.io>", "m".repeat(200));
    let res = owner
        .post_form(
            "/users",
            &[("email", &long), ("role", "approver"), ("method", "invite")],
        )
        .await;
    let page = follow(&owner, res, "/users").await;
    assert!(
        page.contains(&format!("{}…` is not a plain", "m".repeat(59))),
        "{page}"
    );
    assert!(
        !page.contains(&"m".repeat(60)),
        "cut to 60 characters: {page}"
    );
}
