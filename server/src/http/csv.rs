//! `GET /resources.csv?…`: the filtered resources table as CSV, streamed page
//! by page (keyset), so an export of a million rows never sits in memory.
use crate::services::inventory::{Cursor, ListRow, PageQuery};
use crate::services::{inventory::filter_of, Services};
use app::domain::inventory::ResourceQuery;
use app::ports::CurrentUser;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::collections::BTreeMap;

const CHUNK: i64 = 2000;

/// Quotes a CSV field when it needs it (RFC 4180) and defuses spreadsheet formulas.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub async fn export(
    State(s): State<Services>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    if user.is_none() {
        return (StatusCode::UNAUTHORIZED, "sign in first\n").into_response();
    }
    let q = match ResourceQuery::from_params(&params) {
        Ok(q) => q,
        Err((field, msg)) => {
            return (StatusCode::BAD_REQUEST, format!("{field}: {msg}\n")).into_response()
        }
    };
    let (filter, sort) = match filter_of(&s, &q).await {
        Ok(fs) => fs,
        Err(e) => {
            tracing::error!(error = %e, "resources export: cannot read the filter");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
        }
    };
    let desc = q.descending;
    let header_row = Bytes::from_static(b"type,name,account_id,account_name,arn,tags,region\n");
    let stream = futures_util::stream::unfold(
        (Some(header_row), None::<Cursor>, false),
        move |(head, cursor, done)| {
            let (s, filter) = (s.clone(), filter.clone());
            async move {
                if let Some(h) = head {
                    return Some((Ok::<Bytes, std::io::Error>(h), (None, cursor, done)));
                }
                if done {
                    return None;
                }
                match s
                    .search_gate
                    .search(
                        &s.pool,
                        &PageQuery::new(&filter, sort, CHUNK)
                            .descending(desc)
                            .after(cursor.as_ref()),
                    )
                    .await
                {
                    Ok((rows, more)) => {
                        let next = rows.last().map(ListRow::cursor);
                        let mut out = String::with_capacity(rows.len() * 160);
                        for r in &rows {
                            let tags: Vec<String> = r
                                .tags
                                .iter()
                                .map(|t| format!("{}={}", t.key, t.value))
                                .collect();
                            let cols = [
                                r.kind.as_str(),
                                &r.name,
                                &r.account_id,
                                &r.account_name,
                                &r.arn,
                                &tags.join(";"),
                                &r.region,
                            ];
                            let line: Vec<String> = cols.iter().map(|c| field(c)).collect();
                            out.push_str(&line.join(","));
                            out.push('\n');
                        }
                        Some((Ok(Bytes::from(out)), (None, next, !more)))
                    }
                    Err(e) => Some((Err(std::io::Error::other(e)), (None, cursor, true))),
                }
            }
        },
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"latchkey-resources.csv\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=cmd()"), "'=cmd()");
    }
}
