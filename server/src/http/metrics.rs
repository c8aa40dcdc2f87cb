//! `GET /metrics`: Prometheus text format, per sync task and account.
use crate::services::sync::MetricsRow;
use crate::services::Services;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// Metric name, type, help text and how to read its value from a row.
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&MetricsRow) -> Option<f64>,
);

fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub async fn metrics(State(s): State<Services>, headers: axum::http::HeaderMap) -> Response {
    if let Some(want) = &s.config.server.metrics_token {
        use crate::services::sessions::hash_token;
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Digests compared, so the time taken says nothing about the token.
        if hash_token(given.trim()) != hash_token(want.expose().trim()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "server.metrics_token is set: send it as a Bearer token\n",
            )
                .into_response();
        }
    }
    let rows = match crate::services::sync::run_metrics(&s.pool).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "metrics query failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
        }
    };
    let mut out = String::new();
    let series: [Series; 5] = [
        (
            "latchkey_sync_last_success_timestamp_seconds",
            "gauge",
            "Unix time of the last successful run.",
            |r| r.last_success.map(|t| t.timestamp() as f64),
        ),
        (
            "latchkey_sync_last_duration_seconds",
            "gauge",
            "Duration of the last finished run.",
            |r| r.last_duration,
        ),
        (
            "latchkey_sync_items",
            "gauge",
            "Items read by the last finished run.",
            |r| r.last_items.map(f64::from),
        ),
        (
            "latchkey_sync_last_run_failed",
            "gauge",
            "1 when the last finished run failed.",
            |r| r.last_failed.map(|f| if f { 1.0 } else { 0.0 }),
        ),
        (
            "latchkey_sync_failures_total",
            "counter",
            "Failed runs recorded.",
            |r| Some(r.failures as f64),
        ),
    ];
    for (name, kind, help, value) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for r in &rows {
            if let Some(v) = value(r) {
                let _ = writeln!(
                    out,
                    "{name}{{task=\"{}\",account=\"{}\"}} {v}",
                    label(&r.task),
                    label(&r.account_id)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP latchkey_sync_runs_total Runs finished (a run in progress counts once it ends).\n# TYPE latchkey_sync_runs_total counter"
    );
    for r in &rows {
        let _ = writeln!(
            out,
            "latchkey_sync_runs_total{{task=\"{}\",account=\"{}\"}} {}",
            label(&r.task),
            label(&r.account_id),
            r.runs
        );
    }
    if s.denials_on() {
        let totals = async {
            let mut conn = crate::db::conn(&s.pool).await?;
            crate::db::denials::totals_since(&mut conn, s.denials_since()).await
        };
        match totals.await {
            Ok((rows, calls, principals)) => {
                for (name, help, v) in [
                    ("latchkey_denials", "Kinds of denied call recorded (principal, action, resource, error) within cloudtrail.retention_days.", rows),
                    ("latchkey_denied_calls", "Denied calls counted within cloudtrail.retention_days.", calls),
                    ("latchkey_denied_principals", "Principals with a denied call within cloudtrail.retention_days.", principals),
                ] {
                    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
                }
            }
            Err(e) => tracing::warn!(error = %e, "metrics: cannot count denials"),
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
