//! `cairn bench`: prints the benchmark's figures (see `bench`), one size after another, then a
//! table to paste into the README. With `--max-ratio R` it exits 1 when cairn's median answer
//! takes more than R times FTS5's, measured in the same run: the regression check in `.ci/run`.

use crate::bench::{self, BenchConfig, Report, Source};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Library sizes to measure, in turn.
    #[arg(long, value_delimiter = ',', default_values_t = vec![1_000, 10_000, 100_000])]
    pub articles: Vec<usize>,
    /// Questions timed at each size (after a warm-up of 50).
    #[arg(long, default_value_t = 1_000)]
    pub questions: usize,
    /// The real health text the library is made from: a BEIR folder (corpus.jsonl,
    /// queries.jsonl). Read at run time, never copied into the repository.
    #[arg(
        long,
        env = "CAIRN_EVAL_DATA",
        default_value = "../shared/eval/nfcorpus"
    )]
    pub nfcorpus: PathBuf,
    /// Keep the generated library and indexes here (default: a temporary folder, removed).
    #[arg(long)]
    pub work: Option<PathBuf>,
    /// Time answers with the sentence encoder (`--model`) only up to this size: encoding a
    /// large library takes minutes.
    #[arg(long, default_value_t = 10_000)]
    pub encoder_max: usize,
    /// Exit 1 when cairn's median answer time is more than this many times FTS5's.
    #[arg(long)]
    pub max_ratio: Option<f64>,
    /// Internal: open the library `--corpus`/`--index` name (already built), answer questions,
    /// and print the peak memory (used by `bench` to measure a serving process on its own).
    #[arg(long, hide = true)]
    pub serve_rss: bool,
}

pub fn run(paths: &super::Paths, args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let source = Source::beir(&args.nfcorpus)?;
    if args.serve_rss {
        return serve_rss(paths, &source, args.questions);
    }
    let temp = match &args.work {
        Some(_) => None,
        None => Some(tempfile::tempdir()?),
    };
    let root = args.work.clone().unwrap_or_else(|| {
        temp.as_ref()
            .map(|t| t.path().to_path_buf())
            .unwrap_or_default()
    });
    println!(
        "cairn bench: {} threads, text from {}",
        std::thread::available_parallelism().map_or(2, |n| n.get()),
        args.nfcorpus.display()
    );
    let mut reports = Vec::new();
    let mut ok = true;
    for &n in &args.articles {
        let work = root.join(format!("n{n}"));
        std::fs::create_dir_all(&work)?;
        let config = BenchConfig {
            articles: n,
            questions: args.questions,
            model_dir: paths.model.clone().filter(|_| n <= args.encoder_max),
            work_dir: work.clone(),
            corpus_dir: paths.corpus.clone(),
        };
        eprintln!("{n} articles: generating, indexing and answering ...");
        let report = bench::run(&source, &config)?;
        // The questions, for the load test through the Discord double (examples/load.rs).
        std::fs::write(
            work.join("questions.txt"),
            source.questions(args.questions).join("\n"),
        )?;
        let rss = child_rss(&work, args.questions.min(300), None)?;
        let rss_model = match &config.model_dir {
            Some(m) => Some(child_rss(&work, args.questions.min(300), Some(m))?),
            None => None,
        };
        print_report(&report, rss, rss_model);
        if let Some(max) = args.max_ratio {
            let ratio = report.lexical.p50 / report.fts5.p50;
            if ratio > max {
                println!("REGRESSION: cairn's median answer is {ratio:.2}x FTS5's, above the allowed {max:.2}x");
                ok = false;
            }
        }
        reports.push((report, rss, rss_model));
    }
    println!("\n| articles | build (articles/s, MB/s, index MB) | FTS5 build | cairn/FTS5 build time | lexical p50 / p95 / p99 ms | encoder p50 / p99 ms | FTS5 p50 / p95 / p99 ms | cairn/FTS5 p50 | answers/s ({} threads) | add to searchable ms | serving RSS MB (of it files mapped from disk), peak (with encoder) |", reports.first().map_or(0, |r| r.0.threads));
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (r, rss, rss_model) in &reports {
        let memory = format!(
            "{:.0} (mapped {:.0}), peak {:.0}",
            rss.serving, rss.mapped, rss.peak
        );
        let with_model = rss_model.map_or(String::new(), |m| {
            format!(" ({:.0}, peak {:.0})", m.serving, m.peak)
        });
        println!(
            "| {} | {:.0}, {:.1}, {:.1} | {:.0}/s, {:.1} MB | {:.2} | {:.2} / {:.2} / {:.2} | {} | {:.2} / {:.2} / {:.2} | {:.2} | {:.0} | {:.0} | {}{} |",
            r.articles,
            r.cairn_build.articles_per_s,
            r.cairn_build.mb_per_s,
            r.cairn_build.index_mb,
            r.fts5_build.articles_per_s,
            r.fts5_build.index_mb,
            r.cairn_build.seconds / r.fts5_build.seconds,
            r.lexical.p50,
            r.lexical.p95,
            r.lexical.p99,
            r.with_encoder
                .map_or("-".to_string(), |p| format!("{:.2} / {:.2}", p.p50, p.p99)),
            r.fts5.p50,
            r.fts5.p95,
            r.fts5.p99,
            r.lexical.p50 / r.fts5.p50,
            r.throughput,
            r.add_to_searchable_ms,
            memory,
            with_model,
        );
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_report(r: &Report, rss: Rss, rss_model: Option<Rss>) {
    println!(
        "\n== {} articles ({:.1} MB of Markdown), {} questions",
        r.articles, r.corpus_mb, r.questions
    );
    println!(
        "build      cairn {:.1} s ({:.0} articles/s, {:.1} MB/s, index {:.1} MB) | FTS5 {:.1} s ({:.0} articles/s, {:.1} MB) | cairn/FTS5 {:.2}",
        r.cairn_build.seconds,
        r.cairn_build.articles_per_s,
        r.cairn_build.mb_per_s,
        r.cairn_build.index_mb,
        r.fts5_build.seconds,
        r.fts5_build.articles_per_s,
        r.fts5_build.index_mb,
        r.cairn_build.seconds / r.fts5_build.seconds
    );
    println!(
        "answer     cairn lexical p50 {:.3} ms, p95 {:.3}, p99 {:.3} (no citation: {}) | FTS5 p50 {:.3} ms, p95 {:.3}, p99 {:.3} (no match: {}) | cairn/FTS5 p50 {:.2}",
        r.lexical.p50, r.lexical.p95, r.lexical.p99, r.cairn_empty, r.fts5.p50, r.fts5.p95, r.fts5.p99, r.fts5_empty,
        r.lexical.p50 / r.fts5.p50
    );
    if let Some(p) = r.with_encoder {
        println!(
            "encoder    cairn p50 {:.3} ms, p95 {:.3}, p99 {:.3}",
            p.p50, p.p95, p.p99
        );
    }
    println!(
        "throughput {:.0} answers/s on {} threads",
        r.throughput, r.threads
    );
    println!(
        "live add   {:.1} ms from a moderator's add to the article being found",
        r.add_to_searchable_ms
    );
    println!(
        "memory     serving process RSS {:.0} MB after answering ({:.0} MB of it files mapped from disk: the index's pages and the program), peak {:.0} MB, lexical",
        rss.serving, rss.mapped, rss.peak
    );
    if let Some(m) = rss_model {
        println!(
            "           with the encoder: {:.0} MB after answering, peak {:.0} MB",
            m.serving, m.peak
        );
    }
}

/// Runs this binary again on the built library, to measure a serving process's memory alone.
fn child_rss(
    work: &std::path::Path,
    questions: usize,
    model: Option<&PathBuf>,
) -> anyhow::Result<Rss> {
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--corpus")
        .arg(work.join("corpus"))
        .arg("--index")
        .arg(work.join("index"))
        .arg("bench")
        .arg("--serve-rss")
        .arg("--questions")
        .arg(questions.to_string())
        .env_remove("CAIRN_MODEL");
    if let Some(m) = model {
        cmd.arg("--model").arg(m);
    }
    let out = cmd.output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let read = |key: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
    };
    match (read("peak_rss_mb="), read("rss_mb="), read("mapped_mb=")) {
        (Some(peak), Some(serving), Some(mapped)) => Ok(Rss {
            peak,
            serving,
            mapped,
        }),
        _ => anyhow::bail!(
            "the serving process reported no memory: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A serving process's memory: resident after answering, and the peak (opening or answering).
#[derive(Clone, Copy)]
struct Rss {
    serving: f64,
    peak: f64,
    /// Of `serving`, files mapped into memory (the index's pages and the program's).
    mapped: f64,
}

fn serve_rss(paths: &super::Paths, source: &Source, questions: usize) -> anyhow::Result<ExitCode> {
    let lib = crate::Library::open(&paths.config())?;
    let mut times = Vec::with_capacity(questions);
    for q in source.questions(questions) {
        let start = std::time::Instant::now();
        let _ = lib.ask(&q, &crate::AskOptions::default());
        times.push(start.elapsed());
    }
    let (Some(peak), Some(now), Some(mapped)) =
        (bench::peak_rss_mb(), bench::rss_mb(), bench::mapped_mb())
    else {
        anyhow::bail!("no /proc/self/status here");
    };
    println!("peak_rss_mb={peak:.1}");
    println!("rss_mb={now:.1}");
    println!("mapped_mb={mapped:.1}");
    // Not the benchmark's figure (no warm-up, memory measured alongside): for profiling runs
    // on a library already built (`--work`).
    let answers = bench::Percentiles::of(times);
    println!("answer_p50_ms={:.3}", answers.p50);
    println!("answer_p99_ms={:.3}", answers.p99);
    Ok(ExitCode::SUCCESS)
}
