//! The article library: parsing and validating `corpus/*.md` (TOML front matter + Markdown body)
//! into [`Article`] values, and reporting every problem as `path:line: message`. A file with any
//! problem is left out of the library; the others still load. Nothing here knows about search,
//! terminals or Discord.

pub mod front;
pub mod golden;
pub mod hostile;
mod markdown;
mod model;
mod parse;
pub mod readability;
pub mod synonyms;

pub use model::{
    Article, ArticleText, Condition, Evidence, PartialDate, Review, Source, MAX_REVIEW_MONTHS,
};
pub use parse::{parse_article, parse_with, Parsed};

use rayon::prelude::*;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One problem found in a library file, located by path and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    /// `path:line: message`, with any control or bidirectional character (from a file name or
    /// a quoted value) written as `\u{..}`, so printing a problem never drives a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display().to_string();
        write!(
            f,
            "{}:{}: {}",
            hostile::escape_hidden(&path),
            self.line,
            hostile::escape_hidden(&self.message)
        )
    }
}

/// Everything read from a corpus directory: the valid articles (sorted by id) and the problems.
#[derive(Debug, Default)]
pub struct Loaded {
    pub articles: Vec<Article>,
    pub problems: Vec<Problem>,
    /// Style problems of valid articles (the reading grade): `cairn check` fails on them, the
    /// library still serves the articles.
    pub style: Vec<Problem>,
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

/// The largest article file read by default: 256 KB.
pub const DEFAULT_MAX_ARTICLE_BYTES: u64 = 256 * 1024;

/// The article files of a library directory (`*.md` except `README.md`), sorted by name. These
/// are names only: what each one is (a file, a folder, a link) is for [`read_article`] to judge.
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

/// The library folder with every link resolved, which every article must be inside.
pub fn canonical_dir(dir: &Path) -> Result<PathBuf, CorpusError> {
    if !dir.is_dir() {
        return Err(CorpusError::Missing(dir.to_path_buf()));
    }
    dir.canonicalize().map_err(|source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Reads one article file of the library whose canonical folder is `root`, at most `max_bytes`
/// of it. Only a regular file is opened: its metadata is checked first, so a folder, a named
/// pipe or a device is never opened, and a symbolic link is followed only to a regular file
/// inside `root`. The file is read through `take(max_bytes + 1)`, so even one that grows, or
/// claims a smaller size than it has, is never read past the limit. Anything else is a
/// [`Problem`] on line 1.
pub fn read_article(root: &Path, path: &Path, max_bytes: u64) -> Result<String, Problem> {
    let problem = |message: String| Problem {
        path: path.to_path_buf(),
        line: 1,
        message,
    };
    let cannot = |e: std::io::Error| problem(format!("cannot read the file: {e}"));
    let link = std::fs::symlink_metadata(path).map_err(cannot)?;
    let target = if link.file_type().is_symlink() {
        let points_to = std::fs::read_link(path).map_err(cannot)?;
        let target = path.canonicalize().map_err(|e| {
            problem(match e.kind() {
                std::io::ErrorKind::NotFound => format!(
                    "is a symbolic link to {}, which does not exist",
                    points_to.display()
                ),
                _ => format!(
                    "is a symbolic link to {}, which cannot be followed: {e}",
                    points_to.display()
                ),
            })
        })?;
        if !target.starts_with(root) {
            return Err(problem(format!(
                "is a symbolic link to {}, outside the library folder: only files inside it are read",
                target.display()
            )));
        }
        target
    } else {
        path.to_path_buf()
    };
    let meta = std::fs::metadata(&target).map_err(cannot)?;
    let not_regular = |what| {
        problem(format!(
            "is {what}, not a regular file: only regular files are read"
        ))
    };
    if let Some(what) = not_a_file(&meta.file_type()) {
        return Err(not_regular(what));
    }
    let too_large = || {
        problem(format!(
            "is larger than {}, the most one article may be (--max-article-kb, CAIRN_MAX_ARTICLE_KB): split it into shorter articles",
            size_label(max_bytes)
        ))
    };
    if meta.len() > max_bytes {
        return Err(too_large());
    }
    let file = open_no_wait(&target).map_err(cannot)?;
    // The path may have been swapped for something else since its metadata was read.
    let opened = file.metadata().map_err(cannot)?;
    if let Some(what) = not_a_file(&opened.file_type()) {
        return Err(not_regular(what));
    }
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Problem {
            path: path.to_path_buf(),
            line,
            message: "is not UTF-8 text: save it as UTF-8".into(),
        }
    })
}

/// What a file is when it is not a regular file: `a folder`, `a named pipe (FIFO)`, ...
fn not_a_file(kind: &std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    use std::os::unix::fs::FileTypeExt;
    #[cfg(unix)]
    let special = if kind.is_fifo() {
        Some("a named pipe (FIFO)")
    } else if kind.is_char_device() || kind.is_block_device() {
        Some("a device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        None
    };
    #[cfg(not(unix))]
    let special = None;
    if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("a folder")
    } else {
        Some(special.unwrap_or("something other than a file"))
    }
}

/// Opens a file for reading without ever waiting: should the path have become a named pipe
/// since its metadata was read, opening it does not block for a writer (`O_NONBLOCK`, which
/// changes nothing for a regular file).
fn open_no_wait(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// `256 KB`, or a byte count when it is not a whole number of KB.
fn size_label(bytes: u64) -> String {
    if bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads and validates every article in `dir`, using `today` to reject review dates in the
/// future. A file larger than `max_article_bytes`, or that is not a regular file inside `dir`,
/// is a problem (see [`read_article`]).
pub fn load_dir(
    dir: &Path,
    today: chrono::NaiveDate,
    max_article_bytes: u64,
) -> Result<Loaded, CorpusError> {
    load_dir_with(
        dir,
        today,
        max_article_bytes,
        Keep {
            text: true,
            style: true,
        },
    )
}

/// What [`load_dir_with`] keeps of each article besides its metadata.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    /// The body; without it, each body is dropped as soon as the article has been parsed and
    /// checked ([`Article::take_text`]), so a large library never sits in memory whole.
    pub text: bool,
    /// Problems of style ([`Loaded::style`], the reading grade, for `cairn check`).
    pub style: bool,
}

/// As [`load_dir`], keeping only what `keep` asks for.
pub fn load_dir_with(
    dir: &Path,
    today: chrono::NaiveDate,
    max_article_bytes: u64,
    keep: Keep,
) -> Result<Loaded, CorpusError> {
    let root = canonical_dir(dir)?;
    let mut loaded = Loaded::default();
    // Files are read and parsed on every core; results keep the files' order.
    let paths = article_paths(dir)?;
    let read: Vec<(PathBuf, Result<Parsed, Problem>)> = paths
        .par_iter()
        .map(|path| {
            let parsed = read_article(&root, path, max_article_bytes).map(|text| {
                let mut p = parse_with(path, &text, today, keep.style);
                if !keep.text {
                    if let Some(a) = p.article.as_mut() {
                        a.take_text();
                    }
                }
                p
            });
            (path.clone(), parsed)
        })
        .collect();
    let mut parsed = Vec::new();
    for (path, result) in read {
        match result {
            Ok(p) => parsed.push((path, p)),
            Err(problem) => loaded.problems.push(problem),
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
            loaded.style.extend(p.style);
        } else {
            loaded.problems.extend(p.problems);
        }
    }
    loaded.articles.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(loaded)
}

/// Largest data file of the library (`synonyms.toml`, `golden.toml`) read.
pub const MAX_DATA_BYTES: u64 = 1024 * 1024;

/// Reads one of the library's data files the way articles are read (regular files inside the
/// folder only, never past [`MAX_DATA_BYTES`]). `Ok(None)` when there is no such file.
pub fn read_data_file(path: &Path) -> Result<Option<String>, Problem> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root = dir.canonicalize().map_err(|e| Problem {
        path: path.to_path_buf(),
        line: 1,
        message: format!("cannot read the folder: {e}"),
    })?;
    read_article(&root, path, MAX_DATA_BYTES).map(Some)
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
