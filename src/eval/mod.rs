//! Offline retrieval evaluation. This module owns two things: loading a
//! BEIR-format test collection (corpus, queries and the graded judgments of
//! one split, see [`beir`]) and scoring ranked runs against those judgments
//! with nDCG@10, recall@10, recall@100 and MRR@10, computed exactly as
//! `trec_eval`/`pytrec_eval` compute them, tie-breaking included (see
//! [`metrics`]). It does no retrieval itself: callers produce the run
//! (query id -> scored document ids) with whatever search they evaluate.

pub mod beir;
pub mod metrics;

pub use beir::{load, load_qrels, Collection, Doc, EvalError, Qrels};
pub use metrics::{evaluate, QueryMetrics, Summary};
