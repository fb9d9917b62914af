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
