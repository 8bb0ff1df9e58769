//! A local ntfy server for the push tests: it records each publish (path, `Authorization` and
//! the JSON body) on 127.0.0.1 and answers 200, as ntfy does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::policy::admin_key;

#[derive(Debug, Clone)]
pub struct Publish {
    pub path: String,
    pub authorization: String,
    pub body: Value,
}

pub struct Ntfy {
    /// The server's root, as a channel's `url` names it.
    pub url: String,
    got: Arc<Mutex<Vec<Publish>>>,
}

impl Ntfy {
    pub async fn start() -> Ntfy {
        let got: Arc<Mutex<Vec<Publish>>> = Arc::default();
        let g = got.clone();
        let server = HttpServer::new(move || {
            let g = g.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let g = g.clone();
                async move {
                    let authorization = req
                        .headers()
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default();
                    g.lock().unwrap().push(Publish {
                        path: req.path().to_string(),
                        authorization,
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    });
                    HttpResponse::Ok().json(serde_json::json!({"id": "x", "event": "message"}))
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://127.0.0.1:{}", server.addrs()[0].port());
        tokio::spawn(server.run());
        Ntfy { url, got }
    }

    pub fn all(&self) -> Vec<Publish> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (polling, bounded) until `n` publishes arrived; they are returned.
    pub async fn wait_for(&self, n: usize) -> Vec<Publish> {
        for _ in 0..500 {
            if self.all().len() >= n {
                return self.all();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} publishes, got {:?}", self.all());
    }

    /// The publishes to `topic`, once `n` of them arrived.
    pub async fn to_topic(&self, topic: &str, n: usize) -> Vec<Value> {
        for _ in 0..500 {
            let got: Vec<Value> = self
                .all()
                .into_iter()
                .filter(|p| p.body["topic"] == topic)
                .map(|p| p.body)
                .collect();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} publishes to {topic}, got {:?}", self.all());
    }
}

/// Sends `body` to `path` with a live admin key.
pub async fn admin(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app
        .api
        .request(method, app.url(path))
        .bearer_auth(admin_key(app, false));
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

/// PATCHes channels at `path` and asserts it worked.
pub async fn set_channels(app: &TestApp, path: &str, body: Value) -> Value {
    let res = admin(app, Method::PATCH, path, Some(body)).await;
    assert_eq!(res.status(), 200, "{path}: {:?}", res.text().await);
    res.json().await.unwrap()
}

/// Gives `email` an own topic (as the account page does).
pub fn set_topic(app: &TestApp, email: &str, topic: &str) {
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE users SET ntfy_topic = ?1 WHERE email = ?2",
            [topic, email],
        )?)
    })
    .unwrap();
}

/// The `http` actions (the buttons) of a publish.
pub fn buttons(publish: &Value) -> Vec<Value> {
    publish["actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| x["action"] == "http")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}
