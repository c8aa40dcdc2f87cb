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
//!
//! Memory: a million rows must fit a small server. ARNs are stored as an
//! interned prefix (everything up to the last `/` or `:`, shared by every
//! resource of one kind in one account) and their own tail; a name is
//! stored only where it is not the start of that tail; `lower(arn)` only
//! where it is not the ASCII lowercase of the ARN; tag lists are interned
//! (most resources share their tag set with many others); and the ARN
//! lookup for cursors is a list of documents sorted by the ARN's hash.
use super::resources::{Cursor, Filter, Sort, KEY_SEP};
use roaring::RoaringBitmap;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    fn shrink(&mut self) {
        self.buf.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// Unsigned integers stored in as many bits as the largest needs (an
/// account index among 100 accounts takes 7 bits, not 32).
#[derive(Default)]
struct Packed {
    words: Vec<u64>,
    bits: u32,
    len: usize,
}

/// Every document in (ARN hash, document) order, without a (hash, doc) pair
/// per row (16 MB at 1M rows, the build's largest passing allocation):
/// documents are dealt into buckets by the hash's top bits, then each small
/// bucket is sorted on its own.
fn docs_by_hash(cols: &Columns) -> Vec<u32> {
    const BITS: u32 = 12;
    let n = cols.len();
    let bucket = |d: u32| (cols.arn_hash(d) >> (u64::BITS - BITS)) as usize;
    let mut starts = vec![0usize; (1 << BITS) + 1];
    for d in 0..n {
        starts[bucket(d) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut next = starts.clone();
    let mut order = vec![0u32; n as usize];
    for d in 0..n {
        let b = bucket(d);
        order[next[b]] = d;
        next[b] += 1;
    }
    for w in starts.windows(2) {
        order[w[0]..w[1]].sort_by_cached_key(|&d| (cols.arn_hash(d), d));
    }
    order
}

impl Packed {
    fn get(&self, i: usize) -> u32 {
        let bits = self.bits as usize;
        if bits == 0 || i >= self.len {
            return 0;
        }
        let (at, off) = ((i * bits) / 64, (i * bits) % 64);
        let mut v = self.words[at] >> off;
        if off + bits > 64 {
            v |= self.words[at + 1] << (64 - off);
        }
        (v & ((1u64 << bits) - 1)) as u32
    }

    fn push(&mut self, v: u32) {
        let need = u32::BITS - v.leading_zeros();
        if need > self.bits {
            // Wider values from now on: re-store what is there (rare; the
            // width only grows, at most 32 times).
            let old: Vec<u32> = (0..self.len).map(|i| self.get(i)).collect();
            self.bits = need;
            self.words.clear();
            self.len = 0;
            for x in old {
                self.put(x);
            }
        }
        self.put(v);
    }

    fn put(&mut self, v: u32) {
        let bits = self.bits as usize;
        let bit = self.len * bits;
        let words = (bit + bits).div_ceil(64);
        if self.words.len() < words {
            self.words.resize(words, 0);
        }
        if bits > 0 {
            let (at, off) = (bit / 64, bit % 64);
            self.words[at] |= u64::from(v) << off;
            if off + bits > 64 {
                self.words[at + 1] |= u64::from(v) >> (64 - off);
            }
        }
        self.len += 1;
    }

    fn shrink(&mut self) {
        self.words.shrink_to_fit();
    }

    fn bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

/// The bitmap again with no spare capacity: lists filled by pushing grow
/// by doubling, and a million documents' trigram lists are most of the index.
fn compacted(b: &RoaringBitmap) -> RoaringBitmap {
    let mut buf = Vec::with_capacity(b.serialized_size());
    match b.serialize_into(&mut buf) {
        Ok(()) => RoaringBitmap::deserialize_unchecked_from(&buf[..]).unwrap_or_else(|_| b.clone()),
        Err(_) => b.clone(),
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
    /// An account's name, as the snapshot read it.
    name: Option<String>,
    docs: RoaringBitmap,
}

/// `name_len` of a document whose name is not the start of its ARN's tail
/// (otherwise it holds the name's length plus one).
const NAME_ELSEWHERE: u32 = 0;

/// The per-document columns, filled in (name, arn) order.
#[derive(Default)]
struct Columns {
    prefixes: Vec<Box<str>>,
    prefix_ix: HashMap<Box<str>, u32>,
    prefix_of: Packed,
    tails: Strings,
    name_len: Packed,
    names_other: IntMap<u32, Box<str>>,
    lower_other: IntMap<u32, Box<str>>,
    kind_of: Vec<u8>,
    account_of: Packed,
    /// Distinct (key, value) pairs, distinct tag lists of pair ids in stored
    /// order, and each document's list.
    pairs: Vec<(String, String)>,
    pair_ix: HashMap<(String, String), u32>,
    tag_sets: Vec<Box<[u32]>>,
    tag_set_ix: HashMap<Box<[u32]>, u32>,
    tag_set_of: Packed,
}

impl Columns {
    /// Adds the next document.
    fn push(
        &mut self,
        arn: &str,
        lower: &str,
        name: &str,
        kind: u8,
        account: u32,
        tags: &[(&str, &str)],
    ) {
        let doc = self.kind_of.len() as u32;
        let cut = arn.rfind(['/', ':']).map_or(0, |i| i + 1);
        let (prefix, tail) = arn.split_at(cut);
        let p = match self.prefix_ix.get(prefix) {
            Some(p) => *p,
            None => {
                let p = self.prefixes.len() as u32;
                self.prefixes.push(prefix.into());
                self.prefix_ix.insert(prefix.into(), p);
                p
            }
        };
        self.prefix_of.push(p);
        self.tails.push(tail);
        match u32::try_from(name.len()) {
            Ok(n) if n < u32::MAX && tail.starts_with(name) => self.name_len.push(n + 1),
            _ => {
                self.name_len.push(NAME_ELSEWHERE);
                self.names_other.insert(doc, name.into());
            }
        }
        // Equal ignoring ASCII case, and no ASCII capital left: the ASCII lowercase.
        if !lower.eq_ignore_ascii_case(arn) || lower.bytes().any(|b| b.is_ascii_uppercase()) {
            self.lower_other.insert(doc, lower.into());
        }
        self.kind_of.push(kind);
        self.account_of.push(account);
        let ids: Box<[u32]> = tags
            .iter()
            .map(|(k, v)| {
                let pair = ((*k).to_owned(), (*v).to_owned());
                match self.pair_ix.get(&pair) {
                    Some(id) => *id,
                    None => {
                        let id = self.pairs.len() as u32;
                        self.pairs.push(pair.clone());
                        self.pair_ix.insert(pair, id);
                        id
                    }
                }
            })
            .collect();
        let set = match self.tag_set_ix.get(&ids) {
            Some(s) => *s,
            None => {
                let s = self.tag_sets.len() as u32;
                self.tag_sets.push(ids.clone());
                self.tag_set_ix.insert(ids, s);
                s
            }
        };
        self.tag_set_of.push(set);
    }

    fn len(&self) -> u32 {
        self.kind_of.len() as u32
    }

    fn arn_parts(&self, doc: u32) -> (&str, &str) {
        let p = self.prefix_of.get(doc as usize) as usize;
        (self.prefixes.get(p).map_or("", |p| p), self.tails.get(doc))
    }

    /// `lower(arn)` of `doc`, written into `buf` unless stored as is.
    fn lower<'a>(&'a self, doc: u32, buf: &'a mut Vec<u8>) -> &'a [u8] {
        if let Some(l) = self.lower_other.get(&doc) {
            return l.as_bytes();
        }
        let (prefix, tail) = self.arn_parts(doc);
        buf.clear();
        buf.extend_from_slice(prefix.as_bytes());
        buf.extend_from_slice(tail.as_bytes());
        buf.make_ascii_lowercase();
        buf
    }

    fn arn_hash(&self, doc: u32) -> u64 {
        let (prefix, tail) = self.arn_parts(doc);
        let mut h = IntHasher::default();
        h.write(prefix.as_bytes());
        h.write(tail.as_bytes());
        h.finish()
    }
}

/// One immutable index over every cached resource at one generation.
pub struct Snapshot {
    generation: i64,
    /// The [`SearchIndex`] change epoch at which this snapshot was last
    /// known to match Postgres (`u64::MAX`: never).
    verified: AtomicU64,
    cols: Columns,
    /// In Postgres' order of the key.
    kinds: Vec<Group>,
    accounts: Vec<Group>,
    /// Tag key → documents; pair id → documents.
    tag_keys: HashMap<String, RoaringBitmap>,
    tag_pair_docs: Vec<RoaringBitmap>,
    /// Byte trigram of `lower(arn)` → documents.
    grams: IntMap<u32, RoaringBitmap>,
    /// Every document, ordered by the hash of its ARN (cursor lookups).
    by_hash: Packed,
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
        let (accounts, account_names): (Vec<String>, Vec<Option<String>>) = sqlx::query_as(
            "SELECT r.account_id, a.name FROM (SELECT DISTINCT account_id FROM resources) r
             LEFT JOIN accounts a USING (account_id) ORDER BY r.account_id",
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .unzip();
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
        let mut cols = Columns::default();
        {
            let mut stream =
                sqlx::query_as::<_, (String, String, String, String, String, Vec<String>)>(
                    "SELECT arn, lower(arn), name, kind, account_id,
                        ARRAY(SELECT coalesce(t->>'key', '') || chr(31) || coalesce(t->>'value', '')
                              FROM jsonb_array_elements(tags) t WHERE t ? 'key')
                 FROM resources ORDER BY name, arn",
                )
                .fetch(&mut *tx);
            while let Some((arn, lower, name, kind, account, raw)) = stream.try_next().await? {
                let tags: Vec<(&str, &str)> =
                    raw.iter().filter_map(|t| t.split_once('\u{1f}')).collect();
                // Both lists were read in this snapshot, so every row's are there.
                cols.push(
                    &arn,
                    &lower,
                    &name,
                    kind_ix.get(kind.as_str()).copied().unwrap_or(0),
                    account_ix.get(account.as_str()).copied().unwrap_or(0),
                    &tags,
                );
            }
        }
        tx.commit().await?;
        let read = started.elapsed();
        let n = cols.len() as usize;
        let started = Instant::now();
        let snap = tokio::task::spawn_blocking(move || {
            let mut snap = Snapshot::build(generation, cols, kinds, accounts);
            for (g, name) in snap.accounts.iter_mut().zip(account_names) {
                g.name = name;
            }
            snap
        })
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

    fn build(
        generation: i64,
        mut cols: Columns,
        kinds: Vec<String>,
        accounts: Vec<String>,
    ) -> Snapshot {
        let n = cols.len();
        // Lookup tables only the load needed.
        cols.prefix_ix = HashMap::new();
        cols.tag_set_ix = HashMap::new();
        cols.tails.shrink();
        for v in [
            &mut cols.prefix_of,
            &mut cols.account_of,
            &mut cols.tag_set_of,
            &mut cols.name_len,
        ] {
            v.shrink();
        }
        cols.kind_of.shrink_to_fit();
        let mut grams: IntMap<u32, RoaringBitmap> = IntMap::default();
        let mut seen: Vec<u32> = Vec::with_capacity(256);
        let mut buf = Vec::with_capacity(256);
        for doc in 0..n {
            let lower = cols.lower(doc, &mut buf);
            seen.clear();
            seen.extend(lower.windows(3).map(trigram));
            seen.sort_unstable();
            seen.dedup();
            for g in &seen {
                // Documents arrive in order, so each list is appended to.
                let _ = grams.entry(*g).or_default().try_push(doc);
            }
        }
        let mut packed = Packed::default();
        for d in docs_by_hash(&cols) {
            packed.push(d);
        }
        packed.shrink();
        let by_hash = packed;
        let groups = |keys: Vec<String>| -> Vec<Group> {
            keys.into_iter()
                .map(|key| Group {
                    key,
                    name: None,
                    docs: RoaringBitmap::new(),
                })
                .collect()
        };
        let (mut kinds, mut accounts) = (groups(kinds), groups(accounts));
        let mut tag_keys: HashMap<String, RoaringBitmap> = HashMap::new();
        let mut tag_pair_docs = vec![RoaringBitmap::new(); cols.pairs.len()];
        for doc in 0..n {
            if let Some(g) = kinds.get_mut(cols.kind_of[doc as usize] as usize) {
                let _ = g.docs.try_push(doc);
            }
            if let Some(g) = accounts.get_mut(cols.account_of.get(doc as usize) as usize) {
                let _ = g.docs.try_push(doc);
            }
            let set = cols.tag_set_of.get(doc as usize) as usize;
            for id in cols.tag_sets.get(set).map_or(&[][..], |s| s) {
                if let Some(b) = tag_pair_docs.get_mut(*id as usize) {
                    let _ = b.try_push(doc);
                }
                if let Some((k, _)) = cols.pairs.get(*id as usize) {
                    match tag_keys.get_mut(k) {
                        Some(b) => {
                            // A key given twice in one list is pushed once.
                            let _ = b.try_push(doc);
                        }
                        None => {
                            tag_keys.insert(
                                k.clone(),
                                RoaringBitmap::from_sorted_iter([doc]).unwrap_or_default(),
                            );
                        }
                    }
                }
            }
        }
        let bitmaps = grams
            .values_mut()
            .chain(tag_keys.values_mut())
            .chain(tag_pair_docs.iter_mut())
            .chain(kinds.iter_mut().map(|g| &mut g.docs))
            .chain(accounts.iter_mut().map(|g| &mut g.docs));
        for b in bitmaps {
            b.optimize();
            *b = compacted(b);
        }
        grams.shrink_to_fit();
        let mut all = RoaringBitmap::new();
        all.insert_range(0..n);
        all.optimize();
        Snapshot {
            generation,
            verified: AtomicU64::new(u64::MAX),
            cols,
            kinds,
            accounts,
            tag_keys,
            tag_pair_docs,
            grams,
            by_hash,
            all,
        }
    }

    pub fn generation(&self) -> i64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.cols.kind_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cols.kind_of.is_empty()
    }

    fn heap_bytes(&self) -> usize {
        let bitmaps = |it: &mut dyn Iterator<Item = &RoaringBitmap>| -> usize {
            it.map(|b| b.serialized_size()).sum()
        };
        let c = &self.cols;
        let strs =
            |it: &mut dyn Iterator<Item = &Box<str>>| -> usize { it.map(|s| s.len() + 16).sum() };
        c.tails.bytes()
            + strs(&mut c.prefixes.iter())
            + c.prefix_of.bytes()
            + c.name_len.bytes()
            + (c.names_other.capacity() + c.lower_other.capacity()) * 24
            + strs(&mut c.names_other.values())
            + strs(&mut c.lower_other.values())
            + c.kind_of.capacity()
            + c.account_of.bytes()
            + c.tag_set_of.bytes()
            + c.tag_sets.iter().map(|s| s.len() * 4 + 16).sum::<usize>()
            + c.pairs
                .iter()
                .map(|(k, v)| k.len() + v.len() + 48)
                .sum::<usize>()
            + self.by_hash.bytes()
            + self.grams.capacity() * 40
            + bitmaps(&mut self.grams.values())
            + bitmaps(&mut self.tag_pair_docs.iter())
            + bitmaps(&mut self.tag_keys.values())
            + bitmaps(&mut self.kinds.iter().map(|g| &g.docs))
            + bitmaps(&mut self.accounts.iter().map(|g| &g.docs))
    }

    /// The document's ARN.
    pub fn arn(&self, doc: u32) -> String {
        let (prefix, tail) = self.cols.arn_parts(doc);
        let mut s = String::with_capacity(prefix.len() + tail.len());
        s.push_str(prefix);
        s.push_str(tail);
        s
    }

    fn arn_is(&self, doc: u32, arn: &str) -> bool {
        let (prefix, tail) = self.cols.arn_parts(doc);
        arn.len() == prefix.len() + tail.len() && arn.starts_with(prefix) && arn.ends_with(tail)
    }

    pub fn name(&self, doc: u32) -> &str {
        let c = &self.cols;
        match c.name_len.get(doc as usize) {
            NAME_ELSEWHERE => c.names_other.get(&doc).map_or("", |s| s),
            n => c.tails.get(doc).get(..n as usize - 1).unwrap_or(""),
        }
    }

    pub fn kind(&self, doc: u32) -> &str {
        self.kinds
            .get(self.cols.kind_of[doc as usize] as usize)
            .map_or("", |g| g.key.as_str())
    }

    /// The name of the document's account, as the snapshot read it.
    pub fn account_name(&self, doc: u32) -> Option<&str> {
        self.accounts
            .get(self.cols.account_of.get(doc as usize) as usize)
            .and_then(|g| g.name.as_deref())
    }

    /// Whether Postgres still holds what this snapshot was read from: the
    /// same generation sum and the same names of its accounts, read in one
    /// statement.
    pub async fn matches_postgres(
        &self,
        conn: &mut sqlx::PgConnection,
    ) -> Result<bool, sqlx::Error> {
        let ids: Vec<&str> = self.accounts.iter().map(|g| g.key.as_str()).collect();
        let (generation, found, names): (i64, Vec<String>, Vec<String>) = sqlx::query_as(
            "SELECT (SELECT coalesce(sum(generation), 0)::bigint FROM resource_generations),
                    coalesce(array_agg(account_id), '{}'), coalesce(array_agg(name), '{}')
             FROM accounts WHERE account_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_one(conn)
        .await?;
        if generation != self.generation || found.len() != self.accounts.len() {
            return Ok(false);
        }
        let now: HashMap<&str, &str> = found
            .iter()
            .map(String::as_str)
            .zip(names.iter().map(String::as_str))
            .collect();
        Ok(self.accounts.iter().all(|g| {
            g.name
                .as_deref()
                .is_some_and(|n| now.get(g.key.as_str()) == Some(&n))
        }))
    }

    pub fn account_id(&self, doc: u32) -> &str {
        self.accounts
            .get(self.cols.account_of.get(doc as usize) as usize)
            .map_or("", |g| g.key.as_str())
    }

    /// The document's tags as the cache stores them: `[{"key", "value"}]`.
    /// A document's tags as the list rows carry them.
    pub fn tag_pairs(&self, doc: u32) -> Vec<super::resources::TagPair> {
        let c = &self.cols;
        let set = c.tag_set_of.get(doc as usize) as usize;
        c.tag_sets
            .get(set)
            .map_or(&[][..], |s| s)
            .iter()
            .filter_map(|id| c.pairs.get(*id as usize))
            .map(|(k, v)| super::resources::TagPair {
                key: k.clone(),
                value: v.clone(),
            })
            .collect()
    }

    /// A document's tags in the cache's `[{key, value}]` JSON shape.
    #[cfg(test)]
    fn tags(&self, doc: u32) -> serde_json::Value {
        serde_json::json!(self.tag_pairs(doc))
    }

    /// The sort key a page row carries into the next page's cursor, as the
    /// SQL search computes it.
    pub fn sort_key(&self, doc: u32, sort: Sort) -> String {
        let name = self.name(doc);
        let lead = match sort {
            Sort::Name => return name.to_owned(),
            Sort::Kind => self.kinds.get(self.cols.kind_of[doc as usize] as usize),
            Sort::Account => self
                .accounts
                .get(self.cols.account_of.get(doc as usize) as usize),
        };
        format!("{}{KEY_SEP}{name}", lead.map_or("", |g| g.key.as_str()))
    }

    fn doc_of(&self, arn: &str) -> Option<u32> {
        let h = hash_arn(arn);
        let doc = |i: usize| self.by_hash.get(i);
        // The first position whose ARN hashes to `h` or more.
        let (mut lo, mut hi) = (0, self.by_hash.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.cols.arn_hash(doc(mid)) < h {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..self.by_hash.len)
            .map(doc)
            .take_while(|d| self.cols.arn_hash(*d) == h)
            .find(|d| self.arn_is(*d, arn))
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
        let cands = self.candidates(f);
        let needle = f
            .text
            .as_ref()
            .filter(|t| !t.is_empty())
            .map(|t| t.to_lowercase());
        let finder = needle
            .as_ref()
            .map(|n| memchr::memmem::Finder::new(n.as_bytes()));
        let buf = std::cell::RefCell::new(Vec::with_capacity(256));
        let matches = |doc: u32| {
            finder.as_ref().is_none_or(|fd| {
                let mut buf = buf.borrow_mut();
                fd.find(self.cols.lower(doc, &mut buf)).is_some()
            })
        };
        let mut out = Vec::with_capacity(limit + 1);
        // Walks `docs` in the page's direction, strictly past document `at`
        // when given, into `out`; true once the page is full.
        let take = |docs: &RoaringBitmap, at: Option<u32>, out: &mut Vec<u32>| {
            let mut it = docs.iter();
            let it: Box<dyn Iterator<Item = u32>> = if descending {
                if let Some(at) = at {
                    match at.checked_sub(1) {
                        Some(before) => it.advance_back_to(before),
                        None => return false,
                    }
                }
                Box::new(it.rev())
            } else {
                if let Some(at) = at {
                    match at.checked_add(1) {
                        Some(next) => it.advance_to(next),
                        None => return false,
                    }
                }
                Box::new(it)
            };
            for d in it.filter(|d| matches(*d)) {
                out.push(d);
                if out.len() > limit {
                    return true;
                }
            }
            false
        };
        let groups = match sort {
            Sort::Name => {
                let mut at = None;
                if let Some(c) = after {
                    let doc = self.doc_of(&c.arn)?;
                    if self.name(doc) != c.key {
                        return None;
                    }
                    at = Some(doc);
                }
                take(&cands, at, &mut out);
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
                Sort::Kind => self.cols.kind_of[at as usize] as usize,
                _ => self.cols.account_of.get(at as usize) as usize,
            };
            if self.name(at) != name || groups.get(gi)?.key != lead {
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
        // A narrow filter (a team's tag, say) often matches rows of only a
        // few accounts: one pass over the candidates says which groups hold
        // any, so the walk does not intersect every empty group on the way.
        let present = (cands.len() <= SPARSE_CANDIDATES).then(|| {
            let mut present = vec![false; groups.len()];
            for d in cands.iter() {
                let gi = match sort {
                    Sort::Kind => self.cols.kind_of[d as usize] as usize,
                    _ => self.cols.account_of.get(d as usize) as usize,
                };
                if let Some(p) = present.get_mut(gi) {
                    *p = true;
                }
            }
            present
        });
        // With no filter at all a group's own documents are the walk.
        let unfiltered = std::ptr::eq(&*cands, &self.all);
        for gi in order {
            if present.as_ref().is_some_and(|p| p.get(gi) == Some(&false)) {
                continue;
            }
            let at = cursor_doc.filter(|_| gi == start);
            let full = if unfiltered {
                take(&groups[gi].docs, at, &mut out)
            } else {
                take(&(&*cands & &groups[gi].docs), at, &mut out)
            };
            if full {
                break;
            }
        }
        Some(finish(out, limit))
    }

    /// Every document the filters other than the text allow, narrowed by the
    /// text's trigrams (each match holds them all; the text itself is checked
    /// row by row as the page is walked).
    fn candidates(&self, f: &Filter) -> Cow<'_, RoaringBitmap> {
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
                self.cols
                    .pair_ix
                    .get(&(k.clone(), v.clone()))
                    .and_then(|id| self.tag_pair_docs.get(*id as usize)),
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
            return Cow::Owned(RoaringBitmap::new());
        };
        // Smallest first: each intersection can only shrink the result.
        sets.sort_by_key(|b| b.len());
        let (first, second, rest) = match sets.as_slice() {
            // No filter, or one: a set the snapshot holds, not a copy.
            [] => return Cow::Borrowed(&self.all),
            [only] => return Cow::Borrowed(*only),
            [first, second, rest @ ..] => (*first, *second, rest),
        };
        let mut acc = first & second;
        for b in rest {
            if acc.is_empty() {
                break;
            }
            acc &= *b;
        }
        Cow::Owned(acc)
    }
}

fn finish(mut out: Vec<u32>, limit: usize) -> (Vec<u32>, bool) {
    let more = out.len() > limit;
    out.truncate(limit);
    (out, more)
}

/// At most this many candidates are grouped in one pass before a sorted walk.
const SPARSE_CANDIDATES: u64 = 50_000;

/// The current snapshot of one server process, rebuilt in the background
/// when a search finds it behind Postgres.
///
/// While a listener hears `latchkey_resources_changed` (every change to the
/// cache or to an account's name notifies it), a snapshot found current
/// stays current until the next notification, and pages are answered from
/// memory alone. Without the listener, or after a notification, a page first
/// checks the snapshot against Postgres (one small statement).
#[derive(Default)]
pub struct SearchIndex {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuild: Mutex<RebuildState>,
    disabled: bool,
    /// True only while the listener is subscribed.
    live: AtomicBool,
    /// Bumped by every change heard and every gain or loss of the listener.
    epoch: AtomicU64,
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

    /// Whether the change listener is subscribed (always, when disabled).
    pub fn is_listening(&self) -> bool {
        self.disabled || self.live.load(Ordering::Acquire)
    }

    /// Listens for changes to the cache for as long as the process runs.
    pub async fn listen(self: Arc<Self>, pool: sqlx::PgPool) {
        if self.disabled {
            return;
        }
        let channel = crate::services::notified_cache::RESOURCES_CHANNEL;
        crate::services::notified_cache::listen_forever(
            pool,
            channel,
            |live| {
                self.live.store(live, Ordering::Release);
                self.changed();
            },
            |_| self.changed(),
        )
        .await
    }

    /// Counts changes heard (and listener gains and losses).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Marks every snapshot as possibly behind Postgres (a change was heard,
    /// or this process just wrote one).
    pub fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Where a check against Postgres starts: `None` when a verified
    /// snapshot could not be trusted anyway (no listener).
    fn epoch_if_live(&self) -> Option<u64> {
        self.live
            .load(Ordering::Acquire)
            .then(|| self.epoch.load(Ordering::Acquire))
    }

    /// Whether `snap` may answer without asking Postgres.
    pub fn is_current(&self, snap: &Snapshot) -> bool {
        self.epoch_if_live()
            .is_some_and(|e| snap.verified.load(Ordering::Acquire) == e)
    }

    /// Checks `snap` against Postgres; when it matches and the listener
    /// was subscribed before the check began, it stays current until the
    /// next change is heard.
    pub async fn check(
        &self,
        conn: &mut sqlx::PgConnection,
        snap: &Snapshot,
    ) -> Result<bool, sqlx::Error> {
        let epoch = self.epoch_if_live();
        let fresh = snap.matches_postgres(conn).await?;
        if let (true, Some(e)) = (fresh, epoch) {
            snap.verified.store(e, Ordering::Release);
        }
        Ok(fresh)
    }

    /// Builds a snapshot now and makes it current.
    pub async fn refresh(&self, pool: &sqlx::PgPool) -> Result<BuildStats, sqlx::Error> {
        let epoch = self.epoch_if_live();
        let (snap, stats) = Snapshot::load(pool).await?;
        if let Some(e) = epoch {
            snap.verified.store(e, Ordering::Release);
        }
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
        let mut c = Columns::default();
        let mut kinds: Vec<String> = rows.iter().map(|x| x.2.to_owned()).collect();
        kinds.sort();
        kinds.dedup();
        let mut accounts: Vec<String> = rows.iter().map(|x| x.3.to_owned()).collect();
        accounts.sort();
        accounts.dedup();
        for (arn, name, kind, acct, tags) in rows {
            c.push(
                arn,
                &arn.to_lowercase(),
                name,
                kinds.iter().position(|k| k == kind).unwrap() as u8,
                accounts.iter().position(|a| a == acct).unwrap() as u32,
                tags,
            );
        }
        Snapshot::build(1, c, kinds, accounts)
    }

    #[test]
    fn every_arn_is_found_after_the_bucketed_hash_sort() {
        let arns: Vec<String> = (0..5000)
            .map(|i| format!("arn:aws:s3:::bucket-{i:05}"))
            .collect();
        let rows: Vec<TestRow> = arns
            .iter()
            .map(|a| (a.as_str(), &a[13..], "s3_bucket", "1", &[][..]))
            .collect();
        let s = snapshot(&rows);
        let order = docs_by_hash(&s.cols);
        let mut want: Vec<(u64, u32)> = (0..5000).map(|d| (s.cols.arn_hash(d), d)).collect();
        want.sort_unstable();
        assert_eq!(order, want.iter().map(|w| w.1).collect::<Vec<_>>());
        for (doc, arn) in arns.iter().enumerate() {
            assert_eq!(s.doc_of(arn), Some(doc as u32), "{arn}");
        }
        assert_eq!(s.doc_of("arn:aws:s3:::bucket-99999"), None);
    }

    #[test]
    fn packed_integers_widen_as_larger_values_arrive() {
        let mut p = Packed::default();
        let values: Vec<u32> = (0..5000u32)
            .map(|i| match i {
                0..=99 => 0,
                100..=999 => i % 7,
                1000..=2999 => i * 37 % 100_000,
                _ => i.wrapping_mul(2_654_435_761),
            })
            .collect();
        for v in &values {
            p.push(*v);
        }
        let back: Vec<u32> = (0..values.len()).map(|i| p.get(i)).collect();
        assert_eq!(back, values);
        assert_eq!(p.get(values.len()), 0, "past the end reads as zero");
        let mut small = Packed::default();
        for i in 0..1000 {
            small.push(i % 100);
        }
        small.shrink();
        assert_eq!(small.bits, 7);
        assert!(small.bytes() <= 1000 * 7 / 8 + 8);
    }

    fn names(s: &Snapshot, docs: &[u32]) -> Vec<String> {
        docs.iter().map(|d| s.name(*d).to_owned()).collect()
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
            arn: s.arn(d[0]),
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
            arn: s.arn(d[1]),
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

    /// The compact storage gives back exactly what was stored: ARNs split
    /// at their last `/` or `:`, names that are not the start of that tail,
    /// a `lower(arn)` that is not the ASCII lowercase, interned tag lists.
    #[test]
    fn compact_columns_give_back_what_was_stored() {
        let s = snapshot(&[
            (
                "arn:aws:s3:::Logs-Bucket",
                "Logs-Bucket",
                "s3_bucket",
                "1",
                &[("env", "prod"), ("team", "a")],
            ),
            (
                "arn:aws:iam::1:role/service/ÄRGER",
                "ÄRGER",
                "role",
                "1",
                &[("env", "prod"), ("team", "a")],
            ),
            (
                "arn:aws:sqs:eu-west-1:1:q",
                "queue display name",
                "sqs_queue",
                "1",
                &[("team", "a"), ("env", "prod")],
            ),
            ("arn:aws:sns:eu-west-1:2:", "", "sns_topic", "2", &[]),
        ]);
        let arns: Vec<String> = (0..4).map(|d| s.arn(d)).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:s3:::Logs-Bucket",
                "arn:aws:iam::1:role/service/ÄRGER",
                "arn:aws:sqs:eu-west-1:1:q",
                "arn:aws:sns:eu-west-1:2:",
            ]
        );
        assert_eq!(
            names(&s, &[0, 1, 2, 3]),
            ["Logs-Bucket", "ÄRGER", "queue display name", ""]
        );
        // Tag lists keep their stored order, even when one set is shared.
        assert_eq!(s.tags(0), s.tags(1));
        assert_eq!(
            s.tags(2),
            serde_json::json!([{"key": "team", "value": "a"}, {"key": "env", "value": "prod"}])
        );
        assert_eq!(s.tags(3), serde_json::json!([]));
        // Text search matches lower(arn), non-ASCII capitals included.
        let text = |t: &str| Filter {
            text: Some(t.into()),
            ..Default::default()
        };
        let (d, _) = s
            .page(&text("service/är"), Sort::Name, false, None, 10)
            .unwrap();
        assert_eq!(names(&s, &d), ["ÄRGER"]);
        let (d, _) = s
            .page(&text("LOGS-b"), Sort::Name, false, None, 10)
            .unwrap();
        assert_eq!(names(&s, &d), ["Logs-Bucket"]);
        // Every ARN is found again for a cursor; one that is not stored is not.
        for d in 0..4 {
            assert_eq!(s.doc_of(&s.arn(d)), Some(d));
        }
        assert_eq!(s.doc_of("arn:aws:sqs:eu-west-1:1:Q"), None);
        let f = Filter {
            tag: Some(("env".into(), Some("prod".into()))),
            ..Default::default()
        };
        assert_eq!(
            s.page(&f, Sort::Name, false, None, 10).unwrap().0,
            [0, 1, 2]
        );
    }
}
