//! Request ids: the id an error shows the user is the one on the response
//! (`x-request-id`) and on the server's log line, whether the caller (a load
//! balancer) sent one or Latchkey made it; a database failure's cause is
//! never in the answer.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use serde_json::Value;
use sqlx::PgPool;

/// Creating a token fails on the database (its table is gone): the answer
/// is a 500 naming only the request id, the same id as the header's.
async fn failing_create(c: &reqwest::Client, base: &str, id: Option<&str>) -> (String, Value) {
    let mut req = c
        .post(format!("{base}/api/create_token"))
        .form(&[("name", "laptop"), ("scope", "full")]);
    if let Some(id) = id {
        req = req.header("x-request-id", id);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 500);
    let header = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    (header, body)
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_internal_error_quotes_the_request_id_on_its_response(pool: PgPool) {
    let (base, eng) = served_bare(&pool, ENGINEER).await;

    // Every answer carries an id, a fresh one per request.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = eng.get(format!("{base}/healthz")).send().await.unwrap();
        ids.push(r.headers()["x-request-id"].to_str().unwrap().to_owned());
    }
    assert_eq!(ids[0].len(), 12, "{ids:?}");
    assert_ne!(ids[0], ids[1]);

    sqlx::query("DROP TABLE api_tokens CASCADE")
        .execute(&pool)
        .await
        .unwrap();
    let (header, body) = failing_create(&eng, &base, None).await;
    assert_eq!(body["Internal"]["request_id"], header.as_str(), "{body}");
    assert!(!body.to_string().contains("api_tokens"), "{body}");

    // A load balancer's id is kept, so one id follows the request end to end.
    let (header, body) = failing_create(&eng, &base, Some("lb-7f3a9c.1")).await;
    assert_eq!(header, "lb-7f3a9c.1");
    assert_eq!(body["Internal"]["request_id"], "lb-7f3a9c.1", "{body}");

    // One that could forge a log line is replaced, not echoed.
    let (header, body) = failing_create(&eng, &base, Some("x\tforged=1")).await;
    assert_ne!(header, "x\tforged=1");
    assert_eq!(body["Internal"]["request_id"], header.as_str(), "{body}");
}
