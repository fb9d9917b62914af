//! The tantivy index and ranking. Owns the schema, building the index from documents (on disk
//! under `index/`, rebuilt when the library's fingerprint changes, or in RAM for evaluation), and
//! turning a [`QueryPlan`] into ranked hits. Queries are built from analysed terms, never parsed.
//! Everything here is synchronous: async callers go through `spawn_blocking`.

pub mod analysis;
mod checksum;
mod doc_terms;
mod engine;
pub mod generations;
mod ranking;
pub mod semantic;
mod top;

pub use analysis::{Alternative, Analysis, QueryPlan, QueryTerm};
pub use doc_terms::DocTerms;
pub use engine::Engine;
pub use generations::Opened;
pub use ranking::{Feedback, Ranking};

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::collector::TopDocs;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    doc, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

/// Bumped whenever the schema or analysis changes, so old indexes are rebuilt.
const SCHEMA_VERSION: &str = "cairn-index-v4";

/// What gets indexed for one document.
#[derive(Debug, Clone, Default)]
pub struct IndexDoc {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub tags: String,
    pub body: String,
    pub conditions: Vec<String>,
    /// The server that owns the document (`None`: the shared library).
    pub server: Option<u64>,
    /// Kept in the index and given back as it is (the article's body, for excerpts).
    pub stored: Option<String>,
}

/// Which articles a search may return: the shared library's, one server's own, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub shared: bool,
    pub server: Option<u64>,
}

impl Scope {
    /// The shared library only (the CLI without `--server`, evaluation).
    pub const SHARED: Scope = Scope {
        shared: true,
        server: None,
    };
}

/// Where a hit lives: the shared index or the live index of server articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Shared,
    Live,
}

/// A ranked result: the document id and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    /// Where the document is in the index (None for a hit found by semantic search alone).
    addr: Option<(Part, tantivy::DocAddress)>,
}

impl Hit {
    /// A hit for the document with this id, wherever it is.
    pub fn by_id(id: &str) -> Hit {
        Hit {
            id: id.to_string(),
            score: 0.0,
            addr: None,
        }
    }
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
    server: Field,
    /// Stored only: the document's analysed terms with their counts (see [`DocTerms`]).
    terms: Field,
    /// Stored only: [`IndexDoc::stored`].
    stored: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analysis::ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Ids are a fast field too: hits get their ids without reading the document store.
    // The text itself is not stored: feedback and coverage read the analysed terms instead.
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED | FAST),
        title: b.add_text_field("title", text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        tags: b.add_text_field("tags", text.clone()),
        body: b.add_text_field("body", text),
        condition: b.add_text_field("condition", STRING),
        server: b.add_text_field("server", STRING),
        terms: b.add_text_field("terms", STORED),
        stored: b.add_text_field("stored", STORED),
    };
    (b.build(), fields)
}

/// A searchable index over a set of documents: the shared library's, plus (in a server
/// process) a frozen view of the live index of servers' own articles. Cloning is cheap.
#[derive(Clone)]
pub struct SearchIndex {
    shared: View,
    fields: Fields,
    live: Option<View>,
}

/// One frozen searcher and the article id of each of its documents.
#[derive(Clone)]
struct View {
    searcher: Searcher,
    /// By segment, then document: read once from the `id` fast field.
    ids: Arc<Vec<Vec<Arc<str>>>>,
}

impl View {
    fn new(searcher: Searcher) -> Result<View, SearchError> {
        let mut ids = Vec::new();
        for segment in searcher.segment_readers() {
            let mut by_doc = Vec::new();
            if let Some(column) = segment.fast_fields().str("id")? {
                let mut names: Vec<Arc<str>> = Vec::with_capacity(column.num_terms());
                let mut stream = column
                    .dictionary()
                    .stream()
                    .map_err(tantivy::TantivyError::from)?;
                while stream.advance() {
                    names.push(Arc::from(String::from_utf8_lossy(stream.key()).as_ref()));
                }
                let none: Arc<str> = Arc::from("");
                by_doc = (0..segment.max_doc())
                    .map(|doc| {
                        column
                            .term_ords(doc)
                            .next()
                            .and_then(|ord| names.get(ord as usize))
                            .unwrap_or(&none)
                            .clone()
                    })
                    .collect();
            }
            ids.push(by_doc);
        }
        Ok(View {
            searcher,
            ids: Arc::new(ids),
        })
    }

    fn id(&self, addr: tantivy::DocAddress) -> Option<&str> {
        let id = self
            .ids
            .get(addr.segment_ord as usize)?
            .get(addr.doc_id as usize)?;
        (!id.is_empty()).then_some(&**id)
    }
}

/// BM25 statistics over both parts, so that scores from the shared index and the live index
/// are comparable and can be merged into one ranking.
struct Combined<'a> {
    shared: &'a Searcher,
    live: Option<&'a Searcher>,
}

impl Bm25StatisticsProvider for Combined<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let mut n = self.shared.total_num_tokens(field)?;
        if let Some(l) = self.live {
            n += l.total_num_tokens(field)?;
        }
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        let mut n = Bm25StatisticsProvider::total_num_docs(self.shared)?;
        if let Some(l) = self.live {
            n += Bm25StatisticsProvider::total_num_docs(l)?;
        }
        Ok(n)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let mut n = Bm25StatisticsProvider::doc_freq(self.shared, term)?;
        if let Some(l) = self.live {
            n += Bm25StatisticsProvider::doc_freq(l, term)?;
        }
        Ok(n)
    }
}

/// The live index of servers' own articles: in memory, one writer, rebuilt from the store at
/// start. Each change is committed and a new frozen view ([`Searcher`]) handed out.
pub struct LiveIndex {
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
}

impl LiveIndex {
    pub fn new() -> Result<LiveIndex, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index
            .tokenizers()
            .register(analysis::ANALYZER, analysis::analyzer());
        let writer = index.writer::<TantivyDocument>(15_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(LiveIndex {
            writer,
            reader,
            fields,
        })
    }

    /// Replaces (or adds) the documents with these ids and removes those in `removed`, in one
    /// commit, and returns the new view.
    pub fn apply(&mut self, put: &[IndexDoc], removed: &[String]) -> Result<Searcher, SearchError> {
        for id in removed.iter().chain(put.iter().map(|d| &d.id)) {
            self.writer
                .delete_term(Term::from_field_text(self.fields.id, id));
        }
        let mut analyzer = analysis::analyzer();
        for d in put {
            self.writer
                .add_document(to_document(self.fields, d, &mut analyzer))?;
        }
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(self.reader.searcher())
    }

    /// The current view.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }
}

fn to_document(fields: Fields, d: &IndexDoc, analyzer: &mut TextAnalyzer) -> TantivyDocument {
    // Analysed once, here: the tokens go to the index as they are.
    let (terms, [title, summary, tags, body]) = DocTerms::analyse(d, analyzer);
    let mut doc = doc!(
        fields.id => d.id.as_str(),
        fields.terms => terms.encode(),
    );
    doc.add_pre_tokenized_text(fields.title, title);
    doc.add_pre_tokenized_text(fields.summary, summary);
    doc.add_pre_tokenized_text(fields.tags, tags);
    doc.add_pre_tokenized_text(fields.body, body);
    for c in &d.conditions {
        doc.add_text(fields.condition, c);
    }
    if let Some(server) = d.server {
        doc.add_text(fields.server, server.to_string());
    }
    if let Some(stored) = &d.stored {
        doc.add_text(fields.stored, stored);
    }
    doc
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

    /// Opens the index generation in `dir` that was built from a library with this
    /// `fingerprint`; otherwise builds a new generation there from `docs` (see
    /// [`generations`]). `force` always builds.
    pub fn open_or_build(
        dir: &Path,
        fingerprint: &str,
        docs: &dyn Fn() -> Vec<IndexDoc>,
        force: bool,
        progress: &dyn Fn(usize),
    ) -> Result<(SearchIndex, Opened), SearchError> {
        let fingerprint = format!("{SCHEMA_VERSION}:{fingerprint}");
        generations::open_or_build(dir, &fingerprint, force, &|target| match target {
            Some(path) => {
                let (schema, fields) = schema();
                let index = Index::create_in_dir(path, schema)?;
                Self::fill(index, fields, &docs(), progress)
            }
            None => Self::build_in_ram(&docs(), progress),
        })
    }

    /// The library fingerprint the current generation in `dir` was built from, if it was built
    /// by this version of cairn.
    pub fn built_from(dir: &Path) -> Option<String> {
        let stamp = generations::current_stamp(dir)?;
        stamp
            .strip_prefix(SCHEMA_VERSION)?
            .strip_prefix(':')
            .map(str::to_string)
    }

    /// Opens a finished generation read-only (no lock file, no write: it works on a read-only
    /// mount), and checks it: a panic inside tantivy, a schema from another version, or a
    /// file whose checksum does not match is an error, never a crash or wrong results.
    fn open_checked(dir: &Path) -> Result<SearchIndex, SearchError> {
        let dir = dir.to_path_buf();
        let opened = std::panic::catch_unwind(move || -> Result<SearchIndex, SearchError> {
            let mmap = tantivy::directory::MmapDirectory::open(&dir)
                .map_err(|e| tantivy::TantivyError::SystemError(e.to_string()))?;
            let index = Index::open(Frozen(mmap))?;
            // In pieces, not whole through the memory map (see `checksum`).
            let damaged = checksum::damaged_files(&index, &dir)?;
            if !damaged.is_empty() {
                return Err(tantivy::TantivyError::SystemError(format!(
                    "{} file(s) fail their checksum",
                    damaged.len()
                ))
                .into());
            }
            let (expected, fields) = schema();
            if index.schema() != expected {
                return Err(tantivy::TantivyError::SchemaError("schema changed".into()).into());
            }
            let idx = Self::with_reader(index, fields)?;
            // Touch every segment once, so damage past the footer shows now.
            for segment in idx.shared.searcher.segment_readers() {
                let _ = segment.num_docs();
            }
            Ok(idx)
        });
        match opened {
            Ok(result) => result,
            Err(_) => {
                Err(tantivy::TantivyError::SystemError("the index panicked on open".into()).into())
            }
        }
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
        // Documents are prepared (their terms analysed) on every core, a batch at a time,
        // while tantivy's own threads index the previous batch.
        let mut done = 0;
        for batch in docs.chunks(1024) {
            let prepared: Vec<TantivyDocument> = batch
                .par_iter()
                .map_init(analysis::analyzer, |analyzer, d| {
                    to_document(fields, d, analyzer)
                })
                .collect();
            for doc in prepared {
                writer.add_document(doc)?;
                done += 1;
                progress(done);
            }
        }
        writer.commit()?;
        // One segment: every term look-up and every posting list is then read once, not once
        // per indexing thread's segment.
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        Self::with_reader(index, fields)
    }

    fn with_reader(index: Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        // Registrations are not saved in the index: register on every open.
        index
            .tokenizers()
            .register(analysis::ANALYZER, analysis::analyzer());
        // A generation never changes once built: one searcher serves it for good.
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            shared: View::new(reader.searcher())?,
            fields,
            live: None,
        })
    }

    /// This index with a view of the live index beside it.
    pub fn with_live(&self, live: Searcher) -> Result<SearchIndex, SearchError> {
        Ok(SearchIndex {
            live: Some(View::new(live)?),
            ..self.clone()
        })
    }

    fn searchers(&self) -> (&Searcher, Option<&Searcher>) {
        (
            &self.shared.searcher,
            self.live.as_ref().map(|l| &l.searcher),
        )
    }

    fn part(&self, part: Part) -> &View {
        match (part, &self.live) {
            (Part::Live, Some(l)) => l,
            _ => &self.shared,
        }
    }

    /// The top `limit` documents for `plan` within `scope`, restricted to `condition` when
    /// given. Scores from both parts use the same statistics, so they merge into one ranking.
    pub fn search(
        &self,
        plan: &QueryPlan,
        ranking: &Ranking,
        condition: Option<&str>,
        scope: Scope,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        if plan.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let (shared, live) = self.searchers();
        let stats = Combined { shared, live };
        let mut hits = Vec::new();
        let collector = top::TopScored::with_limit(limit);
        if scope.shared {
            let query = self.build_query(plan, ranking, condition, None);
            let top = shared.search_with_statistics_provider(&query, &collector, &stats)?;
            self.collect(Part::Shared, top, &mut hits);
        }
        if let (Some(server), Some(live)) = (scope.server, live) {
            let query = self.build_query(plan, ranking, condition, Some(server));
            let top = live.search_with_statistics_provider(&query, &collector, &stats)?;
            self.collect(Part::Live, top, &mut hits);
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(limit);
        Ok(hits)
    }

    fn collect(&self, part: Part, top: Vec<(f32, tantivy::DocAddress)>, hits: &mut Vec<Hit>) {
        let ids = self.part(part);
        for (score, addr) in top {
            if let Some(id) = ids.id(addr) {
                hits.push(Hit {
                    id: id.to_string(),
                    score,
                    addr: Some((part, addr)),
                });
            }
        }
    }

    fn build_query(
        &self,
        plan: &QueryPlan,
        ranking: &Ranking,
        condition: Option<&str>,
        server: Option<u64>,
    ) -> Box<dyn Query> {
        let f = self.fields;
        let weighted = [
            (f.title, ranking.title),
            (f.summary, ranking.summary),
            (f.tags, ranking.tags),
            (f.body, ranking.body),
        ];
        // One term or phrase in each of `fields`, as clauses of the query they go in: the
        // query is kept flat (one union of term lists), since each level of nesting is another
        // union every matching document passes through.
        let in_fields = |terms: &[String],
                         weight: f32,
                         fields: &[(Field, f32)],
                         out: &mut Vec<(Occur, Box<dyn Query>)>| {
            for &(field, boost) in fields {
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
                out.push((Occur::Should, Box::new(BoostQuery::new(q, boost * weight))));
            }
        };
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &plan.terms {
            in_fields(
                std::slice::from_ref(&t.term),
                t.weight,
                &weighted,
                &mut should,
            );
        }
        let body_only = [(f.body, ranking.body)];
        let added_fields: &[(Field, f32)] = match &ranking.feedback {
            Some(prf) if prf.body_only => &body_only,
            _ => &weighted,
        };
        for t in &plan.added {
            in_fields(
                std::slice::from_ref(&t.term),
                t.weight,
                added_fields,
                &mut should,
            );
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
            // The best alternative counts, so each is a query of its own.
            let alternatives = group
                .iter()
                .map(|alt| {
                    let mut clauses = Vec::new();
                    in_fields(&alt.terms, alt.weight, &weighted, &mut clauses);
                    Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>
                })
                .collect();
            should.push((
                Occur::Should,
                Box::new(DisjunctionMaxQuery::new(alternatives)),
            ));
        }
        let text: Box<dyn Query> = Box::new(BooleanQuery::new(should));
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(c) = condition {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.condition, c),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(server) = server {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.server, &server.to_string()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if must.is_empty() {
            return text;
        }
        must.push((Occur::Must, text));
        Box::new(BooleanQuery::new(must))
    }

    /// Each term's idf in the bodies, `ln((N + 1) / (df + 1))`, from one searcher.
    pub fn body_idf<'a>(
        &self,
        terms: impl Iterator<Item = &'a str>,
    ) -> Result<Vec<f32>, SearchError> {
        let (n, dfs) = self.doc_freqs(terms)?;
        let n = n as f32;
        Ok(dfs
            .into_iter()
            .map(|df| ((n + 1.0) / (df as f32 + 1.0)).ln().max(0.0))
            .collect())
    }

    /// The number of documents, and how many of them contain each analysed term in the body.
    pub fn doc_freqs<'a>(
        &self,
        terms: impl Iterator<Item = &'a str>,
    ) -> Result<(u64, Vec<u64>), SearchError> {
        let (shared, live) = self.searchers();
        let stats = Combined { shared, live };
        let dfs = terms
            .map(|t| Ok(stats.doc_freq(&Term::from_field_text(self.fields.body, t))?))
            .collect::<Result<Vec<u64>, SearchError>>()?;
        Ok((stats.total_num_docs()?, dfs))
    }

    /// What was stored with a hit's document ([`IndexDoc::stored`]); a hit found by meaning
    /// alone is looked up by its id in the shared index.
    pub fn stored(&self, hit: &Hit) -> Result<Option<String>, SearchError> {
        let (view, addr) = match hit.addr {
            Some((part, addr)) => (self.part(part), addr),
            None => {
                let query = TermQuery::new(
                    Term::from_field_text(self.fields.id, &hit.id),
                    IndexRecordOption::Basic,
                );
                let collector = TopDocs::with_limit(1).order_by_score();
                let top = self.shared.searcher.search(&query, &collector)?;
                let Some((_, addr)) = top.first() else {
                    return Ok(None);
                };
                (&self.shared, *addr)
            }
        };
        let doc: TantivyDocument = view.searcher.doc(addr)?;
        Ok(doc
            .get_first(self.fields.stored)
            .and_then(|v| v.as_str())
            .map(str::to_string))
    }

    /// The analysed terms of each hit (none for a hit found by meaning alone).
    pub fn doc_terms(&self, hits: &[Hit]) -> Result<Vec<DocTerms>, SearchError> {
        let mut out = Vec::with_capacity(hits.len());
        for h in hits {
            let Some((part, addr)) = h.addr else {
                out.push(DocTerms::default());
                continue;
            };
            let doc: TantivyDocument = self.part(part).searcher.doc(addr)?;
            let stored = doc.get_first(self.fields.terms).and_then(|v| v.as_str());
            out.push(stored.map_or_else(DocTerms::default, |s| DocTerms::decode(s.to_string())));
        }
        Ok(out)
    }
}

/// A finished index generation, read without locks: nothing ever writes to a generation once
/// it is complete, so the lock tantivy takes while opening segments (a file write) is not
/// needed, and skipping it lets an index on a read-only mount be opened.
#[derive(Clone, Debug)]
struct Frozen(tantivy::directory::MmapDirectory);

impl tantivy::Directory for Frozen {
    fn get_file_handle(
        &self,
        path: &Path,
    ) -> Result<
        std::sync::Arc<dyn tantivy::directory::FileHandle>,
        tantivy::directory::error::OpenReadError,
    > {
        self.0.get_file_handle(path)
    }
    fn delete(&self, path: &Path) -> Result<(), tantivy::directory::error::DeleteError> {
        self.0.delete(path)
    }
    fn exists(&self, path: &Path) -> Result<bool, tantivy::directory::error::OpenReadError> {
        self.0.exists(path)
    }
    fn open_write(
        &self,
        path: &Path,
    ) -> Result<tantivy::directory::WritePtr, tantivy::directory::error::OpenWriteError> {
        self.0.open_write(path)
    }
    fn atomic_read(
        &self,
        path: &Path,
    ) -> Result<Vec<u8>, tantivy::directory::error::OpenReadError> {
        self.0.atomic_read(path)
    }
    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.0.atomic_write(path, data)
    }
    fn sync_directory(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn acquire_lock(
        &self,
        _lock: &tantivy::directory::Lock,
    ) -> Result<tantivy::directory::DirectoryLock, tantivy::directory::error::LockError> {
        Ok(tantivy::directory::DirectoryLock::from(Box::new(())))
    }
    fn watch(
        &self,
        _callback: tantivy::directory::WatchCallback,
    ) -> tantivy::Result<tantivy::directory::WatchHandle> {
        Ok(tantivy::directory::WatchHandle::empty())
    }
}
