//! One page of a search from a snapshot: candidates from the bitmaps,
//! walked in the page's order until the page is full.
use super::snapshot::*;
use crate::db::resources::{Cursor, Filter, Sort, KEY_SEP};
use roaring::RoaringBitmap;
use std::borrow::Cow;

impl Snapshot {
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
    pub(super) fn candidates(&self, f: &Filter) -> Cow<'_, RoaringBitmap> {
        if let Some(arns) = &f.arns {
            // Built per search: the set is small (principals denied lately).
            let only: RoaringBitmap = arns.iter().filter_map(|a| self.doc_of(a)).collect();
            let rest = Filter {
                arns: None,
                ..f.clone()
            };
            return Cow::Owned(&*self.candidates(&rest) & &only);
        }
        // A filter naming something no row has makes the set empty.
        let mut sets: Vec<Option<&RoaringBitmap>> = Vec::new();
        if let Some(k) = &f.kind {
            sets.push(self.kinds.iter().find(|g| &g.key == k).map(|g| &g.docs));
        }
        if let Some(a) = &f.account_id {
            sets.push(self.accounts.iter().find(|g| &g.key == a).map(|g| &g.docs));
        }
        if let Some(r) = &f.region {
            sets.push(self.regions.iter().find(|g| &g.key == r).map(|g| &g.docs));
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

pub(super) fn finish(mut out: Vec<u32>, limit: usize) -> (Vec<u32>, bool) {
    let more = out.len() > limit;
    out.truncate(limit);
    (out, more)
}

/// At most this many candidates are grouped in one pass before a sorted walk.
pub(super) const SPARSE_CANDIDATES: u64 = 50_000;
