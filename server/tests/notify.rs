//! Notifications reach a local SMTP sink and a local webhook sink on create,
//! comment, apply and reject, with a link to the request.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};

/// A webhook endpoint that keeps every JSON body it is sent.
async fn webhook_sink() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn create_comment_apply_and_reject_are_sent_by_mail_and_webhook(pool: PgPool) {
    let (smtp_port, mails) = smtp_sink().await;
    let (hook, hooks) = webhook_sink().await;
    let a = unique_account();
    let extra = format!(
        "{}[notifications.slack]\nwebhook_url = \"{hook}\"\n",
        mail_to_sink(smtp_port)
    );
    let s = services(pool.clone(), config_with(&[&a], &extra)).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let eng = signed_in(&base, ENGINEER).await;
    let submit = |tag: &'static str| {
        let (eng, base, role) = (eng.clone(), base.clone(), role.clone());
        async move {
            let r = eng
                .post_json_body(format!("{base}/api/submit_request"), &json!({"principal_arn": role, "justification": "Tagging for the cost report",
                    "changes": [{"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": tag, "value": "1"}]}}]})).await;
            assert!(r.status().is_success());
            r.json::<String>().await.unwrap()
        }
    };
    let id = submit("cost").await;
    let link = format!("https://latchkey.example.com/requests/{id}");

    // Created: the approvers' list hears of it, with the justification and a link.
    let got = received(&mails, |m| !m.is_empty()).await;
    assert_eq!(got[0].rcpt, ["security@example.com"]);
    assert!(got[0].data.contains("New request"), "{}", got[0].data);
    assert!(got[0].data.contains("Tagging for the cost report"));
    assert!(got[0].data.contains(&link));
    let slack = received(&hooks, |h| !h.is_empty()).await;
    assert!(slack[0]["text"].as_str().unwrap().contains(&link));

    // A comment from the admin reaches the approvers' list and the requester.
    let admin = signed_in(&base, ADMIN).await;
    let reviewed = async |id: &str, action: &str, text: &str| {
        review(
            &admin,
            &base,
            &[("id", id), ("action", action), ("text", text)],
        )
        .await
    };
    reviewed(&id, "comment", "Which cost centre?").await;
    let got = received(&mails, |m| m.len() >= 2).await;
    assert_eq!(got[1].rcpt, ["security@example.com", ENGINEER]);
    assert!(got[1].data.contains("Which cost centre?"));

    // Applied: the requester is told.
    approve_all(&admin, &base, id.as_str()).await;
    let got = received(&mails, |m| m.len() >= 3).await;
    assert_eq!(got[2].rcpt, [ENGINEER]);
    assert!(got[2].data.contains("Applied"), "{}", got[2].data);

    // Rejected: the requester is told, with the reason.
    let id2 = submit("other").await;
    received(&mails, |m| m.len() >= 4).await;
    reviewed(&id2, "reject", "Use the shared tag set").await;
    let got = received(&mails, |m| m.len() >= 5).await;
    assert_eq!(got[4].rcpt, [ENGINEER]);
    assert!(got[4].data.contains("Rejected") && got[4].data.contains("Use the shared tag set"));
    let slack = received(&hooks, |h| h.len() >= 5).await;
    assert_eq!(slack.len(), 5, "one webhook message per event");
}
