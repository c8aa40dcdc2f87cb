//! The cached roles. Writes are batched (UNNEST) and skip unchanged rows.
use crate::aws::iam::RoleSnapshot;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct RoleRow {
    pub arn: String,
    pub account_id: String,
    pub account_name: String,
    /// Roles in a disabled account are listed for nobody and used by nobody.
    pub account_enabled: bool,
    pub name: String,
    pub path: String,
    pub description: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub trust_policy: Value,
    pub inline_policies: Value,
    pub managed_policies: Value,
    pub tags: Value,
    pub synced_at: DateTime<Utc>,
    pub boundary_arn: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_region: Option<String>,
}

/// Short form used for eligibility.
#[derive(Debug, Clone)]
pub struct RoleKey {
    pub arn: String,
    pub account_id: String,
    pub account_name: String,
    pub name: String,
    pub tags: Value,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReplaceOutcome {
    pub changed: u64,
    pub removed: u64,
}

/// Replaces the cached roles of one account with `roles`: removes the ones
/// that disappeared, inserts new ones, updates only those that changed.
///
/// `read_at` is when the read of `roles` began: a row written from a later
/// read (one role re-read after a change was applied while this pass was
/// under way) is newer than this pass and is neither removed nor rewritten.
pub async fn replace_account_roles(
    conn: &mut PgConnection,
    account_id: &str,
    roles: &[RoleSnapshot],
    read_at: DateTime<Utc>,
) -> crate::Result<ReplaceOutcome> {
    let arns: Vec<String> = roles.iter().map(|r| r.arn.clone()).collect();
    let removed = sqlx::query!(
        "DELETE FROM roles WHERE account_id = $1 AND NOT (arn = ANY($2)) AND synced_at <= $3",
        account_id,
        &arns,
        read_at,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let changed = write_roles(conn, roles, read_at, false).await?;
    Ok(ReplaceOutcome { changed, removed })
}

/// Writes one role just re-read (begun at `read_at`) unless a later read
/// already wrote it. Returns whether the row was written.
pub async fn put_read(
    conn: &mut PgConnection,
    role: &RoleSnapshot,
    read_at: DateTime<Utc>,
) -> crate::Result<bool> {
    Ok(write_roles(conn, std::slice::from_ref(role), read_at, true).await? > 0)
}

/// Removes a role found gone by a read begun at `read_at`, unless a later
/// read wrote it.
pub async fn remove_read(
    conn: &mut PgConnection,
    arn: &str,
    read_at: DateTime<Utc>,
) -> crate::Result<bool> {
    let gone = sqlx::query!(
        "DELETE FROM roles WHERE arn = $1 AND synced_at <= $2",
        arn,
        read_at
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(gone > 0)
}

/// Inserts or updates `roles` read at `read_at`: a row written from a later
/// read is left alone, and an unchanged row is rewritten only when `touch`
/// (which records that it was read at `read_at`). Returns rows written.
async fn write_roles(
    conn: &mut PgConnection,
    roles: &[RoleSnapshot],
    read_at: DateTime<Utc>,
    touch: bool,
) -> crate::Result<u64> {
    let arns: Vec<String> = roles.iter().map(|r| r.arn.clone()).collect();
    let col = |f: fn(&RoleSnapshot) -> String| roles.iter().map(f).collect::<Vec<_>>();
    let jcol = |f: fn(&RoleSnapshot) -> Value| roles.iter().map(f).collect::<Vec<_>>();
    let created: Vec<Option<DateTime<Utc>>> = roles.iter().map(|r| r.created_at).collect();
    let changed = sqlx::query!(
        "INSERT INTO roles (arn, account_id, name, path, role_id, created_at, trust_policy,
                            inline_policies, managed_policies, tags, boundary_arn, last_used_at,
                            last_used_region, synced_at)
         SELECT t.*, $14 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                      $6::timestamptz[], $7::jsonb[], $8::jsonb[], $9::jsonb[], $10::jsonb[],
                                      $11::text[], $12::timestamptz[], $13::text[]) AS t
         ON CONFLICT (arn) DO UPDATE SET
             name = excluded.name, path = excluded.path, role_id = excluded.role_id,
             created_at = excluded.created_at, trust_policy = excluded.trust_policy,
             inline_policies = excluded.inline_policies, managed_policies = excluded.managed_policies,
             tags = excluded.tags, boundary_arn = excluded.boundary_arn,
             last_used_at = excluded.last_used_at, last_used_region = excluded.last_used_region,
             synced_at = $14
         WHERE roles.synced_at <= $14 AND ($15 OR (roles.name, roles.path, roles.role_id, roles.created_at, roles.trust_policy,
                roles.inline_policies, roles.managed_policies, roles.tags, roles.boundary_arn,
                roles.last_used_at, roles.last_used_region)
               IS DISTINCT FROM
               (excluded.name, excluded.path, excluded.role_id, excluded.created_at, excluded.trust_policy,
                excluded.inline_policies, excluded.managed_policies, excluded.tags, excluded.boundary_arn,
                excluded.last_used_at, excluded.last_used_region))",
        &arns,
        &col(|r| r.account_id.clone()),
        &col(|r| r.name.clone()),
        &col(|r| r.path.clone()),
        &col(|r| r.role_id.clone()),
        // Columns with NULLs: the macro's type check cannot express
        // arrays of optional values, so these two opt out of it.
        &created as _,
        &jcol(|r| r.trust_policy.clone()),
        &jcol(|r| r.inline_policies.clone()),
        &jcol(|r| r.managed_policies.clone()),
        &jcol(|r| r.tags.clone()),
        &roles.iter().map(|r| r.boundary_arn.clone()).collect::<Vec<_>>() as _,
        &roles.iter().map(|r| r.last_used_at).collect::<Vec<_>>() as _,
        &roles.iter().map(|r| r.last_used_region.clone()).collect::<Vec<_>>() as _,
        read_at,
        touch,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(changed)
}

/// Every cached role in an enabled account (for eligibility matching).
pub async fn list_keys(conn: &mut PgConnection) -> crate::Result<Vec<RoleKey>> {
    Ok(sqlx::query_as!(
        RoleKey,
        "SELECT r.arn, r.account_id, a.name AS account_name, r.name, r.tags
         FROM roles r JOIN accounts a USING (account_id)
         WHERE a.enabled ORDER BY a.name, r.name",
    )
    .fetch_all(conn)
    .await?)
}

pub async fn get_by_name(
    conn: &mut PgConnection,
    account_id: &str,
    name: &str,
) -> crate::Result<Option<RoleRow>> {
    Ok(sqlx::query_as!(
        RoleRow,
        "SELECT r.arn, r.account_id, a.name AS account_name, a.enabled AS account_enabled, r.name, r.path, r.description,
                r.created_at, r.trust_policy, r.inline_policies, r.managed_policies, r.tags, r.synced_at,
                r.boundary_arn, r.last_used_at, r.last_used_region
         FROM roles r JOIN accounts a USING (account_id)
         WHERE r.account_id = $1 AND r.name = $2",
        account_id,
        name,
    )
    .fetch_optional(conn)
    .await?)
}

/// What role access checks: the role's account, whether it is enabled, and
/// the role's tags (eligibility by tag).
#[derive(Debug, Clone)]
pub struct RoleAccessRow {
    pub account_id: String,
    pub account_enabled: bool,
    pub tags: Value,
}

pub async fn access_by_arn(
    conn: &mut PgConnection,
    arn: &str,
) -> crate::Result<Option<RoleAccessRow>> {
    Ok(sqlx::query_as!(
        RoleAccessRow,
        "SELECT r.account_id, a.enabled AS account_enabled, r.tags
         FROM roles r JOIN accounts a USING (account_id) WHERE r.arn = $1",
        arn,
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn get_by_arn(conn: &mut PgConnection, arn: &str) -> crate::Result<Option<RoleRow>> {
    Ok(sqlx::query_as!(
        RoleRow,
        "SELECT r.arn, r.account_id, a.name AS account_name, a.enabled AS account_enabled, r.name, r.path, r.description,
                r.created_at, r.trust_policy, r.inline_policies, r.managed_policies, r.tags, r.synced_at,
                r.boundary_arn, r.last_used_at, r.last_used_region
         FROM roles r JOIN accounts a USING (account_id) WHERE r.arn = $1",
        arn,
    )
    .fetch_optional(conn)
    .await?)
}

/// The cached path of each named role, keyed `(account, name)` (roles not
/// cached are absent).
pub async fn paths_by_name(
    conn: &mut PgConnection,
    accounts: &[String],
    names: &[String],
) -> crate::Result<Vec<(String, String, String)>> {
    Ok(sqlx::query!(
        "SELECT r.account_id, r.name, r.path FROM roles r
         JOIN UNNEST($1::text[], $2::text[]) AS k(account_id, name)
           ON r.account_id = k.account_id AND r.name = k.name",
        accounts,
        names,
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| (r.account_id, r.name, r.path))
    .collect())
}
