//! The operator's equivalents of the moderators' and admins' Discord commands: `cairn article`,
//! `cairn config` and `cairn feedback`, on the same store with the same validation
//! ([`crate::curation::Curator`]). Changes made here are audited as the operator's (id 0) and
//! reach a running bot through the store's change feed within a few seconds.

use super::Paths;
use crate::curation::{changed_parts, CurationError, Curator};
use crate::library::Library;
use crate::settings::ServerSettings;
use crate::store::Store;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Who the audit log names for changes made from the command line.
pub const OPERATOR: u64 = 0;

#[derive(Subcommand, Debug)]
pub enum ArticleCommand {
    /// Add an article (a library-format Markdown file) to a server.
    Add {
        file: PathBuf,
        #[command(flatten)]
        server: ServerArg,
        /// Replace the server's article with the same id if there is one.
        #[arg(long)]
        replace: bool,
    },
    /// List a server's articles.
    List {
        #[command(flatten)]
        server: ServerArg,
        /// Only those due for review.
        #[arg(long)]
        overdue: bool,
    },
    /// Remove a server's article.
    Remove {
        id: String,
        #[command(flatten)]
        server: ServerArg,
    },
    /// Print a server's article as a library-format Markdown file (or write it to --out).
    Export {
        id: String,
        #[command(flatten)]
        server: ServerArg,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Record that the article was checked against its sources today, by someone other than
    /// its writer.
    Review {
        id: String,
        #[command(flatten)]
        server: ServerArg,
        /// The reviewer's name or handle, as the article will show it (never the writer).
        #[arg(long)]
        by: String,
    },
    /// Who changed an article, what and when.
    History {
        id: String,
        #[command(flatten)]
        server: ServerArg,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Every setting of a server with its value.
    Show {
        #[command(flatten)]
        server: ServerArg,
    },
    /// Change one setting.
    Set {
        name: String,
        value: String,
        #[command(flatten)]
        server: ServerArg,
    },
    /// Put one setting (or all) back to the default.
    Reset {
        name: Option<String>,
        #[command(flatten)]
        server: ServerArg,
    },
}

#[derive(Args, Debug)]
pub struct ServerArg {
    /// The Discord server (guild) id.
    #[arg(long = "server", value_name = "ID")]
    pub guild: u64,
}

#[derive(Args, Debug)]
pub struct FeedbackArgs {
    /// One server's counts (default: every server's, summed).
    #[arg(long)]
    pub server: Option<u64>,
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Opens the store and loads every server's articles into the library.
pub async fn curator(
    paths: &Paths,
    lib: Library,
    defaults: ServerSettings,
) -> anyhow::Result<Curator> {
    let store = Store::open(&paths.database).await?;
    Ok(Curator::open(store, Arc::new(lib), defaults).await?)
}

/// Prints a curation error the way `cairn check` prints problems; exit 1.
fn report(e: CurationError) -> anyhow::Result<ExitCode> {
    match e {
        CurationError::Invalid(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("error: {} problem(s); nothing was saved", problems.len());
            Ok(ExitCode::FAILURE)
        }
        other => {
            eprintln!("error: {other}");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub fn article(paths: &Paths, cmd: ArticleCommand) -> anyhow::Result<ExitCode> {
    let lib = super::open(paths)?;
    runtime()?.block_on(async {
        let c = curator(paths, lib, ServerSettings::default()).await?;
        let today = chrono::Local::now().date_naive();
        match cmd {
            ArticleCommand::Add {
                file,
                server,
                replace,
            } => {
                let limit = paths.max_article_bytes();
                let root = file
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new("."))
                    .canonicalize()?;
                let markdown = match crate::corpus::read_article(&root, &file, limit) {
                    Ok(t) => t,
                    Err(p) => {
                        eprintln!("{p}");
                        return Ok(ExitCode::FAILURE);
                    }
                };
                let result = match c.validate(&markdown) {
                    Err(e) => Err(e),
                    Ok(a)
                        if replace && c.library().server_article(server.guild, &a.id).is_some() =>
                    {
                        c.edit(server.guild, &a.id, &markdown, OPERATOR).await
                    }
                    Ok(_) => c.add(server.guild, &markdown, OPERATOR).await,
                };
                match result {
                    Ok(a) => {
                        println!("added `{}` to server {}: {}", a.id, server.guild, a.title);
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(e) => report(e),
                }
            }
            ArticleCommand::List { server, overdue } => {
                let all = c.library().server_articles(server.guild);
                let mut n = 0;
                for a in all.iter().filter(|a| !overdue || a.review_overdue(today)) {
                    let due = if a.review_overdue(today) {
                        "  (review overdue)"
                    } else {
                        ""
                    };
                    let reviewed = a.review_state();
                    println!(
                        "{:<40} {reviewed}, due {}  {}{due}",
                        a.id,
                        a.review_due(),
                        a.title
                    );
                    n += 1;
                }
                println!("{n} article(s) in server {}", server.guild);
                Ok(ExitCode::SUCCESS)
            }
            ArticleCommand::Remove { id, server } => {
                match c.remove(server.guild, &id, OPERATOR).await {
                    Ok(()) => {
                        println!("removed `{id}` from server {}", server.guild);
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(e) => report(e),
                }
            }
            ArticleCommand::Export { id, server, out } => match c.export(server.guild, &id).await {
                Ok(a) => {
                    match out {
                        Some(path) => std::fs::write(&path, a.markdown)?,
                        None => print!("{}", a.markdown),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => report(e),
            },
            ArticleCommand::Review { id, server, by } => {
                match c.review(server.guild, &id, OPERATOR, &by, today).await {
                    Ok(a) => {
                        println!(
                            "`{}` reviewed on {today} by {by}; next review due {}",
                            a.id,
                            a.review_due()
                        );
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(e) => report(e),
                }
            }
            ArticleCommand::History { id, server } => {
                let entries = c.history(server.guild, &id).await?;
                if entries.is_empty() {
                    eprintln!("error: server {} has no history for `{id}`", server.guild);
                    return Ok(ExitCode::FAILURE);
                }
                for e in entries {
                    let when = chrono::DateTime::from_timestamp(e.at, 0)
                        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_default();
                    let who = if e.actor == OPERATOR {
                        "operator (command line)".to_string()
                    } else {
                        format!("user {}", e.actor)
                    };
                    let what = changed_parts(e.before.as_deref(), e.after.as_deref());
                    println!("{when}  {who}  {}{what}", e.action);
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

pub fn config(paths: &Paths, cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let store = Store::open(&paths.database).await?;
        let show = |server: u64, settings: &ServerSettings| {
            println!("server {server}:");
            for (name, value) in settings.shown() {
                println!("  {name:<17} {value}");
            }
        };
        let resolve = |stored| ServerSettings::resolve(&stored, &ServerSettings::default());
        match cmd {
            ConfigCommand::Show { server } => {
                show(server.guild, &resolve(store.settings(server.guild).await?));
            }
            ConfigCommand::Set {
                name,
                value,
                server,
            } => {
                let (name, value) = match crate::settings::validate(&name, &value) {
                    Ok(v) => v,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Ok(ExitCode::FAILURE);
                    }
                };
                store
                    .set_setting(server.guild, name, &value, OPERATOR)
                    .await?;
                println!("{name} = {value}");
            }
            ConfigCommand::Reset { name, server } => {
                let name = match name.as_deref().map(crate::settings::setting).transpose() {
                    Ok(n) => n.map(|s| s.name),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Ok(ExitCode::FAILURE);
                    }
                };
                let n = store.reset_settings(server.guild, name, OPERATOR).await?;
                println!("{n} setting(s) back to the default");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn feedback(paths: &Paths, args: FeedbackArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let store = Store::open(&paths.database).await?;
        let counts = store.feedback(args.server).await?;
        if counts.is_empty() {
            println!("no votes yet");
        }
        for (id, c) in counts {
            println!(
                "{:<40} not helpful {:>4}  helpful {:>4}",
                id, c.not_helpful, c.helpful
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}
