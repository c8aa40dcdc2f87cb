//! The per-document columns of a snapshot, packed for a million rows:
//! interned strings, bit-packed integers, compacted bitmaps.
use roaring::RoaringBitmap;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Strings stored back to back: one allocation instead of one per row.
#[derive(Default)]
pub(super) struct Strings {
    pub(super) buf: String,
    pub(super) ends: Vec<u32>,
}

impl Strings {
    pub(super) fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        self.ends.push(self.buf.len() as u32);
    }
    pub(super) fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }
    pub(super) fn bytes(&self) -> usize {
        self.buf.capacity() + self.ends.capacity() * 4
    }
    pub(super) fn shrink(&mut self) {
        self.buf.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// Unsigned integers stored in as many bits as the largest needs (an
/// account index among 100 accounts takes 7 bits, not 32).
#[derive(Default)]
pub(super) struct Packed {
    pub(super) words: Vec<u64>,
    pub(super) bits: u32,
    pub(super) len: usize,
}

/// Every document in (ARN hash, document) order, without a (hash, doc) pair
/// per row (16 MB at 1M rows, the build's largest passing allocation):
/// documents are dealt into buckets by the hash's top bits, then each small
/// bucket is sorted on its own.
pub(super) fn docs_by_hash(cols: &Columns) -> Vec<u32> {
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
    pub(super) fn get(&self, i: usize) -> u32 {
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

    pub(super) fn push(&mut self, v: u32) {
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

    pub(super) fn put(&mut self, v: u32) {
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

    pub(super) fn shrink(&mut self) {
        self.words.shrink_to_fit();
    }

    pub(super) fn bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

/// The bitmap again with no spare capacity: lists filled by pushing grow
/// by doubling, and a million documents' trigram lists are most of the index.
pub(super) fn compacted(b: &RoaringBitmap) -> RoaringBitmap {
    let mut buf = Vec::with_capacity(b.serialized_size());
    match b.serialize_into(&mut buf) {
        Ok(()) => RoaringBitmap::deserialize_unchecked_from(&buf[..]).unwrap_or_else(|_| b.clone()),
        Err(_) => b.clone(),
    }
}

/// A multiplicative hash for the u32/u64 keys below (trigrams, ARN hashes):
/// the default SipHash costs more than the rest of a build's inner loop.
#[derive(Default)]
pub(super) struct IntHasher(u64);

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

pub(super) type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// A group of documents sharing a sort lead (a kind or an account).
pub(super) struct Group {
    pub(super) key: String,
    /// An account's name, as the snapshot read it.
    pub(super) name: Option<String>,
    pub(super) docs: RoaringBitmap,
}

/// `name_len` of a document whose name is not the start of its ARN's tail
/// (otherwise it holds the name's length plus one).
pub(super) const NAME_ELSEWHERE: u32 = 0;

/// The per-document columns, filled in (name, arn) order.
#[derive(Default)]
pub(super) struct Columns {
    pub(super) prefixes: Vec<Box<str>>,
    pub(super) prefix_ix: HashMap<Box<str>, u32>,
    pub(super) prefix_of: Packed,
    pub(super) tails: Strings,
    pub(super) name_len: Packed,
    pub(super) names_other: IntMap<u32, Box<str>>,
    pub(super) lower_other: IntMap<u32, Box<str>>,
    pub(super) kind_of: Vec<u8>,
    pub(super) account_of: Packed,
    /// Distinct (key, value) pairs, distinct tag lists of pair ids in stored
    /// order, and each document's list.
    pub(super) pairs: Vec<(String, String)>,
    pub(super) pair_ix: HashMap<(String, String), u32>,
    pub(super) tag_sets: Vec<Box<[u32]>>,
    pub(super) tag_set_ix: HashMap<Box<[u32]>, u32>,
    pub(super) tag_set_of: Packed,
    /// Distinct regions (the first is "", IAM's) and each document's.
    pub(super) regions: Vec<String>,
    pub(super) region_of: Packed,
}

impl Columns {
    /// Adds the next document.
    pub(super) fn push(
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

    /// The region of the document just pushed (documents without one are in "").
    pub(super) fn push_region(&mut self, region: &str) {
        if self.regions.is_empty() {
            self.regions.push(String::new());
        }
        let id = match self.regions.iter().position(|r| r == region) {
            Some(i) => i,
            None => {
                self.regions.push(region.to_owned());
                self.regions.len() - 1
            }
        };
        // Documents pushed before without a region stay in "" (id 0).
        while self.region_of.len + 1 < self.kind_of.len() {
            self.region_of.push(0);
        }
        self.region_of.push(id as u32);
    }

    pub(super) fn len(&self) -> u32 {
        self.kind_of.len() as u32
    }

    pub(super) fn arn_parts(&self, doc: u32) -> (&str, &str) {
        let p = self.prefix_of.get(doc as usize) as usize;
        (self.prefixes.get(p).map_or("", |p| p), self.tails.get(doc))
    }

    /// `lower(arn)` of `doc`, written into `buf` unless stored as is.
    pub(super) fn lower<'a>(&'a self, doc: u32, buf: &'a mut Vec<u8>) -> &'a [u8] {
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

    pub(super) fn arn_hash(&self, doc: u32) -> u64 {
        let (prefix, tail) = self.arn_parts(doc);
        let mut h = IntHasher::default();
        h.write(prefix.as_bytes());
        h.write(tail.as_bytes());
        h.finish()
    }
}
