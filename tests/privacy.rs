//! Privacy, proven: the real `cairn serve` binary, at the most verbose log level, runs a session
//! of questions, votes and button presses through the Discord double (two members, a crisis
//! reply and a moderator alert included). Then every byte the process wrote (stdout, stderr and
//! every file under its working folder: feedback, index, anything else) is searched for the
//! questions' text and the members' ids. Neither may appear.

mod common;
mod support;

use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use support::{DiscordDouble, Running, GUILD_ID, MEMBER_PERMISSIONS, MOD_CHANNEL_ID, USER_ID};

const WAIT: Duration = Duration::from_secs(20);
const OTHER_ID: u64 = USER_ID + 4242;

/// Questions with words no article contains, so that any trace of them is the question's.
const QUESTIONS: &[&str] = &[
    "does pacing help when my quokkaflavoured fatigue hits",
    "brain fog and plumquixote memory tips",
    "is fmt safe for my wombatish gut",
];
const CRISIS: &str = "i want to kms tonight qwertyzap";

async fn reply(double: &DiscordDouble, i: &Value) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(m) = double.original_message(i) {
            let has_embed = m["embeds"].as_array().is_some_and(|e| !e.is_empty());
            let has_text = m["content"].as_str().is_some_and(|c| !c.is_empty());
            if has_embed || has_text {
                return m;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "no reply to {i}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn button(msg: &Value, label: &str) -> String {
    msg["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find(|b| b["label"] == label)
        .and_then(|b| b["custom_id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no {label:?} button in {msg}"))
}

async fn send(double: &DiscordDouble, i: Value) -> Value {
    double.send_interaction(i.clone()).await.unwrap();
    double.wait_callback(&i, WAIT).await.unwrap();
    reply(double, &i).await
}

fn every_file(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            every_file(&path, out);
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let hay = String::from_utf8_lossy(hay).to_lowercase();
    hay.contains(&needle.to_lowercase())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_a_member_asks_or_who_they_are_is_written_anywhere() {
    tokio::time::timeout(Duration::from_secs(120), async {
        let double = DiscordDouble::start().await;
        let dir = tempfile::tempdir().unwrap();
        let bot = Running::spawn({
            let mut cmd = double.cairn_serve(
                env!("CARGO_BIN_EXE_cairn"),
                &common::corpus_dir(),
                dir.path(),
                "trace",
            );
            cmd.env("RUST_LOG", "trace")
                .env("CAIRN_COOLDOWN_SECS", "0")
                .env(
                    "CAIRN_MODERATOR_CHANNELS",
                    format!("{GUILD_ID}:{MOD_CHANNEL_ID}"),
                );
            cmd
        });
        double.wait_ready(WAIT).await.unwrap();

        let ask = |q: &str, member: u64| {
            let i = double.slash("ask", json!([{"name": "question", "type": 3, "value": q}]));
            support::as_member(i, member, "member", MEMBER_PERMISSIONS)
        };
        for (n, q) in QUESTIONS.iter().enumerate() {
            let member = if n % 2 == 0 { USER_ID } else { OTHER_ID };
            let msg = send(&double, ask(q, member)).await;
            assert!(
                msg["embeds"][0]["fields"]
                    .as_array()
                    .is_some_and(|f| !f.is_empty()),
                "{q:?} is answered: {msg}"
            );
            for voter in [USER_ID, OTHER_ID] {
                let press = double.button(&button(&msg, "Helpful"), msg.clone());
                send(
                    &double,
                    support::as_member(press, voter, "member", MEMBER_PERMISSIONS),
                )
                .await;
            }
            if msg.to_string().contains("More results") {
                let press = double.button(&button(&msg, "More results"), msg.clone());
                double.send_interaction(press.clone()).await.unwrap();
                double.wait_callback(&press, WAIT).await.unwrap();
            }
        }
        let crisis = send(&double, ask(CRISIS, OTHER_ID)).await;
        let support = double.button(
            &button(&crisis, "Let a moderator know I could use support"),
            crisis.clone(),
        );
        send(
            &double,
            support::as_member(support, OTHER_ID, "member", MEMBER_PERMISSIONS),
        )
        .await;
        let anyway = double.button(&button(&crisis, "Show library results"), crisis.clone());
        send(
            &double,
            support::as_member(anyway, OTHER_ID, "member", MEMBER_PERMISSIONS),
        )
        .await;
        let privacy = double.slash("privacy", json!([]));
        send(&double, privacy).await;

        bot.signal(libc::SIGTERM);
        let (status, output) = bot.finish(WAIT).await.expect("the bot stops on SIGTERM");
        assert!(status.success(), "exit {status:?}");

        let logs = String::from_utf8_lossy(&output).into_owned();
        let mut written = vec![("stdout and stderr".to_string(), output)];
        every_file(dir.path(), &mut written);
        assert!(
            logs.contains("command=\"ask\""),
            "the log records commands: {logs}"
        );
        assert!(
            written.iter().any(|(p, _)| p.ends_with("cairn.db")),
            "votes were saved: {:?}",
            written.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
        let total: usize = written.iter().map(|(_, b)| b.len()).sum();

        let mut needles: Vec<String> = QUESTIONS.iter().map(|q| q.to_string()).collect();
        needles.push(CRISIS.into());
        for distinctive in ["quokkaflavoured", "plumquixote", "wombatish", "qwertyzap"] {
            needles.push(distinctive.into());
        }
        needles.push(USER_ID.to_string());
        needles.push(OTHER_ID.to_string());
        let found: Vec<String> = written
            .iter()
            .flat_map(|(path, bytes)| {
                needles
                    .iter()
                    .filter(|n| contains(bytes, n))
                    .map(move |n| format!("{n:?} in {path}"))
            })
            .collect();
        println!(
            "privacy: searched {} files, {total} bytes, for {} needles: {} found",
            written.len(),
            needles.len(),
            found.len()
        );
        assert!(found.is_empty(), "{found:#?}");
        // The moderator alert did reach Discord, naming the member, so the search above had
        // something to find had it been logged.
        let alert = double
            .requests()
            .into_iter()
            .find(|r| {
                r.method == "POST"
                    && r.path
                        .ends_with(&format!("/channels/{MOD_CHANNEL_ID}/messages"))
            })
            .expect("the moderator alert was posted");
        assert!(alert
            .body
            .unwrap()
            .to_string()
            .contains(&OTHER_ID.to_string()));
        assert_eq!(double.spec_violations(), Vec::<String>::new());
        assert_eq!(double.protocol_errors(), Vec::<String>::new());
    })
    .await
    .expect("the privacy session finished within 120 s");
}
