//! Opening a library: invalid files are left out while the rest works, and the on-disk index is
//! rebuilt exactly when the library changed.

mod common;

use cairn::search::Opened;
use cairn::{AskOptions, Library, LibraryConfig};

#[test]
fn invalid_articles_are_skipped_and_the_rest_is_searchable() {
    let good = common::article(
        "good",
        "Pacing basics",
        "Pacing means planning rest.",
        "\"mecfs\"",
    );
    let bad =
        common::article("bad", "Broken", "Text.", "\"mecfs\"").replace("guideline", "hearsay");
    let dir = common::temp_corpus(&[("good.md", good), ("bad.md", bad)]);
    let lib = Library::open(&LibraryConfig::new(dir.path(), None)).unwrap();
    assert_eq!(lib.articles().count(), 1);
    assert_eq!(lib.problems().len(), 1);
    assert!(lib.problems()[0]
        .message
        .contains("unknown evidence level `hearsay`"));
    let a = lib.ask("pacing", &AskOptions::default()).unwrap();
    assert_eq!(a.citations[0].article_id, "good");
    assert!(lib
        .ask("broken", &AskOptions::default())
        .unwrap()
        .citations
        .is_empty());
}

#[test]
fn the_index_is_reused_until_the_library_changes() {
    let dir = common::temp_corpus(&[(
        "one.md",
        common::article("one", "Pacing", "Pacing means planning rest.", "\"mecfs\""),
    )]);
    let index = tempfile::tempdir().unwrap();
    let config = LibraryConfig::new(dir.path(), Some(index.path().join("idx")));

    let first = Library::open(&config).unwrap();
    assert_eq!(first.index_status().0, Opened::Built);
    drop(first);
    let second = Library::open(&config).unwrap();
    assert_eq!(second.index_status().0, Opened::Reused);
    assert_eq!(
        second
            .ask("pacing", &AskOptions::default())
            .unwrap()
            .citations
            .len(),
        1
    );
    drop(second);

    std::fs::write(
        dir.path().join("two.md"),
        common::article("two", "Sleep", "Unrefreshing sleep is common.", "\"mecfs\""),
    )
    .unwrap();
    let third = Library::open(&config).unwrap();
    assert_eq!(third.index_status().0, Opened::Built);
    assert_eq!(
        third
            .ask("sleep", &AskOptions::default())
            .unwrap()
            .citations[0]
            .article_id,
        "two"
    );

    let mut forced = config.clone();
    forced.force_rebuild = true;
    assert_eq!(
        Library::open(&forced).unwrap().index_status().0,
        Opened::Built
    );
}

#[test]
fn a_folder_that_is_not_an_index_is_never_wiped() {
    let dir = common::temp_corpus(&[(
        "one.md",
        common::article("one", "Pacing", "Pacing means planning rest.", "\"mecfs\""),
    )]);
    let precious = tempfile::tempdir().unwrap();
    std::fs::write(precious.path().join("thesis.txt"), "do not delete").unwrap();
    let config = LibraryConfig::new(dir.path(), Some(precious.path().to_path_buf()));
    let err = Library::open(&config).err().expect("must refuse");
    assert!(
        err.to_string().contains("not a cairn index folder"),
        "{err}"
    );
    assert!(precious.path().join("thesis.txt").exists());
}

#[test]
fn a_missing_library_is_a_clear_error() {
    let err = Library::open(&LibraryConfig::new("/no/such/corpus", None))
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("/no/such/corpus does not exist"),
        "{err}"
    );
}

fn one_article_corpus() -> tempfile::TempDir {
    common::temp_corpus(&[(
        "one.md",
        common::article("one", "Pacing", "Pacing means planning rest.", "\"mecfs\""),
    )])
}

/// Every file under `dir` with its length, in order.
fn listing(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path().display().to_string(), m.len()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_folder_holding_a_file_named_meta_json_is_not_taken_for_an_index() {
    let corpus = one_article_corpus();
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("meta.json"), "{}").unwrap();
    std::fs::write(folder.path().join("notes.txt"), "mine").unwrap();
    let config = LibraryConfig::new(corpus.path(), Some(folder.path().to_path_buf()));
    let err = Library::open(&config).err().expect("must refuse");
    assert!(
        err.to_string().contains("not a cairn index folder"),
        "{err}"
    );
    assert!(folder.path().join("meta.json").exists());
    assert!(folder.path().join("notes.txt").exists());
}

#[test]
fn twenty_opens_at_once_on_an_unbuilt_index_all_succeed() {
    let corpus = one_article_corpus();
    let index = tempfile::tempdir().unwrap();
    let config = LibraryConfig::new(corpus.path(), Some(index.path().join("idx")));
    let results: Vec<Result<usize, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                s.spawn(|| {
                    let lib = Library::open(&config).map_err(|e| e.to_string())?;
                    let a = lib
                        .ask("pacing", &AskOptions::default())
                        .map_err(|e| e.to_string())?;
                    Ok(a.citations.len())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &results {
        assert_eq!(r, &Ok(1));
    }
    // One generation was built; no orphan builds are left.
    let entries: Vec<String> = std::fs::read_dir(index.path().join("idx"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        entries.iter().filter(|n| n.starts_with("gen-")).count(),
        1,
        "{entries:?}"
    );
    assert!(
        !entries.iter().any(|n| n.starts_with("building-")),
        "{entries:?}"
    );
}

#[test]
fn a_crashed_build_or_a_deleted_index_heals_itself() {
    let corpus = one_article_corpus();
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().join("idx");
    let config = LibraryConfig::new(corpus.path(), Some(idx.clone()));
    drop(Library::open(&config).unwrap());
    // A build cut off half-way, and `current` naming a generation that is gone.
    std::fs::create_dir(idx.join("building-crashed")).unwrap();
    std::fs::write(idx.join("building-crashed/meta.json"), "{half").unwrap();
    std::fs::write(idx.join("current"), "gen-gone").unwrap();
    let lib = Library::open(&config).unwrap();
    assert_eq!(lib.index_status().0, Opened::Built);
    assert_eq!(
        lib.ask("pacing", &AskOptions::default())
            .unwrap()
            .citations
            .len(),
        1
    );
    assert!(
        !idx.join("building-crashed").exists(),
        "the leftover build is cleaned up"
    );
    // Deleting the index folder is always safe.
    std::fs::remove_dir_all(&idx).unwrap();
    let lib = Library::open(&config).unwrap();
    assert_eq!(lib.index_status().0, Opened::Built);
}

#[test]
fn damaged_segment_bytes_are_detected_and_rebuilt() {
    let corpus = one_article_corpus();
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().join("idx");
    let config = LibraryConfig::new(corpus.path(), Some(idx.clone()));
    drop(Library::open(&config).unwrap());
    let current = std::fs::read_to_string(idx.join("current")).unwrap();
    let generation = idx.join(current.trim());
    let mut damaged = 0;
    for e in std::fs::read_dir(&generation).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".idx") || name.ends_with(".store") || name.ends_with(".term") {
            let mut bytes = std::fs::read(e.path()).unwrap();
            let (mid, len) = (bytes.len() / 2, bytes.len());
            for b in &mut bytes[mid.saturating_sub(4)..(mid + 4).min(len)] {
                *b = !*b;
            }
            std::fs::write(e.path(), bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0);
    let lib = Library::open(&config).expect("a damaged index is rebuilt, not fatal");
    assert_eq!(lib.index_status().0, Opened::Repaired);
    let a = lib.ask("pacing", &AskOptions::default()).unwrap();
    assert_eq!(a.citations[0].article_id, "one");
    drop(lib);
    assert_eq!(
        Library::open(&config).unwrap().index_status().0,
        Opened::Reused
    );
}

#[test]
fn opening_a_built_index_writes_nothing_so_a_read_only_mount_works() {
    let corpus = one_article_corpus();
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().join("idx");
    let config = LibraryConfig::new(corpus.path(), Some(idx.clone()));
    drop(Library::open(&config).unwrap());
    let before = listing(&idx);
    let lib = Library::open(&config).unwrap();
    assert_eq!(lib.index_status().0, Opened::Reused);
    assert_eq!(
        lib.ask("pacing", &AskOptions::default())
            .unwrap()
            .citations
            .len(),
        1
    );
    assert_eq!(listing(&idx), before, "no lock file, no write");
}

#[test]
fn an_index_of_the_previous_layout_is_replaced_without_touching_other_files() {
    let corpus = one_article_corpus();
    let index = tempfile::tempdir().unwrap();
    let idx = index.path().join("idx");
    std::fs::create_dir(&idx).unwrap();
    std::fs::write(idx.join("cairn-fingerprint"), "cairn-index-v2:old").unwrap();
    std::fs::write(idx.join("meta.json"), "{}").unwrap();
    std::fs::write(idx.join("README-mine.txt"), "keep").unwrap();
    let lib = Library::open(&LibraryConfig::new(corpus.path(), Some(idx.clone()))).unwrap();
    assert_eq!(lib.index_status().0, Opened::Built);
    assert!(!idx.join("meta.json").exists());
    assert!(idx.join("README-mine.txt").exists());
    assert!(idx.join("cairn-index").exists());
}
