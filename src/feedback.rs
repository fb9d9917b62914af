//! "Helpful" / "Not helpful" counts per article, kept in a small JSON file. Only counts are
//! stored: never who voted, never the question.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The two counts of one article.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub helpful: u64,
    pub not_helpful: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid feedback file: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot save {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Per-article feedback counts, saved to `path` after every vote (`None`: memory only).
pub struct FeedbackStore {
    path: Option<PathBuf>,
    counts: Mutex<BTreeMap<String, Counts>>,
}

impl FeedbackStore {
    /// A store that is never written to disk (tests).
    pub fn in_memory() -> FeedbackStore {
        FeedbackStore {
            path: None,
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    /// Opens the file at `path`; a missing file starts empty.
    pub fn open(path: &Path) -> Result<FeedbackStore, FeedbackError> {
        let counts = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|source| FeedbackError::Parse {
                path: path.to_path_buf(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => {
                return Err(FeedbackError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Ok(FeedbackStore {
            path: Some(path.to_path_buf()),
            counts: Mutex::new(counts),
        })
    }

    /// Counts one vote for each article and saves. The lock is held across the write, so
    /// concurrent votes are saved one after another and the file always holds every vote.
    pub fn record(&self, articles: &[String], helpful: bool) -> Result<(), FeedbackError> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        for id in articles {
            let c = counts.entry(id.clone()).or_default();
            if helpful {
                c.helpful += 1;
            } else {
                c.not_helpful += 1;
            }
        }
        self.save(&counts)
    }

    pub fn counts(&self, article: &str) -> Counts {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(article).copied().unwrap_or_default()
    }

    /// Writes to a temporary file, flushes it to disk, renames it over the old one and flushes
    /// the folder, so a crash never leaves a half-written file. Called with the lock held.
    fn save(&self, counts: &BTreeMap<String, Counts>) -> Result<(), FeedbackError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let err = |source| FeedbackError::Write {
            path: path.clone(),
            source,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let tmp = path.with_extension("json.tmp");
        let json = serde_json::to_string_pretty(counts).unwrap_or_else(|_| "{}".into());
        {
            let mut file = std::fs::File::create(&tmp).map_err(err)?;
            file.write_all(json.as_bytes()).map_err(err)?;
            file.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, path).map_err(err)?;
        // The rename itself is durable once the folder is flushed.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_are_counted_saved_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/feedback.json");
        let store = FeedbackStore::open(&path).unwrap();
        store.record(&["a".into(), "b".into()], true).unwrap();
        store.record(&["a".into()], false).unwrap();
        let again = FeedbackStore::open(&path).unwrap();
        assert_eq!(
            again.counts("a"),
            Counts {
                helpful: 1,
                not_helpful: 1
            }
        );
        assert_eq!(
            again.counts("b"),
            Counts {
                helpful: 1,
                not_helpful: 0
            }
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("user"), "{text}");
    }

    #[test]
    fn concurrent_votes_are_all_saved_and_the_file_stays_valid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedback.json");
        let store = std::sync::Arc::new(FeedbackStore::open(&path).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for _ in 0..40 {
                        store.record(&["a".into()], t % 2 == 0).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let again = FeedbackStore::open(&path).expect("the file is valid JSON");
        assert_eq!(
            again.counts("a"),
            Counts {
                helpful: 160,
                not_helpful: 160
            }
        );
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedback.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = FeedbackStore::open(&path).err().unwrap();
        assert!(
            err.to_string().contains("is not a valid feedback file"),
            "{err}"
        );
    }
}
