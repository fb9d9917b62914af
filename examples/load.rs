//! Load benchmark: the real `cairn serve` binary against the Discord test double, N `/ask` and
//! button interactions at concurrency C, from many members. Prints acknowledgement and reply
//! times (p50/p99), failures, and the server's resident memory as the run goes on.
//! `cargo build --release && cargo run --release --example load -- [N] [C]`
//! (defaults 5000 and 64; the binary is target/release/cairn, or $CAIRN_BIN). With
//! `CAIRN_LOAD_LIBRARY=DIR`, the bot serves the library `cairn bench --work DIR` generated
//! (`DIR/corpus`, its index in `DIR/index`) and asks `DIR/questions.txt`.

#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{DiscordDouble, Running, MEMBER_PERMISSIONS, USER_ID};

const QUESTIONS: &[&str] = &[
    "why do I crash for days after doing too much?",
    "does pacing actually help with me/cfs?",
    "is a poop transplant safe?",
    "what is the gut-brain axis?",
    "brain fog so bad i cant read a page, is that normal with ME/CFS",
    "should I take probiotics for my ibs?",
    "what counts as long covid officially, how many months of symptoms?",
    "which medicines are recommended for fibromyalgia?",
];

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn reply(double: &DiscordDouble, i: &Value, timeout: Duration) -> Option<Value> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(m) = double.original_message(i) {
            let embeds = m["embeds"].as_array().is_some_and(|e| !e.is_empty());
            let text = m["content"].as_str().is_some_and(|c| !c.is_empty());
            if embeds || text {
                return Some(m);
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5000);
    let concurrency: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(64);
    let bin = std::env::var("CAIRN_BIN").unwrap_or_else(|_| "target/release/cairn".into());
    let bin = std::fs::canonicalize(&bin)
        .map_err(|e| anyhow::anyhow!("{bin}: {e} (run `cargo build --release` first)"))?;
    let bin = bin.to_string_lossy().into_owned();
    let generated = std::env::var_os("CAIRN_LOAD_LIBRARY").map(std::path::PathBuf::from);
    let corpus = match &generated {
        Some(dir) => dir.join("corpus"),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
    };
    let questions: Vec<String> = match &generated {
        Some(dir) => std::fs::read_to_string(dir.join("questions.txt"))?
            .lines()
            .map(str::to_string)
            .collect(),
        None => QUESTIONS.iter().map(|q| q.to_string()).collect(),
    };
    let questions = Arc::new(questions);

    let double = Arc::new(DiscordDouble::start().await);
    let dir = tempfile::tempdir()?;
    if let Some(g) = &generated {
        // A copy of the index `cairn bench` built, so that start-up does not re-index.
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(g.join("index"))
            .arg(dir.path().join("index"))
            .status()?;
        anyhow::ensure!(status.success(), "could not copy the generated index");
    }
    let mut cmd = double.cairn_serve(&bin, &corpus, dir.path(), "warn");
    cmd.env("CAIRN_COOLDOWN_SECS", "0");
    if let Some(model) = std::env::var_os("CAIRN_MODEL") {
        cmd.env("CAIRN_MODEL", model);
    }
    let bot = Running::spawn(cmd);
    double.wait_ready(Duration::from_secs(120)).await?;
    double
        .wait_request(|r| r.method == "PUT", Duration::from_secs(30))
        .await?;
    let pid = bot.pid();
    println!(
        "load: {n} interactions at concurrency {concurrency}, encoder {}",
        if std::env::var_os("CAIRN_MODEL").is_some() {
            "on"
        } else {
            "off"
        }
    );

    let acks = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let replies = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let answers = Arc::new(Mutex::new(Vec::<Value>::new()));
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut rss = vec![(0usize, rss_kb(pid))];
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for k in 0..n {
        let permit = gate.clone().acquire_owned().await?;
        if k > 0 && k % (n / 10).max(1) == 0 {
            rss.push((k, rss_kb(pid)));
        }
        let questions = questions.clone();
        let (double, acks, replies, failures, answers) = (
            double.clone(),
            acks.clone(),
            replies.clone(),
            failures.clone(),
            answers.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let member = USER_ID + 1 + (k as u64 % 500);
            // One interaction in five is a vote on an earlier answer.
            let earlier = (k % 5 == 4)
                .then(|| answers.lock().unwrap().get(k % 97).cloned())
                .flatten();
            let i = match &earlier {
                Some(msg) => {
                    let id = msg["components"][0]["components"]
                        .as_array()
                        .and_then(|b| b.iter().find(|b| b["label"] == "Helpful"))
                        .and_then(|b| b["custom_id"].as_str())
                        .unwrap_or("cairn:helpful:1:0")
                        .to_string();
                    double.button(&id, msg.clone())
                }
                None => double.slash(
                    "ask",
                    json!([{"name": "question", "type": 3, "value": questions[k % questions.len()]}]),
                ),
            };
            let i = support::as_member(i, member, "member", MEMBER_PERMISSIONS);
            let sent = Instant::now();
            if let Err(e) = double.send_interaction(i.clone()).await {
                failures.lock().unwrap().push(format!("dispatch: {e}"));
                return;
            }
            let deadline = sent + Duration::from_secs(10);
            let ack = loop {
                if let Some(t) = double.ack_time(&i) {
                    break Some(t);
                }
                if Instant::now() > deadline {
                    break None;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            };
            let Some(ack) = ack else {
                failures.lock().unwrap().push(format!("interaction {k}: no acknowledgement"));
                return;
            };
            acks.lock().unwrap().push(ack);
            match reply(&double, &i, Duration::from_secs(30)).await {
                Some(msg) => {
                    replies.lock().unwrap().push(sent.elapsed());
                    if earlier.is_none() {
                        answers.lock().unwrap().push(msg);
                    }
                }
                None => failures.lock().unwrap().push(format!("interaction {k}: no reply")),
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let took = started.elapsed();
    rss.push((n, rss_kb(pid)));

    let mut acks = acks.lock().unwrap().clone();
    let mut replies = replies.lock().unwrap().clone();
    acks.sort();
    replies.sort();
    let failures = failures.lock().unwrap().clone();
    let late = acks.iter().filter(|a| **a > Duration::from_secs(3)).count();
    println!(
        "acknowledged: {} (p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {late} later than 3 s)",
        acks.len(),
        percentile(&acks, 0.5).as_secs_f64() * 1e3,
        percentile(&acks, 0.99).as_secs_f64() * 1e3,
        acks.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    println!(
        "replied: {} (p50 {:.1} ms, p99 {:.1} ms)",
        replies.len(),
        percentile(&replies, 0.5).as_secs_f64() * 1e3,
        percentile(&replies, 0.99).as_secs_f64() * 1e3,
    );
    println!(
        "throughput: {:.0} interactions/s over {:.1} s",
        n as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
    println!(
        "server RSS (MB) by interactions done: {}",
        rss.iter()
            .map(|(k, kb)| format!("{k}: {:.1}", *kb as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let protocol = double.protocol_errors();
    let spec = double.spec_violations();
    println!(
        "failures: {} lost or failed, {} protocol errors, {} spec violations",
        failures.len(),
        protocol.len(),
        spec.len()
    );
    for f in failures.iter().chain(&protocol).chain(&spec).take(10) {
        println!("  {f}");
    }
    bot.signal(libc::SIGTERM);
    bot.finish(Duration::from_secs(10)).await;
    Ok(())
}
