//! Retrieval metrics computed the way `trec_eval` 9.x (and so `pytrec_eval`,
//! BEIR and MTEB) computes them: `ndcg_cut.10`, `recall.10`, `recall.100`
//! and `recip_rank` cut at rank 10.
//!
//! # Ranking
//!
//! `trec_eval` ignores the rank column of a run. It sorts each query's results
//! itself in `form_res_rels.c` with `qsort(..., comp_sim_docno)`, where
//!
//! ```c
//! static int comp_sim_docno(const void *ptr1, const void *ptr2) {
//!     if (p1->sim > p2->sim) return (-1);
//!     if (p1->sim < p2->sim) return (1);
//!     return (strcmp(p2->docno, p1->docno));
//! }
//! ```
//!
//! (usnistgov/trec_eval, read through the code search tool). That is: score
//! descending, and ties by docno in *descending* byte order (`strcmp` with the
//! operands swapped), so of two docs tied on score, `"b"` ranks above `"a"`.
//! [`rank`] does the same (Rust's `str` ordering is byte order, like `strcmp`).
//!
//! # Which queries count
//!
//! * A query with no relevant judgment (no grade >= 1) is skipped: it is not
//!   in the per-query output and not in the means. `trec_eval` ignores queries
//!   absent from the qrels; note that it would *score* (as 0) a query whose
//!   judgments are all grade 0, where this module skips it. The BEIR qrels
//!   cairn uses (e.g. NFCorpus: grades 1 and 2 only) have no such query.
//! * A query in the qrels but absent from the run scores 0 on every metric
//!   and counts in the means, like `trec_eval -c`. Plain `trec_eval` would
//!   drop it, which flatters a system that returns nothing for hard queries.
//! * A query in the run but not in the qrels is ignored.
//!
//! # Definitions (rank r starts at 1)
//!
//! * nDCG@10: DCG = sum over the top 10 of `grade / log2(r + 1)`, counting
//!   only grades > 0 (`m_ndcg_cut.c`: `gain / log2(i + 2)` with `i` from 0);
//!   divided by the ideal DCG of the query's positive grades sorted
//!   descending and cut at 10. Gain is the grade itself, not `2^grade - 1`.
//! * recall@k: relevant docs (grade >= 1) in the top k / all relevant docs.
//!   A run shorter than k is treated as padded with non-relevant docs.
//! * MRR@10: `1 / r` for the first relevant doc with r <= 10, else 0.
//!
//! A docid listed twice in one query's run (which `trec_eval` refuses as an
//! error) is counted once, at its best position.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

use super::beir::Qrels;

/// Cutoff of nDCG and MRR.
const TOP: usize = 10;
/// The larger recall cutoff.
const RECALL_DEEP: usize = 100;

/// Metrics of one evaluated query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryMetrics {
    pub qid: String,
    pub ndcg10: f64,
    pub recall10: f64,
    pub recall100: f64,
    pub mrr10: f64,
}

/// Means over the evaluated queries (all 0 when `queries` is 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub queries: usize,
    pub ndcg10: f64,
    pub recall10: f64,
    pub recall100: f64,
    pub mrr10: f64,
}

/// Orders one query's results as `trec_eval` does: score descending, ties by
/// docid descending; a NaN score ranks below every number. A docid that
/// occurs more than once is kept only at its first (best) position.
pub fn rank(results: &[(String, f32)]) -> Vec<&str> {
    let key = |score: f32| {
        if score.is_nan() {
            f32::NEG_INFINITY
        } else {
            score
        }
    };
    let mut sorted: Vec<(&str, f32)> = results.iter().map(|(d, s)| (d.as_str(), key(*s))).collect();
    sorted.sort_by(|(da, sa), (db, sb)| {
        sb.partial_cmp(sa)
            .unwrap_or(Ordering::Equal)
            .then_with(|| db.cmp(da))
    });
    let mut seen = HashSet::new();
    sorted
        .into_iter()
        .map(|(doc, _)| doc)
        .filter(|doc| seen.insert(*doc))
        .collect()
}

/// Scores one query; `None` when `judgments` holds no relevant document.
/// `results` may be in any order; an empty slice scores 0 everywhere.
pub fn query_metrics(
    qid: &str,
    results: &[(String, f32)],
    judgments: &BTreeMap<String, i32>,
) -> Option<QueryMetrics> {
    let num_relevant = judgments.values().filter(|&&g| g >= 1).count();
    if num_relevant == 0 {
        return None;
    }
    // Grade of each ranked doc; unjudged docs are 0 (non-relevant).
    let grades: Vec<i32> = rank(results)
        .into_iter()
        .map(|doc| judgments.get(doc).copied().unwrap_or(0))
        .collect();

    let mut ideal: Vec<i32> = judgments.values().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal_dcg = dcg_at(&ideal, TOP);
    // ideal_dcg > 0 because num_relevant > 0.
    let ndcg10 = dcg_at(&grades, TOP) / ideal_dcg;

    let recall = |k: usize| {
        let hits = grades.iter().take(k).filter(|&&g| g >= 1).count();
        hits as f64 / num_relevant as f64
    };
    let mrr10 = grades
        .iter()
        .take(TOP)
        .position(|&g| g >= 1)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64);

    Some(QueryMetrics {
        qid: qid.to_owned(),
        ndcg10,
        recall10: recall(TOP),
        recall100: recall(RECALL_DEEP),
        mrr10,
    })
}

/// DCG of the first `k` grades, gain = grade, discount `log2(rank + 1)`.
fn dcg_at(grades: &[i32], k: usize) -> f64 {
    grades
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, &g)| g > 0)
        .map(|(i, &g)| f64::from(g) / ((i + 2) as f64).log2())
        .sum()
}

/// Scores `run` (qid -> results, any order) against `qrels`.
///
/// Returns the means and the per-query metrics, in qid order, of every
/// qrels query with at least one relevant judgment. See the module docs for
/// which queries count.
pub fn evaluate(
    run: &BTreeMap<String, Vec<(String, f32)>>,
    qrels: &Qrels,
) -> (Summary, Vec<QueryMetrics>) {
    let per_query: Vec<QueryMetrics> = qrels
        .iter()
        .filter_map(|(qid, judgments)| {
            let results = run.get(qid).map_or(&[][..], Vec::as_slice);
            query_metrics(qid, results, judgments)
        })
        .collect();

    let n = per_query.len();
    let mean = |f: fn(&QueryMetrics) -> f64| {
        if n == 0 {
            0.0
        } else {
            per_query.iter().map(f).sum::<f64>() / n as f64
        }
    };
    let summary = Summary {
        queries: n,
        ndcg10: mean(|m| m.ndcg10),
        recall10: mean(|m| m.recall10),
        recall100: mean(|m| m.recall100),
        mrr10: mean(|m| m.mrr10),
    };
    (summary, per_query)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-6;

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < EPS,
            "got {actual}, expected {expected}"
        );
    }

    fn judged(pairs: &[(&str, i32)]) -> BTreeMap<String, i32> {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    fn results(pairs: &[(&str, f32)]) -> Vec<(String, f32)> {
        pairs.iter().map(|(d, s)| (d.to_string(), *s)).collect()
    }

    /// The hand-made collection:
    ///
    /// q1 judgments a:2 b:1 c:0 d:1 (3 relevant).
    ///    Run (given shuffled): c 3.0, a 2.0, b 2.0, x 1.0, d 0.5.
    ///    a and b tie; trec_eval puts "b" first -> c, b, a, x, d.
    /// q2 judgments n:2 m:1 z:1 (3 relevant).
    ///    Run: k 5.0, n 5.0 (tie: "n" > "k", so n first), m 4.0,
    ///    f1..f8 2.0 (unjudged), z 1.0 -> n, k, m, f*, z (z at rank 12).
    /// q3 judgments p:1, absent from the run -> all 0, still counted.
    /// q4 judgments only grade 0 -> skipped.
    /// q5 in the run, not in the qrels -> ignored.
    fn collection() -> (BTreeMap<String, Vec<(String, f32)>>, Qrels) {
        let mut qrels = Qrels::new();
        qrels.insert(
            "q1".into(),
            judged(&[("a", 2), ("b", 1), ("c", 0), ("d", 1)]),
        );
        qrels.insert("q2".into(), judged(&[("n", 2), ("m", 1), ("z", 1)]));
        qrels.insert("q3".into(), judged(&[("p", 1)]));
        qrels.insert("q4".into(), judged(&[("a", 0)]));

        let mut q2 = results(&[("k", 5.0), ("z", 1.0), ("n", 5.0), ("m", 4.0)]);
        q2.extend((1..=8).map(|i| (format!("f{i}"), 2.0)));
        let mut run = BTreeMap::new();
        run.insert(
            "q1".to_string(),
            results(&[("x", 1.0), ("a", 2.0), ("d", 0.5), ("c", 3.0), ("b", 2.0)]),
        );
        run.insert("q2".to_string(), q2);
        run.insert("q4".to_string(), results(&[("a", 1.0)]));
        run.insert("q5".to_string(), results(&[("a", 1.0)]));
        (run, qrels)
    }

    // Ideal DCG of q1 and of q2 (grades 2, 1, 1):
    //   2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.6309298 + 0.5 = 3.1309298

    #[test]
    fn ties_are_broken_by_docid_descending() {
        let run = results(&[("a", 1.0), ("c", 1.0), ("b", 2.0), ("e", 1.0)]);
        assert_eq!(rank(&run), ["b", "e", "c", "a"]);
    }

    #[test]
    fn q1_tie_decides_ndcg() {
        let (run, qrels) = collection();
        let m = query_metrics("q1", &run["q1"], &qrels["q1"]).expect("q1 has relevant docs");
        // Ranking c(0), b(1), a(2), x(-), d(1):
        //   DCG = 1/log2(3) + 2/log2(4) + 1/log2(6)
        //       = 0.6309298 + 1.0 + 0.3868528 = 2.0177826
        //   nDCG = 2.0177826 / 3.1309298 = 0.6444675
        // (ties broken ascending, a before b, would give 2.1487123 / 3.1309298 = 0.6862857)
        close(m.ndcg10, 0.644_467_528_696_327_6);
        close(m.recall10, 1.0); // a, b, d all in the top 10
        close(m.recall100, 1.0);
        close(m.mrr10, 0.5); // first relevant (b) at rank 2
    }

    #[test]
    fn q2_tie_decides_mrr_and_recall_cutoffs() {
        let (run, qrels) = collection();
        let m = query_metrics("q2", &run["q2"], &qrels["q2"]).expect("q2 has relevant docs");
        // Ranking n(2), k(-), m(1), f1..f8, z(1) at rank 12:
        //   DCG@10 = 2/log2(2) + 1/log2(4) = 2.5
        //   nDCG = 2.5 / 3.1309298 = 0.7984849
        // (ascending ties, k first: 1.7618595 / 3.1309298 = 0.5627273, MRR 0.5)
        close(m.ndcg10, 0.798_484_858_099_497_4);
        close(m.recall10, 2.0 / 3.0); // n, m; z is at rank 12
        close(m.recall100, 1.0);
        close(m.mrr10, 1.0);
    }

    #[test]
    fn evaluate_counts_missing_queries_and_skips_unjudgeable_ones() {
        let (run, qrels) = collection();
        let (summary, per_query) = evaluate(&run, &qrels);
        let qids: Vec<&str> = per_query.iter().map(|m| m.qid.as_str()).collect();
        assert_eq!(qids, ["q1", "q2", "q3"]);
        assert_eq!(
            per_query[2],
            QueryMetrics {
                qid: "q3".into(),
                ndcg10: 0.0,
                recall10: 0.0,
                recall100: 0.0,
                mrr10: 0.0
            }
        );
        assert_eq!(summary.queries, 3);
        // Means over q1, q2, q3:
        close(
            summary.ndcg10,
            (0.644_467_528_696_327_6 + 0.798_484_858_099_497_4) / 3.0,
        ); // 0.4809841
        close(summary.recall10, (1.0 + 2.0 / 3.0 + 0.0) / 3.0); // 0.5555556
        close(summary.recall100, (1.0 + 1.0 + 0.0) / 3.0); // 0.6666667
        close(summary.mrr10, (0.5 + 1.0 + 0.0) / 3.0); // 0.5
    }

    #[test]
    fn mrr_is_cut_at_ten() {
        // The only relevant doc is at rank 11.
        let mut run: Vec<(String, f32)> = (0..10).map(|i| (format!("n{i}"), 2.0)).collect();
        run.push(("r".into(), 1.0));
        let m = query_metrics("q", &run, &judged(&[("r", 1)])).expect("relevant doc");
        close(m.mrr10, 0.0);
        close(m.ndcg10, 0.0);
        close(m.recall10, 0.0);
        close(m.recall100, 1.0);
    }

    #[test]
    fn ideal_dcg_is_cut_at_ten() {
        // 12 relevant docs (grade 1), all retrieved first: nDCG@10 is 1.
        let judgments: BTreeMap<String, i32> = (0..12).map(|i| (format!("r{i:02}"), 1)).collect();
        let run: Vec<(String, f32)> = (0..12).map(|i| (format!("r{i:02}"), 1.0)).collect();
        let m = query_metrics("q", &run, &judgments).expect("relevant docs");
        close(m.ndcg10, 1.0);
        close(m.recall10, 10.0 / 12.0);
        close(m.recall100, 1.0);
    }

    #[test]
    fn grade_zero_and_negative_are_not_relevant() {
        let judgments = judged(&[("a", 0), ("b", -1), ("c", 1)]);
        let run = results(&[("a", 3.0), ("b", 2.0), ("c", 1.0)]);
        let m = query_metrics("q", &run, &judgments).expect("c is relevant");
        // c at rank 3: DCG = 1/log2(4) = 0.5, ideal 1 -> 0.5.
        close(m.ndcg10, 0.5);
        close(m.mrr10, 1.0 / 3.0);
        close(m.recall10, 1.0);
        assert!(query_metrics("q", &run, &judged(&[("a", 0), ("b", -1)])).is_none());
    }

    #[test]
    fn duplicate_docids_count_once_and_nan_ranks_last() {
        // "a" twice: only its best position (rank 1) counts; NaN sorts last.
        let run = results(&[("b", f32::NAN), ("a", 2.0), ("a", 1.0), ("c", 1.5)]);
        assert_eq!(rank(&run), ["a", "c", "b"]);
        let m = query_metrics("q", &run, &judged(&[("a", 1), ("b", 1)])).expect("relevant");
        close(m.recall10, 1.0); // not 3/2
                                // DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal 1 + 1/log2(3) = 1.6309298.
        close(m.ndcg10, 1.5 / 1.630_929_753_571_457_4);
    }

    #[test]
    fn empty_inputs_do_not_divide_by_zero() {
        let (summary, per_query) = evaluate(&BTreeMap::new(), &Qrels::new());
        assert!(per_query.is_empty());
        assert_eq!(summary, Summary::default());
    }
}
