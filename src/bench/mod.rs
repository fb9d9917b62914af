//! `cairn bench`: how fast cairn is at 1k, 10k and 100k articles, side by side with SQLite FTS5
//! on the same documents and questions in the same process.
//!
//! The library is generated at run time from real health text: titles, sentences and lengths
//! are drawn from a BEIR collection (NFCorpus by default, read from `../shared`, never copied
//! into the repository), and questions are the collection's queries rewritten the way members
//! write ("does anyone know if ..."). Nothing here prints: [`run`] returns a [`Report`] that
//! `cli::bench` prints.

mod fts5;
mod generate;

pub use generate::{Generated, Source};

use crate::library::{AskOptions, Library, LibraryConfig, LiveChange};
use crate::search::Scope;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("the benchmark text {0} is not there: pass --nfcorpus DIR (a BEIR folder with corpus.jsonl and queries.jsonl), for example ../shared/eval/nfcorpus")]
    MissingText(PathBuf),
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the library: {0}")]
    Library(String),
    #[error("SQLite FTS5: {0}")]
    Fts5(#[from] rusqlite::Error),
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub articles: usize,
    /// Questions timed (after a warm-up of 50).
    pub questions: usize,
    /// The sentence encoder's folder, to time answers with it too.
    pub model_dir: Option<PathBuf>,
    /// Where the generated library and its index go (a temporary folder by default).
    pub work_dir: PathBuf,
    /// The bundled library's folder, for synonyms and safety rules.
    pub corpus_dir: PathBuf,
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

impl Percentiles {
    pub fn of(mut times: Vec<Duration>) -> Percentiles {
        if times.is_empty() {
            return Percentiles::default();
        }
        times.sort();
        let at = |q: f64| {
            let i = ((times.len() as f64 - 1.0) * q).round() as usize;
            times[i].as_secs_f64() * 1000.0
        };
        Percentiles {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
        }
    }
}

/// Building an index: time, speed and size.
#[derive(Debug, Clone, Copy, Default)]
pub struct Build {
    pub seconds: f64,
    pub articles_per_s: f64,
    pub mb_per_s: f64,
    pub index_mb: f64,
}

/// Everything one size measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub articles: usize,
    pub corpus_mb: f64,
    pub questions: usize,
    pub cairn_build: Build,
    pub fts5_build: Build,
    /// One thread, the full path a member waits for.
    pub lexical: Percentiles,
    pub with_encoder: Option<Percentiles>,
    pub fts5: Percentiles,
    /// Answers per second with one thread per core.
    pub throughput: f64,
    pub threads: usize,
    /// From a moderator's add to the article being found.
    pub add_to_searchable_ms: f64,
    /// Answers that found nothing (cairn) or matched nothing (FTS5): the two are comparable
    /// only if both answer most questions.
    pub cairn_empty: usize,
    pub fts5_empty: usize,
}

/// Generates the library, measures cairn and FTS5 on it, and returns the figures.
pub fn run(source: &Source, config: &BenchConfig) -> Result<Report, BenchError> {
    let generated = generate::write_library(
        source,
        config.articles,
        &config.work_dir.join("corpus"),
        &config.corpus_dir,
    )?;
    let questions = source.questions(config.questions + WARM_UP);
    let mut report = Report {
        articles: config.articles,
        corpus_mb: generated.bytes as f64 / 1e6,
        questions: config.questions,
        ..Report::default()
    };

    // cairn: parse and index the files, as `cairn index` does.
    let index_dir = config.work_dir.join("index");
    let _ = std::fs::remove_dir_all(&index_dir);
    let lib_config = LibraryConfig::new(generated.dir.clone(), Some(index_dir.clone()));
    let started = Instant::now();
    let lib = Library::open(&lib_config).map_err(|e| BenchError::Library(e.to_string()))?;
    let seconds = started.elapsed().as_secs_f64();
    if lib.articles().count() != config.articles {
        return Err(BenchError::Library(format!(
            "{} of {} generated articles are valid: {:?}",
            lib.articles().count(),
            config.articles,
            lib.problems().first()
        )));
    }
    report.cairn_build = Build {
        seconds,
        articles_per_s: config.articles as f64 / seconds,
        mb_per_s: report.corpus_mb / seconds,
        index_mb: dir_bytes(&index_dir) as f64 / 1e6,
    };

    // One thread, lexical.
    let opts = AskOptions::default();
    let (times, empty) = time_answers(&lib, &questions, &opts);
    report.lexical = Percentiles::of(times);
    report.cairn_empty = empty;

    // All cores.
    report.threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    report.throughput = throughput(&lib, &questions[WARM_UP..], report.threads);

    // A moderator's add, at this size.
    report.add_to_searchable_ms = add_to_searchable(&lib)?;

    // With the encoder, when there is one.
    if let Some(model) = &config.model_dir {
        let mut with_model = lib_config.clone();
        with_model.model_dir = Some(model.clone());
        let lib = Library::open(&with_model).map_err(|e| BenchError::Library(e.to_string()))?;
        let (times, _) = time_answers(&lib, &questions, &opts);
        report.with_encoder = Some(Percentiles::of(times));
    }
    drop(lib);

    // SQLite FTS5 on the same documents and questions.
    let db = config.work_dir.join("fts5.sqlite");
    let _ = std::fs::remove_file(&db);
    let started = Instant::now();
    let fts = fts5::Fts5::build(&db, &generated.docs)?;
    let seconds = started.elapsed().as_secs_f64();
    report.fts5_build = Build {
        seconds,
        articles_per_s: config.articles as f64 / seconds,
        mb_per_s: report.corpus_mb / seconds,
        index_mb: std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
    };
    let mut times = Vec::with_capacity(config.questions);
    for (i, q) in questions.iter().enumerate() {
        let started = Instant::now();
        let found = fts.answer(q)?;
        if i >= WARM_UP {
            times.push(started.elapsed());
            if found == 0 {
                report.fts5_empty += 1;
            }
        }
    }
    report.fts5 = Percentiles::of(times);
    Ok(report)
}

/// Questions answered before timing starts (caches, page faults).
const WARM_UP: usize = 50;

/// Times `Library::ask` (the whole path: safety, analysis, search, feedback, excerpts, the
/// `Answer`) for each question after the warm-up; also counts answers with no citation.
fn time_answers(lib: &Library, questions: &[String], opts: &AskOptions) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(questions.len());
    let mut empty = 0;
    for (i, q) in questions.iter().enumerate() {
        let started = Instant::now();
        let answer = lib.ask(q, opts);
        let took = started.elapsed();
        if i >= WARM_UP {
            times.push(took);
            if answer.map_or(true, |a| a.citations.is_empty()) {
                empty += 1;
            }
        }
    }
    (times, empty)
}

/// Answers per second with `threads` threads each answering the questions.
fn throughput(lib: &Library, questions: &[String], threads: usize) -> f64 {
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                for q in questions.iter().skip(t).step_by(threads.max(1)) {
                    let _ = lib.ask(q, &AskOptions::default());
                }
            });
        }
    });
    questions.len() as f64 / started.elapsed().as_secs_f64()
}

/// Milliseconds from handing a new server article to the library until a question finds it.
fn add_to_searchable(lib: &Library) -> Result<f64, BenchError> {
    let markdown = generate::server_article();
    let today = chrono::Local::now().date_naive();
    let article = lib
        .validate_server_article(&markdown, today)
        .map_err(|p| BenchError::Library(format!("{p:?}")))?;
    let opts = AskOptions {
        scope: Scope {
            shared: true,
            server: Some(BENCH_SERVER),
        },
        limit: 5,
        ..AskOptions::default()
    };
    let started = Instant::now();
    lib.apply(vec![LiveChange::Put {
        server: BENCH_SERVER,
        article: Box::new(article),
    }])
    .map_err(|e| BenchError::Library(e.to_string()))?;
    let answer = lib
        .ask(generate::SERVER_QUESTION, &opts)
        .map_err(|e| BenchError::Library(e.to_string()))?;
    let took = started.elapsed().as_secs_f64() * 1000.0;
    if !answer
        .citations
        .iter()
        .any(|c| c.article_id == generate::SERVER_ARTICLE)
    {
        return Err(BenchError::Library(
            "the added article was not found after it was applied".into(),
        ));
    }
    Ok(took)
}

const BENCH_SERVER: u64 = 4242;

/// Total bytes of the files under `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// The peak resident memory of this process so far (Linux: `VmHWM`), in MB.
pub fn peak_rss_mb() -> Option<f64> {
    status_mb("VmHWM:")
}

/// The resident memory of this process now (Linux: `VmRSS`), in MB.
pub fn rss_mb() -> Option<f64> {
    status_mb("VmRSS:")
}

/// How much of that is files mapped into memory (Linux: `RssFile`), in MB: the index's pages
/// and the program's, which the kernel shares with its page cache and can drop and read again.
pub fn mapped_mb() -> Option<f64> {
    status_mb("RssFile:")
}

fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
