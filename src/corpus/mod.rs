//! The article library: parsing and validating `corpus/*.md` (TOML front matter + Markdown body)
//! into [`Article`] values, and reporting every problem as `path:line: message`. A file with any
//! problem is left out of the library; the others still load. Nothing here knows about search,
//! terminals or Discord.

pub mod golden;
mod markdown;
mod model;
mod parse;
pub mod synonyms;

pub use model::{Article, Condition, Evidence, PartialDate, Source, REVIEW_INTERVAL_DAYS};
pub use parse::{parse_article, Parsed};

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem found in a library file, located by path and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Everything read from a corpus directory: the valid articles (sorted by id) and the problems.
#[derive(Debug, Default)]
pub struct Loaded {
    pub articles: Vec<Article>,
    pub problems: Vec<Problem>,
}

/// Errors that stop the library from being read at all (as opposed to [`Problem`]s in one file).
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("the article library {0} does not exist (pass --corpus DIR or set CAIRN_CORPUS)")]
    Missing(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The article files of a library directory (`*.md` except `README.md`), sorted by name.
pub fn article_paths(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    if !dir.is_dir() {
        return Err(CorpusError::Missing(dir.to_path_buf()));
    }
    let entries = std::fs::read_dir(dir).map_err(|source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| CorpusError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let is_md = path.extension().is_some_and(|e| e == "md");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if is_md && !name.eq_ignore_ascii_case("README.md") && !name.starts_with('.') {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Reads and validates every article in `dir`, using `today` to reject review dates in the future.
pub fn load_dir(dir: &Path, today: chrono::NaiveDate) -> Result<Loaded, CorpusError> {
    let mut loaded = Loaded::default();
    let mut parsed = Vec::new();
    for path in article_paths(dir)? {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let p = parse_article(&path, &text, today);
                parsed.push((path, p));
            }
            Err(e) => loaded.problems.push(Problem {
                path: path.clone(),
                line: 1,
                message: format!("cannot read the file: {e}"),
            }),
        }
    }
    // An id declared by several files belongs to the file named after it (else the first);
    // every other file declaring it is reported.
    let mut owners = std::collections::HashMap::<String, PathBuf>::new();
    for (path, p) in &parsed {
        if let Some((id, _)) = &p.declared_id {
            let named_after = path.file_stem().is_some_and(|s| s == id.as_str());
            if named_after || !owners.contains_key(id) {
                owners.insert(id.clone(), path.clone());
            }
        }
    }
    for (path, mut p) in parsed {
        if let Some((id, line)) = &p.declared_id {
            if let Some(owner) = owners.get(id).filter(|o| **o != path) {
                p.problems.push(Problem {
                    path: path.clone(),
                    line: *line,
                    message: format!("duplicate id `{id}`: {} already uses it", owner.display()),
                });
            }
        }
        if p.problems.is_empty() {
            loaded.articles.extend(p.article);
        } else {
            loaded.problems.extend(p.problems);
        }
    }
    loaded.articles.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(loaded)
}

/// The 1-based line of a byte offset in `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// A TOML error in a library file (`what`: "synonyms file", ...) as a located [`Problem`].
pub(crate) fn toml_problem(path: &Path, text: &str, what: &str, e: &toml::de::Error) -> Problem {
    Problem {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_at(text, s.start)).unwrap_or(1),
        message: format!("invalid {what}: {}", e.message().trim().replace('\n', " ")),
    }
}
