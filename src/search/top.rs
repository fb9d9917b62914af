//! The best-scored documents of a query, collected without pruning.
//!
//! tantivy's `TopDocs` asks the query to skip documents that cannot make the top (block-max
//! WAND). cairn's queries are one union of many term lists (the question's words in four fields
//! and up to 30 feedback terms of small weight), where WAND cannot skip much and re-sorts every
//! list at each step: on 100,000 articles it made answers twice as slow as scoring every
//! matching document once through the plain union, which is what this collector does. The
//! result is the same set (ties by address), kept in a bounded heap.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// The `limit` highest-scoring documents, best first; ties go to the lower address.
pub struct TopScored {
    limit: usize,
}

impl TopScored {
    pub fn with_limit(limit: usize) -> TopScored {
        TopScored { limit }
    }
}

/// A scored document, ordered best first (higher score, then lower address).
#[derive(Clone, Copy)]
struct Scored(Score, DocAddress);

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Scored {}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scored {
    /// Greater is better.
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

/// The best `limit` seen so far: a min-heap, so the worst kept is at the top.
struct Best {
    limit: usize,
    heap: BinaryHeap<Reverse<Scored>>,
}

impl Best {
    fn new(limit: usize) -> Best {
        Best {
            limit,
            heap: BinaryHeap::with_capacity(limit + 1),
        }
    }

    fn push(&mut self, s: Scored) {
        if self.limit == 0 {
            return;
        }
        if self.heap.len() < self.limit {
            self.heap.push(Reverse(s));
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if s > worst.0 {
                *worst = Reverse(s);
            }
        }
    }

    fn into_sorted(self) -> Vec<(Score, DocAddress)> {
        // Ascending order of `Reverse` is best first.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(Scored(score, addr))| (score, addr))
            .collect()
    }
}

pub struct SegmentTop {
    segment: SegmentOrdinal,
    best: Best,
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.best
            .push(Scored(score, DocAddress::new(self.segment, doc)));
    }

    fn harvest(self) -> Self::Fruit {
        self.best.into_sorted()
    }
}

impl Collector for TopScored {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        Ok(SegmentTop {
            segment,
            best: Best::new(self.limit),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut best = Best::new(self.limit);
        for (score, addr) in fruits.into_iter().flatten() {
            best.push(Scored(score, addr));
        }
        Ok(best.into_sorted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index};

    /// Over several segments and many ties, the same documents in the same order as
    /// tantivy's own top-k collector.
    #[test]
    fn the_same_hits_as_tantivys_top_docs() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["fatigue", "sleep", "pacing", "gut", "pain", "fog"];
        for i in 0..300usize {
            let text: Vec<&str> = (0..1 + i % 5).map(|k| words[(i * 7 + k) % 6]).collect();
            writer.add_document(doc!(body => text.join(" "))).unwrap();
            if i % 100 == 99 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() > 1);
        let query = QueryParser::for_index(&index, vec![body])
            .parse_query("fatigue sleep^2 fog")
            .unwrap();
        for limit in [0, 1, 7, 40, 1000] {
            let ours = searcher
                .search(&query, &TopScored::with_limit(limit))
                .unwrap();
            let theirs = searcher
                .search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())
                .unwrap();
            let theirs = if limit == 0 { Vec::new() } else { theirs };
            assert_eq!(ours.len(), theirs.len().min(limit));
            let scores = |v: &[(f32, DocAddress)]| v.iter().map(|h| h.0).collect::<Vec<_>>();
            assert_eq!(scores(&ours), scores(&theirs), "limit {limit}");
            assert_eq!(ours, theirs, "limit {limit}");
        }
    }
}
