//! The server's API as the tests call it: one function a call, answering the
//! response (or what the call made) for the test to assert on.

use super::http::Http;
use reqwest::{Client, Response};
use serde_json::{json, Value};

/// Approves and applies every open change of request `id` as `c`'s user.
pub async fn approve_all(c: &Client, base: &str, id: &str) -> Response {
    c.post_form(format!("{base}/api/approve_request"), &[("id", id)])
        .await
}

/// The review step the form's `action` names (`apply`, `cancel_change`,
/// `reject`, `cancel` or `comment`), posted as `c`'s user to that step's
/// own server function with the rest of the form (a rejection's `text` is
/// its `reason`).
pub async fn review(c: &Client, base: &str, form: &[(&str, &str)]) -> Response {
    let action = form
        .iter()
        .find(|(k, _)| *k == "action")
        .map_or("", |(_, v)| *v);
    let endpoint = match action {
        "apply" => "apply_change",
        "cancel_change" => "cancel_change",
        "reject" => "reject_request",
        "cancel" => "cancel_request",
        "comment" => "comment_request",
        other => panic!("no review step `{other}`"),
    };
    let rest: Vec<(&str, &str)> = form
        .iter()
        .filter(|(k, _)| *k != "action")
        .map(|&(k, v)| match (action, k) {
            ("reject", "text") => ("reason", v),
            _ => (k, v),
        })
        .collect();
    c.post_form(format!("{base}/api/{endpoint}"), &rest).await
}

/// `get_request` of request `id` as `c`'s user.
pub async fn get_request(c: &Client, base: &str, id: &str) -> Response {
    c.post_form(format!("{base}/api/get_request"), &[("id", id)])
        .await
}

/// Weep's `get_credentials` for `role` (an ARN or `account/role`).
pub async fn credentials(c: &Client, base: &str, role: &str) -> Response {
    let body = json!({ "requested_role": role });
    c.post_json_body(format!("{base}/api/v1/get_credentials"), &body)
        .await
}

/// An admin's `set_account_enabled` as `c`'s user.
pub async fn set_account_enabled(c: &Client, base: &str, account: &str, on: bool) -> Response {
    let form = [
        ("account", account),
        ("enabled", if on { "true" } else { "false" }),
    ];
    c.post_form(format!("{base}/api/set_account_enabled"), &form)
        .await
}

/// A new full-API token of `c`'s user: (id, token).
pub async fn new_token(c: &Client, base: &str, name: &str) -> (String, String) {
    new_token_scoped(c, base, name, "full").await
}

/// A new API token of `c`'s user with `scope` (`credentials` or `full`).
pub async fn new_token_scoped(c: &Client, base: &str, name: &str, scope: &str) -> (String, String) {
    let form = [("name", name), ("scope", scope)];
    let t: Value = c
        .post_form_json(format!("{base}/api/create_token"), &form)
        .await;
    (
        t["id"].as_str().unwrap().to_owned(),
        t["token"].as_str().unwrap().to_owned(),
    )
}

/// `submit_request` as the API takes it: changes to `principal`.
pub async fn submit_request(
    c: &Client,
    base: &str,
    principal: &str,
    changes: Value,
    direct: bool,
) -> Response {
    let body = json!({
        "principal_arn": principal,
        "justification": "Needed for the incident review",
        "changes": changes,
        "direct": direct,
    });
    c.post_json_body(format!("{base}/api/submit_request"), &body)
        .await
}

/// The id of a request `c` submits (which must succeed).
pub async fn asked(c: &Client, base: &str, principal: &str, changes: Value) -> String {
    let r = submit_request(c, base, principal, changes, false).await;
    let status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}
