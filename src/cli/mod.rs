//! The command line: `cairn ask`, `index`, `check`, `topics`. Each command parses its options,
//! calls the core and prints; rendering for a terminal lives in `render`. Works offline with no
//! token, on the bundled corpus.

mod admin;
mod bench;
mod render;

use crate::corpus::{self, golden, synonyms, Condition};
use crate::library::{AskOptions, Library, LibraryConfig};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "cairn",
    version,
    about = "Cited answers from a curated health library, for patient support groups."
)]
pub struct Cli {
    #[command(flatten)]
    pub paths: Paths,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the library and its index live.
#[derive(Args, Debug, Clone)]
pub struct Paths {
    /// The article library (Markdown files, synonyms.toml, golden.toml).
    #[arg(long, global = true, env = "CAIRN_CORPUS", default_value = "corpus")]
    pub corpus: PathBuf,
    /// Where the search index is kept (rebuilt automatically when the library changes).
    #[arg(long, global = true, env = "CAIRN_INDEX", default_value = "index")]
    pub index: PathBuf,
    /// Optional sentence-encoder folder (all-MiniLM-L6-v2) for semantic matching; without it
    /// search is lexical only. See the README for how to install it.
    #[arg(long, global = true, env = "CAIRN_MODEL")]
    pub model: Option<PathBuf>,
    /// The largest article file read, in KB; a larger one is reported by `check` and left out.
    #[arg(
        long,
        global = true,
        env = "CAIRN_MAX_ARTICLE_KB",
        default_value_t = corpus::DEFAULT_MAX_ARTICLE_BYTES / 1024,
        value_parser = clap::value_parser!(u64).range(1..=MAX_ARTICLE_KB_LIMIT)
    )]
    pub max_article_kb: u64,
    /// The database for settings, feedback, servers' own articles and the audit log: a SQLite
    /// file path, or a postgres:// URL for several processes sharing one database.
    #[arg(long, global = true, env = "CAIRN_DATABASE_URL", default_value = crate::store::DEFAULT_DATABASE)]
    pub database: String,
}

/// The highest `--max-article-kb` accepted (64 MB).
const MAX_ARTICLE_KB_LIMIT: u64 = 64 * 1024;

impl Paths {
    pub fn config(&self) -> LibraryConfig {
        let mut config = LibraryConfig::new(&self.corpus, Some(self.index.clone()));
        config.model_dir = self.model_dir();
        config.max_article_bytes = self.max_article_bytes();
        config
    }

    fn max_article_bytes(&self) -> u64 {
        self.max_article_kb * 1024
    }

    /// The model folder, if one was given (an empty `CAIRN_MODEL=` means none).
    fn model_dir(&self) -> Option<PathBuf> {
        self.model.clone().filter(|m| !m.as_os_str().is_empty())
    }

    fn encoder(&self) -> anyhow::Result<Option<std::sync::Arc<crate::search::semantic::Encoder>>> {
        match self.model_dir() {
            None => Ok(None),
            Some(dir) => Ok(Some(std::sync::Arc::new(
                crate::search::semantic::Encoder::load(&dir)?,
            ))),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Ask a question and print the top cited excerpts.
    Ask(AskArgs),
    /// Rebuild the search index now.
    Index,
    /// Validate every article, synonyms.toml and golden.toml; exit 1 if anything is wrong.
    Check,
    /// List the conditions and tags in the library, with counts.
    Topics,
    /// List the articles due for review within a period (default 90 days), soonest first.
    ReviewDue(ReviewDueArgs),
    /// Measure speed and memory at 1k, 10k and 100k articles, side by side with SQLite FTS5.
    Bench(bench::BenchArgs),
    /// Run the Discord bot (needs DISCORD_TOKEN; see .env.example).
    Serve(ServeArgs),
    /// Measure search quality (nDCG@10, recall@10/100, MRR@10) on a BEIR collection or on
    /// corpus/golden.toml.
    Eval(EvalArgs),
    /// A server's own articles: add, list, remove, export, review, history.
    #[command(subcommand)]
    Article(admin::ArticleCommand),
    /// A server's settings: show, set, reset.
    #[command(subcommand)]
    Config(admin::ConfigCommand),
    /// Helpful / not helpful counts per article, least helpful first.
    Feedback(admin::FeedbackArgs),
}

#[derive(Args, Debug)]
pub struct ReviewDueArgs {
    /// How far ahead to look: days (`90d`), months (`6m`) or years (`1y`).
    #[arg(long, default_value = "90d", value_parser = parse_within)]
    pub within: chrono::Days,
}

/// `90d`, `6m`, `1y` (a month is 30 days, a year 365) to days.
fn parse_within(text: &str) -> Result<chrono::Days, String> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{text}` is not a period: write 90d, 6m or 1y"))?;
    let days = match unit {
        "d" | "" => n,
        "m" => n * 30,
        "y" => n * 365,
        _ => return Err(format!("`{text}` is not a period: write 90d, 6m or 1y")),
    };
    if days > 36_500 {
        return Err(format!("`{text}` is more than 100 years"));
    }
    Ok(chrono::Days::new(days))
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv).
    #[arg(
        long,
        env = "CAIRN_EVAL_DATA",
        default_value = "../shared/eval/nfcorpus"
    )]
    pub beir: PathBuf,
    /// Which judgments to use (qrels/SPLIT.tsv): tune on dev and train only.
    #[arg(long, default_value = "dev")]
    pub split: String,
    /// Evaluate the golden questions of the library instead of a BEIR collection.
    #[arg(long)]
    pub golden: bool,
    /// Rankings to compare (bm25, title-x2, bm25+synonyms, bm25+rm3, bm25+rm3-idf,
    /// default+proximity, default, or all).
    #[arg(long = "ranking", default_values_t = ["bm25".to_string(), "default".to_string()])]
    pub rankings: Vec<String>,
    /// Print every query's scores too.
    #[arg(long)]
    pub per_query: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Where an older cairn kept `feedback.json` (imported into the database once).
    #[arg(long, env = "CAIRN_DATA", default_value = "data")]
    pub data: PathBuf,
    /// Run a bot of N shards (Discord requires sharding from 2,500 servers). Several processes
    /// can share one PostgreSQL database, each running a `--shard-range`.
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
    /// Which of the shards this process runs, e.g. `0..2` (default: all of them).
    #[arg(long, value_name = "A..B", requires = "shards")]
    pub shard_range: Option<String>,
    /// Log filter, e.g. `info` or `cairn=debug,serenity=warn`.
    #[arg(
        long,
        env = "CAIRN_LOG",
        default_value = "info,serenity=warn,tantivy=warn"
    )]
    pub log: String,
}

#[derive(Args, Debug)]
pub struct AskArgs {
    /// The question, in your own words.
    #[arg(required = true, num_args = 1..)]
    pub question: Vec<String>,
    /// Only articles about this condition (mecfs, fibromyalgia, long-covid, ibs, sibo, pots, gut-health, general).
    #[arg(long, value_parser = parse_condition)]
    pub condition: Option<Condition>,
    /// How many citations to show (default 3, or the server's setting with --server).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=25))]
    pub limit: Option<u16>,
    /// Which page of citations (1 = the best ones).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub page: u16,
    /// Country code for crisis helplines (GB, IE, US, CA, AU, NZ).
    #[arg(long, env = "CAIRN_HELPLINE_COUNTRY")]
    pub country: Option<String>,
    /// Answer as this Discord server's /ask would: its settings, its own articles and (unless
    /// it turned it off) the shared library.
    #[arg(long)]
    pub server: Option<u64>,
    /// Print the answer as JSON.
    #[arg(long)]
    pub json: bool,
    /// After a crisis reply, show the library's results too (the bot's "Show library results"
    /// button). Never for a question asking for the means of self-harm.
    #[arg(long)]
    pub show_anyway: bool,
}

fn parse_condition(s: &str) -> Result<Condition, String> {
    s.parse()
}

/// The binary's entry: settings from `.env` (real environment variables win; a broken file is
/// an error naming its line, never silently skipped), then the command line, then the command.
pub fn main() -> ExitCode {
    if let Err(e) = load_dotenv(std::path::Path::new(".env")) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    run(Cli::parse())
}

/// Loads settings from a `.env` file, if there is one, without overriding the environment. A
/// line that cannot be parsed is an error naming the file and the line; the line itself is not
/// repeated (it may hold the token).
pub fn load_dotenv(path: &std::path::Path) -> Result<(), String> {
    match dotenvy::from_path(path) {
        Ok(()) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(dotenvy::Error::LineParse(line, _)) => {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let number = text
                .lines()
                .position(|l| l == line || l.trim() == line.trim())
                .map_or_else(|| "?".to_string(), |i| (i + 1).to_string());
            Err(format!(
                "{}:{number}: this line is not NAME=value (see .env.example)",
                path.display()
            ))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Runs one command and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Ask(args) => ask(&cli.paths, args),
        Command::Index => index(&cli.paths),
        Command::Check => check(&cli.paths),
        Command::Topics => topics(&cli.paths),
        Command::ReviewDue(args) => review_due(&cli.paths, &args),
        Command::Bench(args) => bench::run(&cli.paths, &args),
        Command::Serve(args) => serve(&cli.paths, args),
        Command::Eval(args) => eval(&cli.paths, args),
        Command::Article(cmd) => admin::article(&cli.paths, cmd),
        Command::Config(cmd) => admin::config(&cli.paths, cmd),
        Command::Feedback(args) => admin::feedback(&cli.paths, args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn open(paths: &Paths) -> anyhow::Result<Library> {
    let lib = Library::open(&paths.config())?;
    let skipped = lib.problems().len();
    if skipped > 0 {
        eprintln!(
            "warning: {skipped} problem(s) in the library; the affected files are not searched. Run `cairn check` for details."
        );
    }
    Ok(lib)
}

fn ask(paths: &Paths, args: AskArgs) -> anyhow::Result<ExitCode> {
    let lib = open(paths)?;
    let question = args.question.join(" ");
    let mut opts = AskOptions {
        condition: args.condition,
        limit: 3,
        country: args.country.clone(),
        crisis_acknowledged: args.show_anyway,
        ..AskOptions::default()
    };
    let lib = match args.server {
        None => std::sync::Arc::new(lib),
        Some(server) => {
            // Exactly as that server's /ask: its settings over the defaults, its articles.
            let defaults = crate::settings::ServerSettings {
                country: args.country.clone(),
                ..Default::default()
            };
            let (curator, settings) = admin::runtime()?.block_on(async {
                let curator = admin::curator(paths, lib, defaults).await?;
                let settings = curator.settings(server).await?;
                Ok::<_, anyhow::Error>((curator, settings))
            })?;
            opts.limit = settings.citations;
            opts.country = settings.country.clone();
            opts.disclaimer = settings.disclaimer.clone();
            opts.focus = settings.focus.clone();
            opts.scope = crate::search::Scope {
                shared: settings.shared_library,
                server: Some(server),
            };
            curator.library()
        }
    };
    if let Some(limit) = args.limit {
        opts.limit = usize::from(limit);
    }
    opts.offset = (usize::from(args.page) - 1) * opts.limit;
    let answer = lib.ask(&question, &opts)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        let style = render::Style::for_terminal(std::io::stdout().is_terminal());
        print!("{}", render::answer(&answer, style));
    }
    Ok(ExitCode::SUCCESS)
}

fn index(paths: &Paths) -> anyhow::Result<ExitCode> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("indexing {bar:30} {pos}/{len} articles")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut config = paths.config();
    config.force_rebuild = true;
    let lib = Library::open_with_progress(&config, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let (_, took) = lib.index_status();
    println!(
        "indexed {} articles into {} in {:.2} s",
        lib.articles().count(),
        paths.index.display(),
        took.as_secs_f64()
    );
    if !lib.problems().is_empty() {
        println!(
            "{} problem(s) kept some files out: run `cairn check`",
            lib.problems().len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check(paths: &Paths) -> anyhow::Result<ExitCode> {
    let today = chrono::Local::now().date_naive();
    let loaded = corpus::load_dir(&paths.corpus, today, paths.max_article_bytes())?;
    let mut problems = loaded.problems;
    problems.extend(loaded.style.iter().cloned());
    let (_, syn_problems) = synonyms::load(&paths.corpus.join("synonyms.toml"));
    problems.extend(syn_problems);
    let (safety, safety_problems) = crate::safety::Safety::load(&paths.corpus);
    problems.extend(safety_problems);
    for h in safety.stale_helplines(today, 365) {
        problems.push(corpus::Problem {
            path: paths.corpus.join("safety.toml"),
            line: 1,
            message: format!(
                "helpline `{}` was last checked on {}: open {} and check it again",
                h.name, h.checked, h.page
            ),
        });
    }
    let golden_path = paths.corpus.join("golden.toml");
    if golden_path.exists() {
        let (questions, golden_problems) = golden::load(&golden_path)?;
        problems.extend(golden_problems);
        let known: std::collections::HashSet<&str> =
            loaded.articles.iter().map(|a| a.id.as_str()).collect();
        for q in &questions {
            for id in &q.expect {
                if !known.contains(id.as_str()) {
                    problems.push(corpus::Problem {
                        path: golden_path.clone(),
                        line: q.line,
                        message: format!(
                            "expects article `{id}`, which is not in the library (or is invalid)"
                        ),
                    });
                }
            }
        }
    }
    for p in &problems {
        println!("{p}");
    }
    let unreviewed = loaded
        .articles
        .iter()
        .filter(|a| !a.independently_reviewed())
        .count();
    println!(
        "reading grade (Flesch-Kincaid; limits {:.0} for the summary, {:.0} for the body):",
        corpus::readability::MAX_SUMMARY_GRADE,
        corpus::readability::MAX_BODY_GRADE
    );
    for a in &loaded.articles {
        println!(
            "  {:<44} summary {:>4.1}  body {:>4.1}",
            a.id,
            corpus::readability::grade(&a.summary),
            corpus::readability::grade_of(a.paragraphs.iter().map(String::as_str))
        );
    }
    let overdue = loaded
        .articles
        .iter()
        .filter(|a| a.review_overdue(today))
        .count();
    eprintln!(
        "{} valid article(s), {} problem(s), {} overdue for review, {} not yet independently reviewed",
        loaded.articles.len(),
        problems.len(),
        overdue,
        unreviewed
    );
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn review_due(paths: &Paths, args: &ReviewDueArgs) -> anyhow::Result<ExitCode> {
    let today = chrono::Local::now().date_naive();
    let horizon = today + args.within;
    let loaded = corpus::load_dir(&paths.corpus, today, paths.max_article_bytes())?;
    let mut due: Vec<&corpus::Article> = loaded
        .articles
        .iter()
        .filter(|a| a.review_due() <= horizon)
        .collect();
    due.sort_by(|a, b| a.review_due().cmp(&b.review_due()).then(a.id.cmp(&b.id)));
    for a in &due {
        let state = if a.review_overdue(today) {
            "OVERDUE"
        } else if a.independently_reviewed() {
            "due"
        } else {
            "due, never independently reviewed"
        };
        println!(
            "{}  {:<44} every {:>2} months  {state}",
            a.review_due(),
            a.id,
            a.review.every_months
        );
    }
    eprintln!(
        "{} of {} article(s) due for review by {horizon}",
        due.len(),
        loaded.articles.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn topics(paths: &Paths) -> anyhow::Result<ExitCode> {
    let lib = open(paths)?;
    let topics = lib.topics();
    let (conds, tags) = (topics.conditions, topics.tags);
    println!("Conditions:");
    for (c, n) in conds {
        println!("  {:<14} {n:>3}  ({})", c.key(), c.label());
    }
    println!("Tags:");
    for (t, n) in tags {
        println!("  {t:<28} {n:>3}");
    }
    Ok(ExitCode::SUCCESS)
}

fn serve(paths: &Paths, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = match crate::discord::BotConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(total) = args.shards {
        match crate::discord::Shards::parse(total, args.shard_range.as_deref()) {
            Ok(s) => config.shards = Some(s),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .map_err(|e| anyhow::anyhow!("CAIRN_LOG `{}` is not a valid log filter: {e}", args.log))?;
    init_logging(filter);

    let lib = open(paths)?;
    tracing::info!(
        articles = lib.articles().count(),
        semantic = lib.has_semantic(),
        "library loaded"
    );
    let defaults = crate::settings::ServerSettings {
        country: config.country.clone(),
        cooldown: config.cooldown,
        ..Default::default()
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let curator = runtime.block_on(async {
        let curator = admin::curator(paths, lib, defaults).await?;
        // An older cairn kept feedback in data/feedback.json: imported once, then left alone.
        let old = args.data.join("feedback.json");
        if let Some(n) = curator.store.import_feedback_json(&old).await? {
            tracing::info!(articles = n, file = %old.display(), "imported the old feedback counts into the database");
        }
        tracing::info!(
            database = curator.store.shown(),
            server_articles = curator.library().server_article_count(),
            "store opened"
        );
        Ok::<_, anyhow::Error>(std::sync::Arc::new(curator))
    })?;
    let result = runtime.block_on(crate::discord::run(config, curator, shutdown_signal()));
    // Work still on the blocking pool must not hold the process open.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    if let Err(e) = result {
        eprintln!("error: {e}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Crates whose debug and trace logs carry raw Discord payloads, and so members' questions.
const PAYLOAD_TARGETS: &[&str] = &[
    "serenity",
    "poise",
    "tungstenite",
    "tokio_tungstenite",
    "async_tungstenite",
    "reqwest",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
];

/// Whether a log event may be written: nothing below INFO from [`PAYLOAD_TARGETS`], whatever
/// `CAIRN_LOG` asks for.
fn payload_free(target: &str, level: tracing::Level) -> bool {
    let crate_name = target.split("::").next().unwrap_or(target);
    level <= tracing::Level::INFO || !PAYLOAD_TARGETS.contains(&crate_name)
}

fn init_logging(filter: tracing_subscriber::EnvFilter) {
    use tracing_subscriber::prelude::*;
    let quiet = tracing_subscriber::filter::filter_fn(|m| payload_free(m.target(), *m.level()));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(std::io::stdout().is_terminal())
                .with_filter(quiet),
        )
        .init();
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

fn eval(paths: &Paths, args: EvalArgs) -> anyhow::Result<ExitCode> {
    use crate::eval::run::{run_beir, run_golden, RunReport};
    use crate::search::Ranking;

    let mut rankings = Vec::new();
    for name in &args.rankings {
        if name == "all" {
            rankings.extend(Ranking::variants());
        } else {
            let known = Ranking::variants()
                .iter()
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
                .join(", ");
            rankings.push(Ranking::named(name).ok_or_else(|| {
                anyhow::anyhow!("unknown ranking `{name}`: expected one of {known}, or all")
            })?);
        }
    }
    let (title, reports): (String, Vec<RunReport>) = if args.golden {
        let path = paths.corpus.join("golden.toml");
        let (questions, problems) = golden::load(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        for p in &problems {
            eprintln!("{p}");
        }
        let mut config = paths.config();
        config.index_dir = None;
        let mut lib = Library::open(&config)?;
        let reports = run_golden(&mut lib, &questions, &rankings)?;
        (
            format!(
                "golden questions ({}): {} questions, {} articles",
                path.display(),
                questions.len(),
                lib.articles().count()
            ),
            reports,
        )
    } else {
        if !args.beir.join("corpus.jsonl").exists() {
            anyhow::bail!(
                "no BEIR collection at {} (corpus.jsonl is absent): pass --beir DIR or set CAIRN_EVAL_DATA",
                args.beir.display()
            );
        }
        let collection = crate::eval::load(&args.beir, &args.split)?;
        let (syns, _) = synonyms::load(&paths.corpus.join("synonyms.toml"));
        let reports = run_beir(&collection, &syns, &rankings, paths.encoder()?)?;
        (
            format!(
                "{} ({} split): {} documents, {} queries",
                args.beir.display(),
                args.split,
                collection.docs.len(),
                collection.queries.len()
            ),
            reports,
        )
    };
    println!("{title}");
    if paths.model_dir().is_none() {
        println!("semantic matching: off (no model; pass --model DIR or set CAIRN_MODEL), so `default` equals `lexical` and `semantic-only` equals `bm25`");
    }
    println!(
        "{:<16} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "ranking", "nDCG@10", "R@10", "R@100", "MRR@10", "mean ms", "p95 ms"
    );
    for r in &reports {
        let s = &r.summary;
        println!(
            "{:<16} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>10.3} {:>10.3}",
            r.ranking, s.ndcg10, s.recall10, s.recall100, s.mrr10, r.mean_ms, r.p95_ms
        );
    }
    if args.per_query {
        for r in &reports {
            println!(
                "\n{}:\n{:<14} {:>8} {:>8} {:>8} {:>8}",
                r.ranking, "query", "nDCG@10", "R@10", "R@100", "MRR@10"
            );
            for q in &r.per_query {
                println!(
                    "{:<14} {:>8.4} {:>8.4} {:>8.4} {:>8.4}",
                    q.qid, q.ndcg10, q.recall10, q.recall100, q.mrr10
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod cli_tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
