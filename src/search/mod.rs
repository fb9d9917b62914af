//! The tantivy index and ranking. Owns the schema, building the index from documents (on disk
//! under `index/`, rebuilt when the library's fingerprint changes, or in RAM for evaluation), and
//! turning a [`QueryPlan`] into ranked hits. Queries are built from analysed terms, never parsed.
//! Everything here is synchronous: async callers go through `spawn_blocking`.

pub mod analysis;
mod engine;
mod ranking;
pub mod semantic;

pub use analysis::{Alternative, Analysis, QueryPlan, QueryTerm};
pub use engine::Engine;
pub use ranking::{Feedback, Ranking};

use std::path::{Path, PathBuf};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

/// Bumped whenever the schema or analysis changes, so old indexes are rebuilt.
const SCHEMA_VERSION: &str = "cairn-index-v2";
const FINGERPRINT_FILE: &str = "cairn-fingerprint";

/// What gets indexed for one document.
#[derive(Debug, Clone, Default)]
pub struct IndexDoc {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub tags: String,
    pub body: String,
    pub conditions: Vec<String>,
}

/// A ranked result: the document id and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    /// Where the document is in the index (None for a hit found by semantic search alone).
    addr: Option<tantivy::DocAddress>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("cannot use the index folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0} is not a cairn index folder (it has other files in it); choose another --index folder"
    )]
    NotOurs(PathBuf),
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    summary: Field,
    tags: Field,
    body: Field,
    condition: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analysis::ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Title and body are stored too: pseudo-relevance feedback reads the top hits' text.
    let stored_text = text.clone().set_stored();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", stored_text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        tags: b.add_text_field("tags", text.clone()),
        body: b.add_text_field("body", stored_text),
        condition: b.add_text_field("condition", STRING),
    };
    (b.build(), fields)
}

/// How an on-disk index was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The existing index matched the library.
    Reused,
    /// It was missing or stale and was built now.
    Built,
}

/// A searchable index over a set of documents.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
}

impl SearchIndex {
    /// Builds an index in memory (tests, evaluation).
    pub fn build_in_ram(
        docs: &[IndexDoc],
        progress: &dyn Fn(usize),
    ) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        Self::fill(index, fields, docs, progress)
    }

    /// Opens the index in `dir` if it was built from a library with this `fingerprint`;
    /// otherwise (re)builds it there from `docs`. `force` always rebuilds.
    pub fn open_or_build(
        dir: &Path,
        fingerprint: &str,
        docs: &dyn Fn() -> Vec<IndexDoc>,
        force: bool,
        progress: &dyn Fn(usize),
    ) -> Result<(SearchIndex, Opened), SearchError> {
        let fingerprint = format!("{SCHEMA_VERSION}:{fingerprint}");
        let io = |source| SearchError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let stamp = dir.join(FINGERPRINT_FILE);
        if !force && std::fs::read_to_string(&stamp).ok().as_deref() == Some(fingerprint.as_str()) {
            if let Ok(idx) = Self::open(dir) {
                return Ok((idx, Opened::Reused));
            }
        }
        clear_index_dir(dir)?;
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema)?;
        let idx = Self::fill(index, fields, &docs(), progress)?;
        std::fs::write(&stamp, &fingerprint).map_err(io)?;
        Ok((idx, Opened::Built))
    }

    fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        let index = Index::open_in_dir(dir)?;
        let (expected, _) = schema();
        if index.schema() != expected {
            return Err(tantivy::TantivyError::SchemaError("schema changed".into()).into());
        }
        let (_, fields) = schema();
        Self::with_reader(index, fields)
    }

    fn fill(
        index: Index,
        fields: Fields,
        docs: &[IndexDoc],
        progress: &dyn Fn(usize),
    ) -> Result<SearchIndex, SearchError> {
        index
            .tokenizers()
            .register(analysis::ANALYZER, analysis::analyzer());
        let mut writer = index.writer::<TantivyDocument>(50_000_000)?;
        for (i, d) in docs.iter().enumerate() {
            let mut doc = doc!(
                fields.id => d.id.as_str(),
                fields.title => d.title.as_str(),
                fields.summary => d.summary.as_str(),
                fields.tags => d.tags.as_str(),
                fields.body => d.body.as_str(),
            );
            for c in &d.conditions {
                doc.add_text(fields.condition, c);
            }
            writer.add_document(doc)?;
            progress(i + 1);
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        Self::with_reader(index, fields)
    }

    fn with_reader(index: Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        // Registrations are not saved in the index: register on every open.
        index
            .tokenizers()
            .register(analysis::ANALYZER, analysis::analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex { reader, fields })
    }

    /// The top `limit` documents for `plan`, restricted to `condition` when given.
    pub fn search(
        &self,
        plan: &QueryPlan,
        ranking: &Ranking,
        condition: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        if plan.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let query = self.build_query(plan, ranking, condition);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_str()) {
                hits.push(Hit {
                    id: id.to_string(),
                    score,
                    addr: Some(addr),
                });
            }
        }
        Ok(hits)
    }

    fn build_query(
        &self,
        plan: &QueryPlan,
        ranking: &Ranking,
        condition: Option<&str>,
    ) -> Box<dyn Query> {
        let f = self.fields;
        let weighted = [
            (f.title, ranking.title),
            (f.summary, ranking.summary),
            (f.tags, ranking.tags),
            (f.body, ranking.body),
        ];
        // One term or phrase, in every weighted field, summed.
        let across_fields = |terms: &[String], weight: f32| -> Box<dyn Query> {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for &(field, boost) in &weighted {
                if boost <= 0.0 {
                    continue;
                }
                let q: Box<dyn Query> = if terms.len() == 1 {
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, &terms[0]),
                        IndexRecordOption::WithFreqs,
                    ))
                } else {
                    let terms = terms
                        .iter()
                        .map(|w| Term::from_field_text(field, w))
                        .collect();
                    Box::new(PhraseQuery::new(terms))
                };
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, boost * weight))));
            }
            Box::new(BooleanQuery::new(clauses))
        };
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &plan.terms {
            should.push((
                Occur::Should,
                across_fields(std::slice::from_ref(&t.term), t.weight),
            ));
        }
        if ranking.proximity > 0.0 {
            // Consecutive question words (in question order) found within a few positions.
            let own: Vec<&QueryTerm> = plan.terms.iter().filter(|t| t.weight >= 1.0).collect();
            for pair in own.windows(2) {
                for &(field, boost) in &weighted {
                    if boost <= 0.0 {
                        continue;
                    }
                    let mut q = PhraseQuery::new(vec![
                        Term::from_field_text(field, &pair[0].term),
                        Term::from_field_text(field, &pair[1].term),
                    ]);
                    q.set_slop(ranking.proximity_slop);
                    should.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(q), boost * ranking.proximity)),
                    ));
                }
            }
        }
        for group in &plan.groups {
            let alternatives = group
                .iter()
                .map(|alt| across_fields(&alt.terms, alt.weight))
                .collect();
            should.push((
                Occur::Should,
                Box::new(DisjunctionMaxQuery::new(alternatives)),
            ));
        }
        let text: Box<dyn Query> = Box::new(BooleanQuery::new(should));
        match condition {
            None => text,
            Some(c) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, text),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.condition, c),
                        IndexRecordOption::Basic,
                    )),
                ),
            ])),
        }
    }

    /// Each term's idf in the bodies, `ln((N + 1) / (df + 1))`, from one searcher.
    pub fn body_idf<'a>(
        &self,
        terms: impl Iterator<Item = &'a str>,
    ) -> Result<Vec<f32>, SearchError> {
        let searcher = self.reader.searcher();
        let n = searcher.num_docs() as f32;
        terms
            .map(|t| {
                let df = searcher.doc_freq(&Term::from_field_text(self.fields.body, t))?;
                Ok(((n + 1.0) / (df as f32 + 1.0)).ln().max(0.0))
            })
            .collect()
    }

    /// The number of documents, and how many of them contain each analysed term in the body.
    pub fn doc_freqs<'a>(
        &self,
        terms: impl Iterator<Item = &'a str>,
    ) -> Result<(u64, Vec<u64>), SearchError> {
        let searcher = self.reader.searcher();
        let dfs = terms
            .map(|t| Ok(searcher.doc_freq(&Term::from_field_text(self.fields.body, t))?))
            .collect::<Result<Vec<u64>, SearchError>>()?;
        Ok((searcher.num_docs(), dfs))
    }

    /// The stored title and body of each hit, as one text.
    pub fn stored_text(&self, hits: &[Hit]) -> Result<Vec<String>, SearchError> {
        let searcher = self.reader.searcher();
        let mut out = Vec::with_capacity(hits.len());
        for h in hits {
            let Some(addr) = h.addr else {
                out.push(String::new());
                continue;
            };
            let doc: TantivyDocument = searcher.doc(addr)?;
            let mut text = String::new();
            for field in [self.fields.title, self.fields.body] {
                for v in doc.get_all(field) {
                    if let Some(s) = v.as_str() {
                        text.push_str(s);
                        text.push('\n');
                    }
                }
            }
            out.push(text);
        }
        Ok(out)
    }
}

/// Empties `dir` if it is a cairn index (or empty); refuses to touch any other folder.
fn clear_index_dir(dir: &Path) -> Result<(), SearchError> {
    let io = |source| SearchError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if !dir.exists() {
        return Ok(());
    }
    let entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    if entries.is_empty() {
        return Ok(());
    }
    let ours = dir.join("meta.json").exists() || dir.join(FINGERPRINT_FILE).exists();
    if !ours {
        return Err(SearchError::NotOurs(dir.to_path_buf()));
    }
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            std::fs::remove_dir_all(&p).map_err(io)?;
        } else {
            std::fs::remove_file(&p).map_err(io)?;
        }
    }
    Ok(())
}
