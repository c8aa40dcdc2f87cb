//! The searchable cache of every principal and resource.
use crate::aws::snapshot::ResourceSnapshot;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReplaceOutcome {
    pub changed: u64,
    pub removed: u64,
}

/// Makes the account's rows of `kinds` equal to `rows`: deletes what vanished,
/// inserts what is new, rewrites only what changed (one statement each, UNNEST).
/// Rows whose ARN is in `keep` (listed but not read this time) stay as cached,
/// as do rows written from a read later than `read_at` (when this one began).
pub async fn replace_account(
    conn: &mut PgConnection,
    account_id: &str,
    kinds: &[&str],
    rows: &[ResourceSnapshot],
    keep: &[String],
    read_at: DateTime<Utc>,
) -> crate::Result<ReplaceOutcome> {
    let arns: Vec<String> = rows
        .iter()
        .map(|r| r.arn.clone())
        .chain(keep.iter().cloned())
        .collect();
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    let removed = sqlx::query!(
        "DELETE FROM resources WHERE account_id = $1 AND kind = ANY($2) AND NOT (arn = ANY($3))
           AND synced_at <= $4",
        account_id,
        &kinds,
        &arns,
        read_at,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let changed = write(conn, rows, read_at, false).await?;
    Ok(ReplaceOutcome { changed, removed })
}

/// Inserts or updates rows read now; unchanged rows are not written.
/// Returns rows written.
pub async fn upsert(conn: &mut PgConnection, rows: &[ResourceSnapshot]) -> crate::Result<u64> {
    write(conn, rows, Utc::now(), false).await
}

/// Writes items just re-read one by one (begun at `read_at`), unless a
/// later read already wrote them; an unchanged row is marked read then.
pub async fn put_read(
    conn: &mut PgConnection,
    rows: &[ResourceSnapshot],
    read_at: DateTime<Utc>,
) -> crate::Result<u64> {
    write(conn, rows, read_at, true).await
}

/// Removes an item found gone by a read begun at `read_at`, unless a later
/// read wrote it.
pub async fn remove_read(
    conn: &mut PgConnection,
    arn: &str,
    read_at: DateTime<Utc>,
) -> crate::Result<bool> {
    let gone = sqlx::query!(
        "DELETE FROM resources WHERE arn = $1 AND synced_at <= $2",
        arn,
        read_at
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(gone > 0)
}

/// Inserts or updates rows read at `read_at`: a row written from a later
/// read is left alone, an unchanged one is rewritten only when `touch`.
async fn write(
    conn: &mut PgConnection,
    rows: &[ResourceSnapshot],
    read_at: DateTime<Utc>,
    touch: bool,
) -> crate::Result<u64> {
    let arns: Vec<&str> = rows.iter().map(|r| r.arn.as_str()).collect();
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
    let accounts: Vec<&str> = rows.iter().map(|r| r.account_id.as_str()).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let tags: Vec<&Value> = rows.iter().map(|r| &r.tags).collect();
    let policies: Vec<Option<&Value>> = rows.iter().map(|r| r.policy.as_ref()).collect();
    let details: Vec<&Value> = rows.iter().map(|r| &r.details).collect();
    let written = sqlx::query!("INSERT INTO resources (arn, kind, account_id, name, tags, policy, details, synced_at)
         SELECT t.*, $8 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::jsonb[]) AS t
         ON CONFLICT (arn) DO UPDATE SET kind = excluded.kind, account_id = excluded.account_id,
             name = excluded.name, tags = excluded.tags, policy = excluded.policy,
             details = excluded.details, synced_at = $8
         WHERE resources.synced_at <= $8 AND ($9 OR (resources.kind, resources.account_id, resources.name, resources.tags, resources.policy, resources.details)
               IS DISTINCT FROM
               (excluded.kind, excluded.account_id, excluded.name, excluded.tags, excluded.policy, excluded.details))",
        // Borrowed columns (and one with NULLs): the macro's type check
        // wants owned element types, so these opt out of it; the SQL casts
        // each array to its column's type.
        &arns as _, &kinds as _, &accounts as _, &names as _, &tags as _, &policies as _, &details as _, read_at, touch)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(written)
}

#[derive(Debug, Clone)]
pub struct ResourceRow {
    pub arn: String,
    pub kind: String,
    pub account_id: String,
    pub account_name: String,
    pub name: String,
    pub tags: Value,
    pub policy: Option<Value>,
    pub details: Value,
    pub synced_at: DateTime<Utc>,
}

pub async fn get(conn: &mut PgConnection, arn: &str) -> crate::Result<Option<ResourceRow>> {
    Ok(sqlx::query_as!(
        ResourceRow,
        "SELECT r.arn, r.kind, r.account_id, a.name AS account_name, r.name, r.tags, r.policy, r.details, r.synced_at
         FROM resources r JOIN accounts a USING (account_id) WHERE r.arn = $1",
        arn,
    )
    .fetch_optional(conn)
    .await?)
}

/// The account's cached items of `kind` named in `names` (a user's groups).
pub async fn named(
    conn: &mut PgConnection,
    account_id: &str,
    kind: &str,
    names: &[String],
) -> crate::Result<Vec<ResourceRow>> {
    Ok(sqlx::query_as!(
        ResourceRow,
        "SELECT r.arn, r.kind, r.account_id, a.name AS account_name, r.name, r.tags, r.policy, r.details, r.synced_at
         FROM resources r JOIN accounts a USING (account_id)
         WHERE r.account_id = $1 AND r.kind = $2 AND r.name = ANY($3) ORDER BY r.name",
        account_id,
        kind,
        names,
    )
    .fetch_all(conn)
    .await?)
}

/// Which of `arns` are cached.
pub async fn cached_arns(
    conn: &mut PgConnection,
    arns: &[String],
) -> crate::Result<std::collections::HashSet<String>> {
    let found: Vec<String> =
        sqlx::query_scalar!("SELECT arn FROM resources WHERE arn = ANY($1)", arns)
            .fetch_all(conn)
            .await?;
    Ok(found.into_iter().collect())
}

/// A cached role or user that attaches a managed policy.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub kind: String,
    pub arn: String,
    pub name: String,
    pub account_id: String,
}

/// The cached roles and users that attach the managed policy `policy_arn`
/// (roles by their `managed_policies`, users by their details').
pub async fn attached_to(
    conn: &mut PgConnection,
    policy_arn: &str,
) -> crate::Result<Vec<Attachment>> {
    Ok(sqlx::query_as!(
        Attachment,
        r#"WITH p AS (SELECT jsonb_build_array(jsonb_build_object('arn', $1::text)) AS m)
         SELECT 'role' AS "kind!", arn AS "arn!", name AS "name!", account_id AS "account_id!"
         FROM roles, p WHERE managed_policies @> p.m
         UNION ALL
         SELECT kind, arn, name, account_id FROM resources, p
         WHERE kind IN ('user', 'iam_group') AND details->'managed_policies' @> p.m
         ORDER BY 1, 3, 2"#,
        policy_arn,
    )
    .fetch_all(conn)
    .await?)
}

/// Filters for the resources table; every field optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<String>,
    pub account_id: Option<String>,
    /// Case-insensitive substring of name or ARN.
    pub text: Option<String>,
    pub tag: Option<(String, Option<String>)>,
    /// A region such as `eu-west-1` (IAM rows, global, have none).
    pub region: Option<String>,
    /// Only rows with one of these ARNs (principals with recent denials).
    pub arns: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    Account,
    Kind,
}

/// One page asked of the resource search: filters, order, where the
/// previous page ended and how many rows.
#[derive(Debug, Clone, Copy)]
pub struct PageQuery<'a> {
    pub filter: &'a Filter,
    pub sort: Sort,
    pub descending: bool,
    pub after: Option<&'a Cursor>,
    pub limit: i64,
}

impl<'a> PageQuery<'a> {
    /// The first `limit` rows in ascending `sort` order.
    pub fn new(filter: &'a Filter, sort: Sort, limit: i64) -> Self {
        Self {
            filter,
            sort,
            descending: false,
            after: None,
            limit,
        }
    }

    pub fn descending(self, descending: bool) -> Self {
        Self { descending, ..self }
    }

    /// The page after the row `after` points at.
    pub fn after(self, after: Option<&'a Cursor>) -> Self {
        Self { after, ..self }
    }
}

/// Keyset position: the sort key and ARN of the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: String,
    pub arn: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub arn: String,
    pub kind: String,
    pub account_id: String,
    pub account_name: String,
    pub name: String,
    /// Empty for IAM (global).
    pub region: String,
    /// Key/value pairs in stored order (the `[{key, value}]` column).
    #[sqlx(json)]
    pub tags: Vec<TagPair>,
    pub sort_key: String,
}

impl ListRow {
    /// Where the page after this row starts.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            key: self.sort_key.clone(),
            arn: self.arn.clone(),
        }
    }
}

/// One tag of a cached row, as the `tags` column stores it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct TagPair {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// Separates the parts of a multi-column sort key inside a cursor.
pub const KEY_SEP: char = '\u{1f}';

/// One page of matching rows in `sort` order after `after`, plus whether more follow.
/// Every sort order is served by a (col, name, arn) index, so deep pages cost
/// the same as the first one. Only the filters present become SQL conditions:
/// each combination is its own prepared statement with its own plan, instead
/// of one `$n IS NULL OR ...` statement whose generic plan fits none of them.
pub async fn search(
    conn: &mut PgConnection,
    q: &PageQuery<'_>,
) -> crate::Result<(Vec<ListRow>, bool)> {
    let PageQuery {
        filter: f,
        sort,
        descending,
        after,
        limit,
    } = *q;
    let lead = match sort {
        Sort::Name => None,
        Sort::Account => Some("r.account_id"),
        Sort::Kind => Some("r.kind"),
    };
    let (cmp, dir) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let like = f
        .text
        .as_ref()
        .filter(|t| !t.is_empty())
        .map(|t| format!("%{}%", escape_like(&t.to_lowercase())));
    let tag = f.tag.as_ref().map(|(k, v)| match v {
        Some(v) => serde_json::json!([{ "key": k, "value": v }]),
        None => serde_json::json!([{ "key": k }]),
    });
    let (first, name) = match (after, lead) {
        (None, _) => (None, None),
        (Some(c), None) => (None, Some(c.key.clone())),
        (Some(c), Some(_)) => match c.key.split_once(KEY_SEP) {
            Some((a, b)) => (Some(a.to_owned()), Some(b.to_owned())),
            None => (Some(c.key.clone()), Some(String::new())),
        },
    };
    // Only fixed fragments and parameter numbers are formatted in; every
    // value is a bind parameter.
    let mut conds: Vec<String> = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    let trigram = f.text.as_ref().is_some_and(|t| t.chars().count() >= 3);
    if f.kind.is_some() {
        conds.push(format!("r.kind = ${}", next()));
    }
    if f.account_id.is_some() {
        conds.push(format!("r.account_id = ${}", next()));
    }
    if f.region.is_some() {
        conds.push(format!("r.region = ${}", next()));
    }
    if f.arns.is_some() {
        conds.push(format!("r.arn = ANY(${})", next()));
    }
    let like_param = like.as_ref().map(|_| next());
    if let Some(p) = like_param {
        conds.push(format!("lower(r.arn) LIKE ${p}"));
    }
    let (nm, an) = ("r.name", "r.arn");
    if tag.is_some() {
        conds.push(format!("r.tags @> ${}", next()));
    }
    let key_expr = match lead {
        None => "r.name".to_owned(),
        Some(col) => format!("{col} || chr(31) || r.name"),
    };
    if after.is_some() {
        conds.push(match lead {
            None => format!("({nm}, {an}) {cmp} (${}, ${})", next(), next()),
            Some(col) => format!(
                "({col}, r.name, r.arn) {cmp} (${}, ${}, ${})",
                next(),
                next(),
                next()
            ),
        });
    }
    let limit_param = next();
    let order = match lead {
        None => format!("{nm} {dir}, {an} {dir}"),
        Some(col) => format!("{col} {dir}, r.name {dir}, r.arn {dir}"),
    };
    // A substring of 3+ characters is found through the trigram index first and
    // only the matches are sorted; walking the name index and filtering instead
    // reads most of the table when matches are rare.
    let source = match like_param {
        Some(p) if trigram => format!(
            "(WITH m AS MATERIALIZED (SELECT * FROM resources WHERE lower(arn) LIKE ${p}) SELECT * FROM m) r"
        ),
        _ => "resources r".to_owned(),
    };
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let sql = format!(
        "SELECT r.arn, r.kind, r.account_id, a.name AS account_name, r.name, r.region, r.tags, {key_expr} AS sort_key
         FROM {source} JOIN accounts a ON a.account_id = r.account_id
         {filter}
         ORDER BY {order}
         LIMIT ${limit_param}"
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    if let Some(k) = &f.kind {
        q = q.bind(k);
    }
    if let Some(a) = &f.account_id {
        q = q.bind(a);
    }
    if let Some(r) = &f.region {
        q = q.bind(r);
    }
    if let Some(a) = &f.arns {
        q = q.bind(a);
    }
    if let Some(l) = like {
        q = q.bind(l);
    }
    if let Some(t) = tag {
        q = q.bind(t);
    }
    if let Some(c) = after {
        if lead.is_some() {
            q = q.bind(first);
        }
        q = q.bind(name).bind(c.arn.clone());
    }
    let mut rows: Vec<ListRow> = q.bind(limit + 1).fetch_all(conn).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The regions resources are cached in, in order: one index probe each.
pub async fn regions(conn: &mut PgConnection) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"WITH RECURSIVE r(region) AS (
               SELECT min(region) FROM resources WHERE region > ''
               UNION ALL
               SELECT (SELECT min(region) FROM resources WHERE region > r.region)
               FROM r WHERE r.region IS NOT NULL)
           SELECT region AS "region!" FROM r WHERE region IS NOT NULL"#
    )
    .fetch_all(conn)
    .await?)
}
