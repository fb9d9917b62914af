//! The store on a real database: SQLite always, PostgreSQL too when `CAIRN_TEST_POSTGRES_URL`
//! is set. Migrations from an empty database, settings, votes under concurrency, the one-time
//! import of `feedback.json`, article writes with their audit and change feed.

mod common;

use cairn::store::{ArticleWriteError, Backend, Counts, Store, StoredSession, Write};
use common::TestDatabases;
use std::sync::Arc;

const ARTICLE: &str = "+++\nid = \"a\"\ntitle = \"T\"\n+++\nbody\n";

#[tokio::test]
async fn migrations_run_on_an_empty_database_and_again_on_reopen() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let store = Store::open(url).await.expect(url);
        assert_eq!(store.last_change().await.unwrap(), 0, "{url}");
        assert!(store.settings(1).await.unwrap().is_empty());
        store.close().await;
        // A second open finds the migrations applied and changes nothing.
        let again = Store::open(url).await.expect(url);
        assert!(again.articles(None).await.unwrap().is_empty());
        let expected = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        assert_eq!(again.backend(), expected);
        again.close().await;
    }
    dbs.drop_all().await;
}

#[tokio::test]
async fn settings_round_trip_per_server_and_are_audited() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let store = Store::open(url).await.expect(url);
        store.set_setting(1, "citations", "5", 77).await.unwrap();
        store.set_setting(1, "citations", "2", 77).await.unwrap();
        store
            .set_setting(2, "answers", "private", 88)
            .await
            .unwrap();
        let one = store.settings(1).await.unwrap();
        assert_eq!(one.get("citations").map(String::as_str), Some("2"), "{url}");
        assert!(
            !one.contains_key("answers"),
            "server 2's setting leaked into 1"
        );
        let history = store.history(1, Some("citations")).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].before.as_deref(), Some("5"));
        assert_eq!(history[1].after.as_deref(), Some("2"));
        assert_eq!(history[1].actor, 77);
        assert_eq!(store.reset_settings(1, None, 77).await.unwrap(), 1);
        assert!(store.settings(1).await.unwrap().is_empty());
        assert_eq!(store.settings(2).await.unwrap().len(), 1);
        store.close().await;
    }
    dbs.drop_all().await;
}

#[tokio::test]
async fn concurrent_votes_are_all_counted() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let store = Arc::new(Store::open(url).await.expect(url));
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let ids = vec!["a".to_string(), "b".to_string()];
                store.vote(5, &ids, i % 4 != 0).await
            }));
        }
        for t in tasks {
            t.await.unwrap().expect("a vote is saved");
        }
        store.vote(6, &["a".to_string()], false).await.unwrap();
        let five = store.feedback(Some(5)).await.unwrap();
        assert_eq!(
            five,
            vec![
                (
                    "a".to_string(),
                    Counts {
                        helpful: 30,
                        not_helpful: 10
                    }
                ),
                (
                    "b".to_string(),
                    Counts {
                        helpful: 30,
                        not_helpful: 10
                    }
                ),
            ],
            "{url}"
        );
        let all = store.feedback(None).await.unwrap();
        assert_eq!(
            all[0].1.not_helpful, 11,
            "summed over servers, least helpful first"
        );
        store.close().await;
    }
    dbs.drop_all().await;
}

#[tokio::test]
async fn feedback_json_is_imported_once_and_left_alone() {
    let dbs = TestDatabases::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feedback.json");
    let json = r#"{"pacing-energy-management":{"helpful":3,"not_helpful":1},"fmt-for-ibs":{"helpful":0,"not_helpful":2}}"#;
    std::fs::write(&file, json).unwrap();
    for url in &dbs.urls {
        let store = Store::open(url).await.expect(url);
        assert_eq!(store.import_feedback_json(&file).await.unwrap(), Some(2));
        // A restart (or a second process) imports nothing more.
        assert_eq!(store.import_feedback_json(&file).await.unwrap(), None);
        let counts = store.feedback(Some(0)).await.unwrap();
        assert_eq!(counts[0].0, "fmt-for-ibs");
        assert_eq!(counts[1].1.helpful, 3);
        store.close().await;
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        json,
        "the file is untouched"
    );
    // A broken file is an error naming it, and imports nothing.
    std::fs::write(&file, "{not json").unwrap();
    let store = Store::open(&dbs.urls[0]).await.unwrap();
    let fresh = Store::open(&dir.path().join("fresh.db").display().to_string())
        .await
        .unwrap();
    let err = fresh.import_feedback_json(&file).await.unwrap_err();
    assert!(err.to_string().contains("feedback.json"), "{err}");
    assert!(fresh.feedback(None).await.unwrap().is_empty());
    store.close().await;
    dbs.drop_all().await;
}

#[tokio::test]
async fn article_writes_are_audited_and_fed_to_followers() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let store = Store::open(url).await.expect(url);
        let c1 = store
            .put_article(1, "a", ARTICLE, 10, Write::Add)
            .await
            .unwrap();
        assert!(matches!(
            store.put_article(1, "a", ARTICLE, 10, Write::Add).await,
            Err(ArticleWriteError::Exists(_))
        ));
        assert!(matches!(
            store.put_article(2, "a", ARTICLE, 10, Write::Edit).await,
            Err(ArticleWriteError::Missing(_))
        ));
        let edited = ARTICLE.replace("body", "new body");
        store
            .put_article(1, "a", &edited, 11, Write::Edit)
            .await
            .unwrap();
        let c3 = store.remove_article(1, "a", 12).await.unwrap();
        assert!(matches!(
            store.remove_article(1, "a", 12).await,
            Err(ArticleWriteError::Missing(_))
        ));
        assert!(store.article(1, "a").await.unwrap().is_none());
        let feed = store.changes_since(0).await.unwrap();
        assert_eq!(feed.len(), 3, "{url}");
        assert_eq!(feed[0].seq, c1.seq);
        assert_eq!(feed[2].seq, c3.seq);
        assert!(store.changes_since(c3.seq).await.unwrap().is_empty());
        let history = store.history(1, Some("a")).await.unwrap();
        let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["add", "edit", "remove"]);
        assert_eq!(history[1].before.as_deref(), Some(ARTICLE));
        assert_eq!(history[1].after.as_deref(), Some(edited.as_str()));
        assert_eq!(history[2].after, None);
        assert_eq!(history[2].actor, 12);
        // Another server's history is its own.
        assert!(store.history(2, Some("a")).await.unwrap().is_empty());
        store.close().await;
    }
    dbs.drop_all().await;
}

#[tokio::test]
async fn concurrent_article_writes_keep_the_change_feed_in_order() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let store = Arc::new(Store::open(url).await.expect(url));
        let mut tasks = Vec::new();
        for i in 0..20 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let id = format!("a{i}");
                store
                    .put_article(3, &id, ARTICLE, 1, Write::Add)
                    .await
                    .map(|c| c.seq)
            }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap().expect("each write commits"));
        }
        seqs.sort();
        let feed: Vec<i64> = store
            .changes_since(0)
            .await
            .unwrap()
            .iter()
            .map(|c| c.seq)
            .collect();
        assert_eq!(feed, seqs, "{url}");
        assert_eq!(store.articles(Some(3)).await.unwrap().len(), 20);
        store.close().await;
    }
    dbs.drop_all().await;
}

#[tokio::test]
async fn bad_database_urls_are_clear_errors() {
    let err = Store::open("mysql://localhost/x").await.err().unwrap();
    assert!(
        err.to_string().contains("unsupported database URL"),
        "{err}"
    );
    let err = Store::open("postgres://u:secret@127.0.0.1:1/none")
        .await
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(text.contains("cannot open the database"), "{text}");
    assert!(
        !text.contains("secret"),
        "the password is never shown: {text}"
    );
}

#[tokio::test]
async fn sessions_are_kept_until_they_expire() {
    let dbs = TestDatabases::new().await;
    for url in &dbs.urls {
        let store = Store::open(url).await.expect(url);
        let now = chrono::Utc::now().timestamp();
        let s = StoredSession {
            server: 9,
            page_size: 3,
            answer: "{\"pages\":1}".into(),
            anyway: None,
        };
        store
            .put_session(u64::MAX - 5, &s, now + 900)
            .await
            .unwrap();
        store.put_session(2, &s, now - 1).await.unwrap();
        assert_eq!(
            store.session(u64::MAX - 5).await.unwrap(),
            Some(s.clone()),
            "{url}"
        );
        assert_eq!(
            store.session(2).await.unwrap(),
            None,
            "an expired session is gone"
        );
        assert_eq!(store.session(3).await.unwrap(), None);
        assert_eq!(store.expire_sessions().await.unwrap(), 1);
        store.close().await;
    }
    dbs.drop_all().await;
}
