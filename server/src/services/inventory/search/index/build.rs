//! Reading every cached resource from Postgres and building a snapshot.
use super::columns::*;
use super::snapshot::*;
use crate::db::resource_index as index_reads;
use roaring::RoaringBitmap;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

impl Snapshot {
    /// Reads every cached resource and the generation in one snapshot.
    pub async fn load(pool: &sqlx::PgPool) -> crate::Result<(Snapshot, BuildStats)> {
        use futures_util::TryStreamExt;
        let started = Instant::now();
        let mut tx = index_reads::begin_snapshot(pool).await?;
        let generation = index_reads::generation(&mut tx).await?;
        let kinds = index_reads::kinds(&mut tx).await?;
        let (accounts, account_names): (Vec<String>, Vec<Option<String>>) =
            index_reads::accounts(&mut tx).await?.into_iter().unzip();
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
            let mut stream = index_reads::rows(&mut tx);
            let mut read_so_far: u64 = 0;
            while let Some(r) = stream.try_next().await? {
                read_so_far += 1;
                // A build over a million rows takes seconds: say how it goes.
                if read_so_far.is_multiple_of(PROGRESS_ROWS) {
                    tracing::info!(
                        rows = read_so_far,
                        ms = started.elapsed().as_millis() as u64,
                        "search index build: reading rows"
                    );
                }
                let tags: Vec<(&str, &str)> = r
                    .tags
                    .iter()
                    .filter_map(|t| t.split_once('\u{1f}'))
                    .collect();
                // Both lists were read in this snapshot, so every row's are there.
                cols.push(
                    &r.arn,
                    &r.arn_lower,
                    &r.name,
                    kind_ix.get(r.kind.as_str()).copied().unwrap_or(0),
                    account_ix.get(r.account_id.as_str()).copied().unwrap_or(0),
                    &tags,
                );
                cols.push_region(&r.region);
            }
        }
        tx.commit().await?;
        let read = started.elapsed();
        let n = cols.len() as usize;
        if n as u64 >= PROGRESS_ROWS {
            tracing::info!(
                rows = n,
                read_ms = read.as_millis() as u64,
                "search index build: indexing"
            );
        }
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

    pub(super) fn build(
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
            &mut cols.region_of,
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
        let mut regions = groups(cols.regions.clone());
        for doc in 0..n {
            if let Some(g) = regions.get_mut(cols.region_of.get(doc as usize) as usize) {
                let _ = g.docs.try_push(doc);
            }
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
            .chain(accounts.iter_mut().map(|g| &mut g.docs))
            .chain(regions.iter_mut().map(|g| &mut g.docs));
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
            regions,
            tag_keys,
            tag_pair_docs,
            grams,
            by_hash,
            all,
        }
    }
}

/// A progress line every this many rows read into the index.
const PROGRESS_ROWS: u64 = 250_000;
