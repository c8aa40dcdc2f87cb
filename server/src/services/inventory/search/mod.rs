//! Resource search: the gate every search passes (bounded, first come
//! first served) and the in-process index that answers it from memory when
//! it matches Postgres, with the SQL search in `db::resources` behind both.
pub mod index;

pub use index::{BuildStats, SearchIndex, Snapshot};

use crate::db::resources::{self, ListRow, PageQuery, Sort};

/// Bounds how many resource searches run at once and answers them from the
/// process's search index when it is current, from SQL otherwise. Past the
/// number of cores, more concurrent queries only take turns on the CPU at
/// the scheduler's whim, and the slowest ones wait longest; queueing here
/// instead is first come, first served (50 clients, 1M rows: p99 of the
/// index paths 21-31 ms with 10 at once, 12-16 ms with 4). It also keeps a
/// burst of searches from taking every pool connection away from credential
/// issuance and sign-in.
#[derive(Clone)]
pub struct SearchGate {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    index: std::sync::Arc<SearchIndex>,
}

/// Which way a search was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// From the in-process index, after checking it against Postgres.
    Index,
    /// From the in-process index alone: the change listener has heard
    /// nothing since it was last found current.
    Memory,
    /// By the SQL search (index not built yet, behind Postgres, or disabled).
    Sql,
}

impl SearchGate {
    pub fn new(permits: usize) -> Self {
        Self::with_index(permits, SearchIndex::default())
    }

    /// A gate whose searches always go to SQL (`database.search_index = false`).
    pub fn without_index(permits: usize) -> Self {
        Self::with_index(permits, SearchIndex::disabled())
    }

    fn with_index(permits: usize, index: SearchIndex) -> Self {
        Self {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(permits.max(1))),
            index: std::sync::Arc::new(index),
        }
    }

    /// Twice the cores (at least 2): one query on the CPU, one waiting on I/O.
    pub fn default_permits() -> usize {
        2 * std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    pub fn index(&self) -> &std::sync::Arc<SearchIndex> {
        &self.index
    }

    /// One page once a permit and a connection are free.
    pub async fn search(
        &self,
        pool: &sqlx::PgPool,
        q: &PageQuery<'_>,
    ) -> crate::Result<(Vec<ListRow>, bool)> {
        let (rows, more, _) = self.search_answered(pool, q).await?;
        Ok((rows, more))
    }

    /// [`SearchGate::search`], also saying which way it was answered.
    pub async fn search_answered(
        &self,
        pool: &sqlx::PgPool,
        q: &PageQuery<'_>,
    ) -> crate::Result<(Vec<ListRow>, bool, Answered)> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let mut conn = None;
        if let Some(snap) = self.index.snapshot() {
            let rows = usize::try_from(q.limit).unwrap_or(0);
            if let Some((docs, more)) = snap.page(q.filter, q.sort, q.descending, q.after, rows) {
                // Current since the last change heard: no database at all.
                if self.index.is_current(&snap) {
                    if let Some(rows) = rows_of(&snap, &docs, q.sort) {
                        return Ok((rows, more, Answered::Memory));
                    }
                }
                let c = conn.insert(pool.acquire().await?);
                if self.index.check(c, &snap).await? {
                    if let Some(rows) = rows_of(&snap, &docs, q.sort) {
                        return Ok((rows, more, Answered::Index));
                    }
                }
                self.index.request_rebuild(pool);
            }
        } else {
            self.index.request_rebuild(pool);
        }
        let mut conn = match conn {
            Some(c) => c,
            None => pool.acquire().await?,
        };
        let (rows, more) = resources::search(&mut conn, q).await?;
        Ok((rows, more, Answered::Sql))
    }
}

impl SearchGate {
    /// The regions resources are cached in: from the index when it is
    /// current, else from Postgres.
    pub async fn regions(&self, pool: &sqlx::PgPool) -> crate::Result<Vec<String>> {
        if let Some(snap) = self.index.snapshot() {
            if self.index.is_current(&snap) {
                return Ok(snap.regions());
            }
        }
        let mut conn = pool.acquire().await?;
        resources::regions(&mut conn).await
    }
}

/// The rows of `docs` from the snapshot (account names as it read them),
/// or `None` for a row whose account it found no name for.
fn rows_of(snap: &Snapshot, docs: &[u32], sort: Sort) -> Option<Vec<ListRow>> {
    docs.iter()
        .map(|doc| {
            Some(ListRow {
                arn: snap.arn(*doc),
                kind: snap.kind(*doc).to_owned(),
                account_id: snap.account_id(*doc).to_owned(),
                account_name: snap.account_name(*doc)?.to_owned(),
                name: snap.name(*doc).to_owned(),
                region: snap.region(*doc).to_owned(),
                tags: snap.tag_pairs(*doc),
                sort_key: snap.sort_key(*doc, sort),
            })
        })
        .collect()
}
