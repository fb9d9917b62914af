//! Servers' own articles, live: added, edited and removed through the curator (store + live
//! index) and answered at once, never in another server; invalid articles change nothing; two
//! curators on one database (two processes) agree. On SQLite, and on PostgreSQL when
//! `CAIRN_TEST_POSTGRES_URL` is set.

mod common;

use cairn::curation::{CurationError, Curator};
use cairn::search::Scope;
use cairn::settings::ServerSettings;
use cairn::store::Store;
use cairn::{AskOptions, Library, LibraryConfig};
use common::TestDatabases;
use std::sync::Arc;
use std::time::{Duration, Instant};

const A: u64 = 1_000_000_000_000_001;
const B: u64 = 1_000_000_000_000_002;

fn library() -> Library {
    Library::open(&LibraryConfig::new(common::corpus_dir(), None)).unwrap()
}

fn article(id: &str, title: &str, body: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"{title}\"\nsummary = \"A server's own note.\"\nreviewed = 2026-11-01\nevidence = \"patient-guide\"\nconditions = [\"mecfs\"]\ntags = [\"group\"]\n\n[source]\nname = \"Our support group\"\nurl = \"https://example.org/meetings\"\npublished = \"2026-10\"\n+++\n\n{body}\n"
    )
}

fn server_opts(server: u64, shared: bool) -> AskOptions {
    AskOptions {
        scope: Scope {
            shared,
            server: Some(server),
        },
        ..AskOptions::default()
    }
}

fn ids(lib: &Library, q: &str, opts: &AskOptions) -> Vec<String> {
    lib.ask(q, opts)
        .unwrap()
        .citations
        .into_iter()
        .map(|c| c.article_id)
        .collect()
}

async fn curator(url: &str) -> Curator {
    let store = Store::open(url).await.expect(url);
    Curator::open(store, Arc::new(library()), ServerSettings::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn add_edit_remove_is_live_and_stays_in_its_server() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let c = curator(url).await;
        let lib = c.library();
        let q = "when does the zebrafish walking group meet";
        assert!(ids(&lib, q, &server_opts(A, true)).is_empty());

        let started = Instant::now();
        c.add(
            A,
            &article(
                "walking-group",
                "The zebrafish walking group",
                "The zebrafish walking group meets on Tuesdays at the library. Walks are short and paced.",
            ),
            7,
        )
        .await
        .unwrap();
        let took = started.elapsed();
        println!("live: add searchable after {} ms ({url})", took.as_millis());
        assert!(took < Duration::from_secs(1), "searchable within 1 s");
        assert_eq!(ids(&lib, q, &server_opts(A, true))[0], "walking-group");
        assert_eq!(ids(&lib, q, &server_opts(A, false)), ["walking-group"]);
        // Never in another server, nor in the shared library alone.
        assert!(!ids(&lib, q, &server_opts(B, true)).contains(&"walking-group".to_string()));
        assert!(!ids(&lib, q, &AskOptions::default()).contains(&"walking-group".to_string()));
        assert!(lib.server_articles(B).is_empty());
        assert_eq!(lib.server_articles(A).len(), 1);

        let started = Instant::now();
        c.edit(
            A,
            "walking-group",
            &article(
                "walking-group",
                "The walking group",
                "The walking group now meets on Thursdays by the marmalade factory.",
            ),
            7,
        )
        .await
        .unwrap();
        println!(
            "live: edit searchable after {} ms ({url})",
            started.elapsed().as_millis()
        );
        assert_eq!(
            ids(
                &lib,
                "walking group marmalade factory",
                &server_opts(A, false)
            ),
            ["walking-group"]
        );
        assert!(
            ids(&lib, "zebrafish", &server_opts(A, false)).is_empty(),
            "old text gone"
        );

        c.remove(A, "walking-group", 7).await.unwrap();
        assert!(ids(
            &lib,
            "walking group marmalade factory",
            &server_opts(A, true)
        )
        .iter()
        .all(|id| id != "walking-group"));
        assert!(lib.server_articles(A).is_empty());
        c.store.close().await;
    }
    dbs.drop_all().await;
}

#[tokio::test]
async fn an_invalid_article_lists_its_problems_and_changes_nothing() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let c = curator(url).await;
        let bad = article("bad-one", "Bad", "Text.")
            .replace("evidence = \"patient-guide\"", "evidence = \"rumour\"")
            .replace("https://example.org/meetings", "ftp://x")
            .replace("Text.", "Text with <@123> in it.");
        let Err(CurationError::Invalid(problems)) = c.add(A, &bad, 7).await else {
            panic!("an invalid article is refused");
        };
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(text.iter().any(|p| p.contains("rumour")), "{text:?}");
        assert!(text.iter().any(|p| p.contains("https")), "{text:?}");
        assert!(text.iter().any(|p| p.contains("mention")), "{text:?}");
        // The shared library's ids are taken.
        let clash = article("fmt-for-ibs", "Clash", "Text.");
        assert!(matches!(
            c.add(A, &clash, 7).await,
            Err(CurationError::Invalid(_))
        ));
        assert!(c.store.articles(None).await.unwrap().is_empty());
        assert!(c.store.history(A, None).await.unwrap().is_empty());
        assert_eq!(c.library().server_article_count(), 0);
        c.store.close().await;
    }
    dbs.drop_all().await;
}

#[tokio::test]
async fn two_processes_on_one_database_agree() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let one = curator(url).await;
        let two = curator(url).await;
        one.add(
            A,
            &article("shared-note", "Quokka pacing note", "Quokka pacing helps."),
            1,
        )
        .await
        .unwrap();
        assert!(ids(&two.library(), "quokka pacing", &server_opts(A, false)).is_empty());
        // The second process follows the change feed (every second when serving).
        assert_eq!(two.sync().await.unwrap(), 1);
        assert_eq!(
            ids(&two.library(), "quokka pacing", &server_opts(A, false)),
            ["shared-note"]
        );
        one.remove(A, "shared-note", 1).await.unwrap();
        two.sync().await.unwrap();
        assert!(ids(&two.library(), "quokka pacing", &server_opts(A, false)).is_empty());
        // A third process starting now loads what is there.
        one.add(
            B,
            &article("b-note", "Wombat diary", "Wombat diary tips."),
            1,
        )
        .await
        .unwrap();
        let three = curator(url).await;
        assert_eq!(three.library().server_articles(B).len(), 1);
        for c in [one, two, three] {
            c.store.close().await;
        }
    }
    dbs.drop_all().await;
}

#[tokio::test]
async fn server_settings_shape_the_answer() {
    let dbs = TestDatabases::new().await;
    let url = &dbs.urls[0];
    let c = curator(url).await;
    c.set(A, "citations", "1", 9).await.unwrap();
    c.set(
        A,
        "disclaimer",
        "Talk to your GP before changing anything.",
        9,
    )
    .await
    .unwrap();
    assert!(c.set(A, "disclaimer", "  ", 9).await.is_err());
    assert!(c.set(A, "colour", "red", 9).await.is_err());
    let s = c.settings(A).await.unwrap();
    assert_eq!(s.citations, 1);
    assert_eq!(
        s.disclaimer.as_deref(),
        Some("Talk to your GP before changing anything.")
    );
    assert_eq!(c.settings(B).await.unwrap(), ServerSettings::default());
    assert_eq!(c.reset(A, Some("citations"), 9).await.unwrap(), 1);
    assert_eq!(c.settings(A).await.unwrap().citations, 3);
    c.store.close().await;
    dbs.drop_all().await;
}
