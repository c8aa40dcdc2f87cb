//! An in-process index of the resources cache, so the resources page answers
//! any filter, sort and keyset page from memory and fetches only the rows it
//! shows. Postgres stays the truth: the index is a snapshot tagged with the
//! `resource_generations` sum it was read at, and a page is served from it
//! only when the same statement that fetches the page's rows sees that sum
//! unchanged (see the migration). Otherwise the caller falls back to the SQL
//! search and a rebuild starts in the background.
//!
//! Why not only SQL: a substring such as `worker-0042` over a million ARNs
//! costs Postgres 5-7 ms of CPU in the trigram index (posting lists of
//! trigrams found in one row in eight are intersected in full), which 50
//! clients on two cores turn into a 130-200 ms p99. Here documents are
//! numbered in the page's own order (name, ARN, as Postgres collates them),
//! posting lists are compressed bitmaps (roaring), and a page walks the
//! intersection in order and stops once it has its rows.
use super::resources::{Cursor, Filter, Sort, KEY_SEP};
use roaring::RoaringBitmap;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Strings stored back to back: one allocation instead of one per row.
#[derive(Default)]
struct Strings {
    buf: String,
    ends: Vec<u32>,
}

impl Strings {
    fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        self.ends.push(self.buf.len() as u32);
    }
    fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }
    fn bytes(&self) -> usize {
        self.buf.capacity() + self.ends.capacity() * 4
    }
}

/// A multiplicative hash for the u32/u64 keys below (trigrams, ARN hashes):
/// the default SipHash costs more than the rest of a build's inner loop.
#[derive(Default)]
struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// A group of documents sharing a sort lead (a kind or an account).
struct Group {
    key: String,
    docs: RoaringBitmap,
}

/// One immutable index over every cached resource at one generation.
pub struct Snapshot {
    generation: i64,
    arns: Strings,
    /// `lower(arn)` as Postgres computed it (what the SQL search matches).
    lower: Strings,
    names: Strings,
    kind_of: Vec<u8>,
    account_of: Vec<u32>,
    /// In Postgres' order of the key.
    kinds: Vec<Group>,
    accounts: Vec<Group>,
    /// Tag key → documents, and (key, value) → documents.
    tag_keys: HashMap<String, RoaringBitmap>,
    tag_values: HashMap<(String, String), u32>,
    /// Per distinct (key, value): the pair and its documents.
    tag_pairs: Vec<((String, String), RoaringBitmap)>,
    /// Each document's tags as pair ids, in the stored order: document d's
    /// are `doc_tags[tag_ends[d-1]..tag_ends[d]]`.
    doc_tags: Vec<u32>,
    tag_ends: Vec<u32>,
    /// Byte trigram of `lower(arn)` → documents.
    grams: IntMap<u32, RoaringBitmap>,
    /// Hash of an ARN → its document (u32::MAX where two ARNs collide).
    by_arn: IntMap<u64, u32>,
    all: RoaringBitmap,
}

/// What an index build read and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct BuildStats {
    pub rows: usize,
    pub generation: i64,
    pub read: Duration,
    pub build: Duration,
    /// Approximate heap bytes held by the index.
    pub bytes: usize,
}

/// The rows read from Postgres, in (name, arn) order.
#[derive(Default)]
struct Rows {
    arns: Strings,
    lower: Strings,
    names: Strings,
    kinds: Vec<String>,
    accounts: Vec<String>,
    kind_of: Vec<u8>,
    account_of: Vec<u32>,
    tags: Vec<(u32, String, String)>,
}

fn trigram(b: &[u8]) -> u32 {
    u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2])
}

fn hash_arn(arn: &str) -> u64 {
    let mut h = IntHasher::default();
    h.write(arn.as_bytes());
    h.finish()
}

impl Snapshot {
    /// Reads every cached resource and the generation in one snapshot.
    pub async fn load(pool: &sqlx::PgPool) -> Result<(Snapshot, BuildStats), sqlx::Error> {
        use futures_util::TryStreamExt;
        let started = Instant::now();
        let mut tx = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let generation: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(generation), 0)::bigint FROM resource_generations",
        )
        .fetch_one(&mut *tx)
        .await?;
        // The orders of kinds and accounts as Postgres collates them, so
        // "sort by type/account" pages match the SQL search exactly.
        let kinds: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT kind FROM resources ORDER BY kind")
                .fetch_all(&mut *tx)
                .await?;
        let accounts: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT account_id FROM resources ORDER BY account_id")
                .fetch_all(&mut *tx)
                .await?;
        let kind_ix: HashMap<&str, u8> = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i as u8))
            .collect();
        let account_ix: HashMap<&str, u32> = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.as_str(), i as u32))
            .collect();
        let mut rows = Rows::default();
        {
            let mut stream =
                sqlx::query_as::<_, (String, String, String, String, String, Vec<String>)>(
                    "SELECT arn, lower(arn), name, kind, account_id,
                        ARRAY(SELECT coalesce(t->>'key', '') || chr(31) || coalesce(t->>'value', '')
                              FROM jsonb_array_elements(tags) t WHERE t ? 'key')
                 FROM resources ORDER BY name, arn",
                )
                .fetch(&mut *tx);
            let mut doc = 0u32;
            while let Some((arn, lower, name, kind, account, tags)) = stream.try_next().await? {
                rows.arns.push(&arn);
                rows.lower.push(&lower);
                rows.names.push(&name);
                // Both lists were read in this snapshot, so every row's are there.
                rows.kind_of
                    .push(kind_ix.get(kind.as_str()).copied().unwrap_or(0));
                rows.account_of
                    .push(account_ix.get(account.as_str()).copied().unwrap_or(0));
                for t in tags {
                    if let Some((k, v)) = t.split_once('\u{1f}') {
                        rows.tags.push((doc, k.to_owned(), v.to_owned()));
                    }
                }
                doc += 1;
            }
        }
        tx.commit().await?;
        rows.kinds = kinds;
        rows.accounts = accounts;
        let read = started.elapsed();
        let n = rows.kind_of.len();
        let started = Instant::now();
        let snap = tokio::task::spawn_blocking(move || Snapshot::build(generation, rows))
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("search index build: {e}")))?;
        let stats = BuildStats {
            rows: n,
            generation,
            read,
            build: started.elapsed(),
            bytes: snap.heap_bytes(),
        };
        Ok((snap, stats))
    }

    fn build(generation: i64, rows: Rows) -> Snapshot {
        let n = rows.kind_of.len() as u32;
        let mut grams: IntMap<u32, RoaringBitmap> = IntMap::default();
        let mut by_arn: IntMap<u64, u32> = IntMap::default();
        by_arn.reserve(n as usize);
        let mut seen: Vec<u32> = Vec::with_capacity(256);
        for doc in 0..n {
            let lower = rows.lower.get(doc).as_bytes();
            seen.clear();
            seen.extend(lower.windows(3).map(trigram));
            seen.sort_unstable();
            seen.dedup();
            for g in &seen {
                // Documents arrive in order, so each list is appended to.
                let _ = grams.entry(*g).or_default().try_push(doc);
            }
            by_arn
                .entry(hash_arn(rows.arns.get(doc)))
                .and_modify(|d| *d = u32::MAX)
                .or_insert(doc);
        }
        let groups = |keys: Vec<String>| -> Vec<Group> {
            keys.into_iter()
                .map(|key| Group {
                    key,
                    docs: RoaringBitmap::new(),
                })
                .collect()
        };
        let (mut kinds, mut accounts) = (groups(rows.kinds), groups(rows.accounts));
        for doc in 0..n {
            if let Some(g) = kinds.get_mut(rows.kind_of[doc as usize] as usize) {
                let _ = g.docs.try_push(doc);
            }
            if let Some(g) = accounts.get_mut(rows.account_of[doc as usize] as usize) {
                let _ = g.docs.try_push(doc);
            }
        }
        let mut tag_keys: HashMap<String, RoaringBitmap> = HashMap::new();
        let mut tag_values: HashMap<(String, String), u32> = HashMap::new();
        let mut tag_pairs: Vec<((String, String), RoaringBitmap)> = Vec::new();
        let mut doc_tags = Vec::with_capacity(rows.tags.len());
        let mut tag_ends = vec![0u32; n as usize];
        for (doc, k, v) in rows.tags {
            tag_keys.entry(k.clone()).or_default().insert(doc);
            let id = *tag_values.entry((k, v)).or_insert_with_key(|pair| {
                tag_pairs.push((pair.clone(), RoaringBitmap::new()));
                (tag_pairs.len() - 1) as u32
            });
            tag_pairs[id as usize].1.insert(doc);
            doc_tags.push(id);
            tag_ends[doc as usize] = doc_tags.len() as u32;
        }
        // Documents without tags end where the one before them ended.
        for d in 1..tag_ends.len() {
            tag_ends[d] = tag_ends[d].max(tag_ends[d - 1]);
        }
        for b in grams.values_mut() {
            b.optimize();
        }
        let mut all = RoaringBitmap::new();
        all.insert_range(0..n);
        Snapshot {
            generation,
            arns: rows.arns,
            lower: rows.lower,
            names: rows.names,
            kind_of: rows.kind_of,
            account_of: rows.account_of,
            kinds,
            accounts,
            tag_keys,
            tag_values,
            tag_pairs,
            doc_tags,
            tag_ends,
            grams,
            by_arn,
            all,
        }
    }

    pub fn generation(&self) -> i64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.kind_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kind_of.is_empty()
    }

    fn heap_bytes(&self) -> usize {
        let bitmaps = |it: &mut dyn Iterator<Item = &RoaringBitmap>| -> usize {
            it.map(|b| b.serialized_size()).sum()
        };
        self.arns.bytes()
            + self.lower.bytes()
            + self.names.bytes()
            + self.kind_of.capacity()
            + self.account_of.capacity() * 4
            + self.by_arn.capacity() * 16
            + self.grams.capacity() * 40
            + bitmaps(&mut self.grams.values())
            + bitmaps(&mut self.tag_pairs.iter().map(|p| &p.1))
            + self.tag_pairs.capacity() * 56
            + (self.doc_tags.capacity() + self.tag_ends.capacity()) * 4
            + bitmaps(&mut self.tag_keys.values())
            + bitmaps(&mut self.kinds.iter().map(|g| &g.docs))
            + bitmaps(&mut self.accounts.iter().map(|g| &g.docs))
    }

    pub fn arn(&self, doc: u32) -> &str {
        self.arns.get(doc)
    }

    pub fn name(&self, doc: u32) -> &str {
        self.names.get(doc)
    }

    pub fn kind(&self, doc: u32) -> &str {
        self.kinds
            .get(self.kind_of[doc as usize] as usize)
            .map_or("", |g| g.key.as_str())
    }

    pub fn account_id(&self, doc: u32) -> &str {
        self.accounts
            .get(self.account_of[doc as usize] as usize)
            .map_or("", |g| g.key.as_str())
    }

    /// The document's tags as the cache stores them: `[{"key", "value"}]`.
    pub fn tags(&self, doc: u32) -> serde_json::Value {
        let d = doc as usize;
        let start = if d == 0 {
            0
        } else {
            self.tag_ends[d - 1] as usize
        };
        let end = self.tag_ends[d] as usize;
        serde_json::Value::Array(
            self.doc_tags[start..end]
                .iter()
                .map(|id| {
                    let (k, v) = &self.tag_pairs[*id as usize].0;
                    serde_json::json!({ "key": k, "value": v })
                })
                .collect(),
        )
    }

    /// The sort key a page row carries into the next page's cursor, as the
    /// SQL search computes it.
    pub fn sort_key(&self, doc: u32, sort: Sort) -> String {
        let name = self.names.get(doc);
        let lead = match sort {
            Sort::Name => return name.to_owned(),
            Sort::Kind => self.kinds.get(self.kind_of[doc as usize] as usize),
            Sort::Account => self.accounts.get(self.account_of[doc as usize] as usize),
        };
        format!("{}{KEY_SEP}{name}", lead.map_or("", |g| g.key.as_str()))
    }

    fn doc_of(&self, arn: &str) -> Option<u32> {
        let d = *self.by_arn.get(&hash_arn(arn))?;
        (d != u32::MAX && self.arns.get(d) == arn).then_some(d)
    }

    /// The documents of one page (at most `limit`, in order) and whether
    /// more follow; `None` when only the SQL search can answer (a cursor on a
    /// row this snapshot does not hold, or a key that is not its own).
    pub fn page(
        &self,
        f: &Filter,
        sort: Sort,
        descending: bool,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Option<(Vec<u32>, bool)> {
        let mut cands = self.candidates(f);
        let needle = f
            .text
            .as_ref()
            .filter(|t| !t.is_empty())
            .map(|t| t.to_lowercase());
        let finder = needle
            .as_ref()
            .map(|n| memchr::memmem::Finder::new(n.as_bytes()));
        let matches = |doc: u32| {
            finder
                .as_ref()
                .is_none_or(|fd| fd.find(self.lower.get(doc).as_bytes()).is_some())
        };
        let mut out = Vec::with_capacity(limit + 1);
        let take = |docs: &RoaringBitmap, out: &mut Vec<u32>| {
            let it: Box<dyn Iterator<Item = u32>> = if descending {
                Box::new(docs.iter().rev())
            } else {
                Box::new(docs.iter())
            };
            for d in it.filter(|d| matches(*d)) {
                out.push(d);
                if out.len() > limit {
                    return true;
                }
            }
            false
        };
        // Documents strictly after the cursor's row in the walk's direction.
        let past = |docs: &mut RoaringBitmap, at: u32| {
            if descending {
                docs.remove_range(at..);
            } else {
                docs.remove_range(..=at);
            }
        };
        let groups = match sort {
            Sort::Name => {
                if let Some(c) = after {
                    let at = self.doc_of(&c.arn)?;
                    if self.names.get(at) != c.key {
                        return None;
                    }
                    past(&mut cands, at);
                }
                take(&cands, &mut out);
                return Some(finish(out, limit));
            }
            Sort::Kind => &self.kinds,
            Sort::Account => &self.accounts,
        };
        let mut start = 0;
        let mut cursor_doc = None;
        if let Some(c) = after {
            let (lead, name) = c.key.split_once(KEY_SEP)?;
            let at = self.doc_of(&c.arn)?;
            let gi = match sort {
                Sort::Kind => self.kind_of[at as usize] as usize,
                _ => self.account_of[at as usize] as usize,
            };
            if self.names.get(at) != name || groups.get(gi)?.key != lead {
                return None;
            }
            start = gi;
            cursor_doc = Some(at);
        }
        let order: Box<dyn Iterator<Item = usize>> = match (descending, cursor_doc) {
            (false, _) => Box::new(start..groups.len()),
            (true, Some(_)) => Box::new((0..=start).rev()),
            (true, None) => Box::new((0..groups.len()).rev()),
        };
        for gi in order {
            let mut docs = &cands & &groups[gi].docs;
            if let (Some(at), true) = (cursor_doc, gi == start) {
                past(&mut docs, at);
            }
            if take(&docs, &mut out) {
                break;
            }
        }
        Some(finish(out, limit))
    }

    /// Every document the filters other than the text allow, narrowed by the
    /// text's trigrams (each match holds them all; the text itself is checked
    /// row by row as the page is walked).
    fn candidates(&self, f: &Filter) -> RoaringBitmap {
        // A filter naming something no row has makes the set empty.
        let mut sets: Vec<Option<&RoaringBitmap>> = Vec::new();
        if let Some(k) = &f.kind {
            sets.push(self.kinds.iter().find(|g| &g.key == k).map(|g| &g.docs));
        }
        if let Some(a) = &f.account_id {
            sets.push(self.accounts.iter().find(|g| &g.key == a).map(|g| &g.docs));
        }
        match &f.tag {
            Some((k, Some(v))) => sets.push(
                self.tag_values
                    .get(&(k.clone(), v.clone()))
                    .map(|id| &self.tag_pairs[*id as usize].1),
            ),
            Some((k, None)) => sets.push(self.tag_keys.get(k)),
            None => {}
        }
        if let Some(t) = f.text.as_ref().filter(|t| !t.is_empty()) {
            let lower = t.to_lowercase();
            let mut grams: Vec<u32> = lower.as_bytes().windows(3).map(trigram).collect();
            grams.sort_unstable();
            grams.dedup();
            sets.extend(grams.into_iter().map(|g| self.grams.get(&g)));
        }
        let Some(mut sets) = sets.into_iter().collect::<Option<Vec<&RoaringBitmap>>>() else {
            return RoaringBitmap::new();
        };
        // Smallest first: each intersection can only shrink the result.
        sets.sort_by_key(|b| b.len());
        let mut it = sets.into_iter();
        let Some(first) = it.next() else {
            return self.all.clone();
        };
        let mut acc = first.clone();
        for b in it {
            if acc.is_empty() {
                break;
            }
            acc &= b;
        }
        acc
    }
}

fn finish(mut out: Vec<u32>, limit: usize) -> (Vec<u32>, bool) {
    let more = out.len() > limit;
    out.truncate(limit);
    (out, more)
}

/// The current snapshot of one server process, rebuilt in the background
/// when a search finds it behind Postgres.
#[derive(Default)]
pub struct SearchIndex {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuild: Mutex<RebuildState>,
    disabled: bool,
}

#[derive(Default)]
struct RebuildState {
    running: bool,
    last_start: Option<Instant>,
    last_took: Duration,
}

/// Rebuilds start at least this far apart, and at least twice the last
/// build's time apart, so an index over a cache that keeps changing costs at
/// most a third of one core; searches in between are answered by SQL.
const MIN_REBUILD_INTERVAL: Duration = Duration::from_secs(1);

impl SearchIndex {
    /// An index that is never built: every search goes to SQL.
    pub fn disabled() -> Self {
        Self {
            disabled: true,
            ..Default::default()
        }
    }

    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        if self.disabled {
            return None;
        }
        self.current.read().ok().and_then(|s| s.clone())
    }

    /// Builds a snapshot now and makes it current.
    pub async fn refresh(&self, pool: &sqlx::PgPool) -> Result<BuildStats, sqlx::Error> {
        let (snap, stats) = Snapshot::load(pool).await?;
        if let Ok(mut cur) = self.current.write() {
            *cur = Some(Arc::new(snap));
        }
        Ok(stats)
    }

    /// Starts one background rebuild unless one is running; a rebuild asked
    /// for too soon after the last one waits out the interval first.
    pub fn request_rebuild(self: &Arc<Self>, pool: &sqlx::PgPool) {
        if self.disabled {
            return;
        }
        let wait = {
            let Ok(mut st) = self.rebuild.lock() else {
                return;
            };
            if st.running {
                return;
            }
            st.running = true;
            let gap = MIN_REBUILD_INTERVAL.max(st.last_took * 2);
            let wait = st
                .last_start
                .map_or(Duration::ZERO, |t| gap.saturating_sub(t.elapsed()));
            st.last_start = Some(Instant::now() + wait);
            wait
        };
        let (me, pool) = (Arc::clone(self), pool.clone());
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let started = Instant::now();
            let result = me.refresh(&pool).await;
            if let Ok(mut st) = me.rebuild.lock() {
                st.running = false;
                st.last_took = started.elapsed();
            }
            match result {
                Ok(s) => tracing::info!(
                    rows = s.rows,
                    generation = s.generation,
                    read_ms = s.read.as_millis() as u64,
                    build_ms = s.build.as_millis() as u64,
                    mb = s.bytes / 1_000_000,
                    "search index rebuilt"
                ),
                Err(e) => tracing::warn!(error = %e, "search index rebuild failed"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (arn, name, kind, account, tags), given in (name, arn) order.
    type TestRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

    fn snapshot(rows: &[TestRow]) -> Snapshot {
        let mut r = Rows::default();
        let mut kinds: Vec<String> = rows.iter().map(|x| x.2.to_owned()).collect();
        kinds.sort();
        kinds.dedup();
        let mut accounts: Vec<String> = rows.iter().map(|x| x.3.to_owned()).collect();
        accounts.sort();
        accounts.dedup();
        for (doc, (arn, name, kind, acct, tags)) in rows.iter().enumerate() {
            r.arns.push(arn);
            r.lower.push(&arn.to_lowercase());
            r.names.push(name);
            r.kind_of
                .push(kinds.iter().position(|k| k == kind).unwrap() as u8);
            r.account_of
                .push(accounts.iter().position(|a| a == acct).unwrap() as u32);
            for (k, v) in tags.iter() {
                r.tags.push((doc as u32, (*k).into(), (*v).into()));
            }
        }
        r.kinds = kinds;
        r.accounts = accounts;
        Snapshot::build(1, r)
    }

    fn names(s: &Snapshot, docs: &[u32]) -> Vec<String> {
        docs.iter().map(|d| s.names.get(*d).to_owned()).collect()
    }

    #[test]
    fn text_type_tag_and_pages() {
        let s = snapshot(&[
            (
                "arn:aws:iam::1:role/Api-Worker",
                "Api-Worker",
                "role",
                "1",
                &[("team", "a")],
            ),
            (
                "arn:aws:sqs:r:2:api-queue",
                "api-queue",
                "sqs_queue",
                "2",
                &[("team", "b")],
            ),
            (
                "arn:aws:iam::2:role/batch",
                "batch",
                "role",
                "2",
                &[("team", "a")],
            ),
            ("arn:aws:iam::1:role/worker", "worker", "role", "1", &[]),
        ]);
        let text = |t: &str| Filter {
            text: Some(t.into()),
            ..Default::default()
        };
        let (d, more) = s
            .page(&text("WORKER"), Sort::Name, false, None, 10)
            .unwrap();
        assert_eq!(names(&s, &d), ["Api-Worker", "worker"]);
        assert!(!more);
        // Two characters: no trigram, every row checked.
        let (d, _) = s.page(&text("pi"), Sort::Name, false, None, 10).unwrap();
        assert_eq!(names(&s, &d), ["Api-Worker", "api-queue"]);
        let (d, _) = s
            .page(&text("no-such"), Sort::Name, false, None, 10)
            .unwrap();
        assert!(d.is_empty());
        let f = Filter {
            kind: Some("role".into()),
            tag: Some(("team".into(), Some("a".into()))),
            ..Default::default()
        };
        let (d, _) = s.page(&f, Sort::Name, false, None, 10).unwrap();
        assert_eq!(names(&s, &d), ["Api-Worker", "batch"]);
        let f = Filter {
            tag: Some(("team".into(), None)),
            ..Default::default()
        };
        let (d, _) = s.page(&f, Sort::Name, true, None, 10).unwrap();
        assert_eq!(names(&s, &d), ["batch", "api-queue", "Api-Worker"]);
        // Keyset pages of one row, forwards and backwards.
        let all = Filter::default();
        let (d, more) = s.page(&all, Sort::Name, false, None, 1).unwrap();
        assert!(more);
        let c = Cursor {
            key: s.sort_key(d[0], Sort::Name),
            arn: s.arn(d[0]).into(),
        };
        let (d, _) = s.page(&all, Sort::Name, false, Some(&c), 2).unwrap();
        assert_eq!(names(&s, &d), ["api-queue", "batch"]);
        let (d, _) = s.page(&all, Sort::Name, true, Some(&c), 2).unwrap();
        assert!(d.is_empty());
        // By account: account 1's rows, then account 2's, each by name.
        let (d, _) = s.page(&all, Sort::Account, false, None, 10).unwrap();
        assert_eq!(
            names(&s, &d),
            ["Api-Worker", "worker", "api-queue", "batch"]
        );
        let c = Cursor {
            key: s.sort_key(d[1], Sort::Account),
            arn: s.arn(d[1]).into(),
        };
        assert_eq!(c.key, format!("1{KEY_SEP}worker"));
        let (d2, _) = s.page(&all, Sort::Account, false, Some(&c), 10).unwrap();
        assert_eq!(names(&s, &d2), ["api-queue", "batch"]);
        let (d3, _) = s.page(&all, Sort::Account, true, Some(&c), 10).unwrap();
        assert_eq!(names(&s, &d3), ["Api-Worker"]);
        // A cursor on a row the snapshot lacks, or with another key: SQL's job.
        let gone = Cursor {
            key: "zz".into(),
            arn: "arn:aws:iam::9:role/zz".into(),
        };
        assert!(s.page(&all, Sort::Name, false, Some(&gone), 10).is_none());
        let stale = Cursor {
            key: "renamed".into(),
            arn: "arn:aws:iam::2:role/batch".into(),
        };
        assert!(s.page(&all, Sort::Name, false, Some(&stale), 10).is_none());
    }
}
