//! One immutable snapshot of the resources cache: how it is read from
//! Postgres and built, and what it answers about one document.
use super::columns::*;
use crate::db::resources::{Sort, KEY_SEP};
use roaring::RoaringBitmap;
use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// One immutable index over every cached resource at one generation.
pub struct Snapshot {
    pub(super) generation: i64,
    /// The [`SearchIndex`] change epoch at which this snapshot was last
    /// known to match Postgres (`u64::MAX`: never).
    pub(super) verified: AtomicU64,
    pub(super) cols: Columns,
    /// In Postgres' order of the key.
    pub(super) kinds: Vec<Group>,
    pub(super) accounts: Vec<Group>,
    /// Region → documents (the first group, "", holds IAM's).
    pub(super) regions: Vec<Group>,
    /// Tag key → documents; pair id → documents.
    pub(super) tag_keys: HashMap<String, RoaringBitmap>,
    pub(super) tag_pair_docs: Vec<RoaringBitmap>,
    /// Byte trigram of `lower(arn)` → documents.
    pub(super) grams: IntMap<u32, RoaringBitmap>,
    /// Every document, ordered by the hash of its ARN (cursor lookups).
    pub(super) by_hash: Packed,
    pub(super) all: RoaringBitmap,
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

pub(super) fn trigram(b: &[u8]) -> u32 {
    u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2])
}

pub(super) fn hash_arn(arn: &str) -> u64 {
    let mut h = IntHasher::default();
    h.write(arn.as_bytes());
    h.finish()
}

impl Snapshot {
    pub fn generation(&self) -> i64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.cols.kind_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cols.kind_of.is_empty()
    }

    pub(super) fn heap_bytes(&self) -> usize {
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
            + bitmaps(&mut self.regions.iter().map(|g| &g.docs))
    }

    /// The document's ARN.
    pub fn arn(&self, doc: u32) -> String {
        let (prefix, tail) = self.cols.arn_parts(doc);
        let mut s = String::with_capacity(prefix.len() + tail.len());
        s.push_str(prefix);
        s.push_str(tail);
        s
    }

    pub(super) fn arn_is(&self, doc: u32, arn: &str) -> bool {
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
    pub async fn matches_postgres(&self, conn: &mut sqlx::PgConnection) -> crate::Result<bool> {
        let ids: Vec<&str> = self.accounts.iter().map(|g| g.key.as_str()).collect();
        let (generation, found, names) =
            crate::db::resource_index::generation_and_names(conn, &ids).await?;
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

    /// The regions documents are in, sorted ("" left out).
    pub fn regions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .regions
            .iter()
            .filter(|g| !g.key.is_empty() && !g.docs.is_empty())
            .map(|g| g.key.clone())
            .collect();
        v.sort();
        v
    }

    /// The region `doc` lives in ("" for IAM).
    pub fn region(&self, doc: u32) -> &str {
        let r = self.cols.region_of.get(doc as usize) as usize;
        self.cols.regions.get(r).map_or("", String::as_str)
    }

    pub fn account_id(&self, doc: u32) -> &str {
        self.accounts
            .get(self.cols.account_of.get(doc as usize) as usize)
            .map_or("", |g| g.key.as_str())
    }

    /// The document's tags as the cache stores them: `[{"key", "value"}]`.
    /// A document's tags as the list rows carry them.
    pub fn tag_pairs(&self, doc: u32) -> Vec<crate::db::resources::TagPair> {
        let c = &self.cols;
        let set = c.tag_set_of.get(doc as usize) as usize;
        c.tag_sets
            .get(set)
            .map_or(&[][..], |s| s)
            .iter()
            .filter_map(|id| c.pairs.get(*id as usize))
            .map(|(k, v)| crate::db::resources::TagPair {
                key: k.clone(),
                value: v.clone(),
            })
            .collect()
    }

    /// A document's tags in the cache's `[{key, value}]` JSON shape.
    #[cfg(test)]
    pub(super) fn tags(&self, doc: u32) -> serde_json::Value {
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

    pub(super) fn doc_of(&self, arn: &str) -> Option<u32> {
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
}
