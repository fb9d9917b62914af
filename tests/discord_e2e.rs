//! The bot end to end: the real serenity/poise client, started in-process, talks to the Discord
//! test double on 127.0.0.1 (tests/support). Every request body the bot sends is validated
//! against Discord's OpenAPI spec; each test ends by asserting there were no spec violations and
//! no protocol errors.

mod common;
mod support;

use cairn::curation::Curator;
use cairn::discord::{BotConfig, Retry};
use cairn::settings::ServerSettings;
use cairn::store::Store;
use cairn::{Library, LibraryConfig};
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::{DiscordDouble, Recorded, Running, APP_ID, GUILD_ID, MOD_CHANNEL_ID, TOKEN, USER_ID};
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(10);

/// Everything the bot logs in this test binary, to check that the token never appears.
fn logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(|| Mutex::new(Vec::new()))
}

struct LogWriter;
impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        logs().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .try_init();
    });
}

struct Bot {
    double: DiscordDouble,
    curator: Arc<Curator>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), cairn::discord::BotError>>,
    dbs: Option<common::TestDatabases>,
}

/// A curator over `lib` on a fresh database (PostgreSQL when `CAIRN_TEST_POSTGRES_URL` is set,
/// else SQLite), with this cooldown by default.
async fn curator_on(
    lib: Library,
    cooldown: Duration,
) -> (Arc<Curator>, Option<common::TestDatabases>) {
    let dbs = common::TestDatabases::new().await;
    let url = dbs.urls.last().unwrap().clone();
    let store = Store::open(&url).await.expect("the store opens");
    let defaults = ServerSettings {
        country: Some("GB".into()),
        cooldown,
        ..ServerSettings::default()
    };
    let curator = Curator::open(store, Arc::new(lib), defaults).await.unwrap();
    (Arc::new(curator), Some(dbs))
}

impl Bot {
    async fn start() -> Bot {
        let lib = Library::open(&LibraryConfig::new(common::corpus_dir(), None)).unwrap();
        Bot::start_with(lib).await
    }

    async fn start_with(lib: Library) -> Bot {
        Bot::start_configured(lib, Duration::ZERO).await
    }

    /// A bot whose server has a moderators' channel, with this cooldown between questions.
    async fn start_configured(lib: Library, cooldown: Duration) -> Bot {
        Bot::start_on(DiscordDouble::start().await, lib, cooldown).await
    }

    /// The settings the tests use: quick registration retries.
    fn config(double: &DiscordDouble, cooldown: Duration) -> BotConfig {
        BotConfig {
            token: TOKEN.into(),
            guild_id: Some(GUILD_ID),
            test_endpoint: Some(double.endpoint()),
            country: Some("GB".into()),
            moderator_channels: [(GUILD_ID, MOD_CHANNEL_ID)].into_iter().collect(),
            cooldown,
            registration: Retry {
                attempts: 3,
                backoff: Duration::from_millis(50),
            },
            shards: None,
        }
    }

    /// Starts the bot against a double the caller may have set up (faults to inject).
    async fn start_on(double: DiscordDouble, lib: Library, cooldown: Duration) -> Bot {
        let config = Bot::config(&double, cooldown);
        let bot = Bot::run(double, config, lib).await;
        bot.wait_started().await;
        bot
    }

    async fn wait_started(&self) {
        self.double
            .wait_ready(WAIT)
            .await
            .expect("the bot connects");
        self.double
            .wait_request(|r| r.method == "PUT" && r.path.ends_with("/commands"), WAIT)
            .await
            .expect("commands are registered");
    }

    /// Runs the bot with `config` in the background, on a fresh SQLite store.
    async fn run(double: DiscordDouble, config: BotConfig, lib: Library) -> Bot {
        let (curator, dbs) = curator_on(lib, config.cooldown).await;
        Bot::run_with(double, config, curator, dbs)
    }

    fn run_with(
        double: DiscordDouble,
        config: BotConfig,
        curator: Arc<Curator>,
        dbs: Option<common::TestDatabases>,
    ) -> Bot {
        capture_logs();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(cairn::discord::run(config, curator.clone(), async {
            let _ = stopped.await;
        }));
        Bot {
            double,
            curator,
            stop: Some(stop),
            task,
            dbs,
        }
    }

    /// Sends a slash command and returns the interaction and its callback.
    async fn slash(&self, name: &str, options: Value) -> (Value, Recorded) {
        let i = self.double.slash(name, options);
        self.double.send_interaction(i.clone()).await.unwrap();
        let cb = self.double.wait_callback(&i, WAIT).await.unwrap();
        (i, cb)
    }

    /// Waits for the `n`th (1-based) edit of an interaction's original message, and returns the
    /// request and the message as it stood then.
    async fn edit_of(&self, i: &Value, n: usize) -> (Recorded, Value) {
        edit_of(&self.double, i, n).await
    }

    async fn ask(&self, question: &str) -> (Value, Recorded, Value) {
        let (i, cb) = self
            .slash(
                "ask",
                json!([{"name": "question", "type": 3, "value": question}]),
            )
            .await;
        let (_, msg) = self.edit_of(&i, 1).await;
        (i, cb, msg)
    }

    async fn press(&self, custom_id: &str, message: &Value) -> (Value, Recorded) {
        let i = self.double.button(custom_id, message.clone());
        self.double.send_interaction(i.clone()).await.unwrap();
        let cb = self.double.wait_callback(&i, WAIT).await.unwrap();
        (i, cb)
    }

    fn assert_clean(&self) {
        assert_eq!(
            self.double.interaction_problems(),
            Vec::<String>::new(),
            "every interaction is acknowledged in time, and every deferred one answered"
        );
        assert_eq!(
            self.double.spec_violations(),
            Vec::<String>::new(),
            "spec violations"
        );
        assert_eq!(
            self.double.protocol_errors(),
            Vec::<String>::new(),
            "protocol errors"
        );
    }

    async fn stop(self) {
        self.assert_clean();
        self.shut_down().await;
    }

    /// Stops the bot without checking interaction problems (a test that provoked one on
    /// purpose checks it itself).
    async fn shut_down(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let result = tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the bot shuts down");
        assert!(result.unwrap().is_ok());
        self.curator.store.close().await;
        if let Some(dbs) = self.dbs.take() {
            dbs.drop_all().await;
        }
    }
}

/// Waits for the `n`th (1-based) edit of an interaction's original message, and returns the
/// request and the message as it stood then.
async fn edit_of(double: &DiscordDouble, i: &Value, n: usize) -> (Recorded, Value) {
    let path = format!(
        "/api/v10/webhooks/{APP_ID}/{}/messages/@original",
        i["token"].as_str().unwrap()
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    let found = loop {
        let edits: Vec<Recorded> = double
            .requests()
            .into_iter()
            .filter(|r| r.method == "PATCH" && r.path == path)
            .collect();
        if edits.len() >= n {
            break edits[n - 1].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} edit(s) of {path} after {WAIT:?}",
            edits.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let msg = double.message_for(&found);
    (found, msg)
}

/// Asks through the double (any bot: in-process or `cairn serve`) and returns the answer.
async fn ask_through(double: &DiscordDouble, question: &str) -> Value {
    let i = double.slash(
        "ask",
        json!([{"name": "question", "type": 3, "value": question}]),
    );
    double.send_interaction(i.clone()).await.unwrap();
    edit_of(double, &i, 1).await.1
}

/// Fails the test instead of hanging if anything blocks.
async fn within(test: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test finished within 60 s");
}

fn callback_type(cb: &Recorded) -> u64 {
    cb.body.as_ref().unwrap()["type"].as_u64().unwrap()
}

fn callback_flags(cb: &Recorded) -> u64 {
    cb.body.as_ref().unwrap()["data"]["flags"]
        .as_u64()
        .unwrap_or(0)
}

fn buttons(msg: &Value) -> Vec<(String, String)> {
    msg["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["label"].as_str().unwrap_or("").to_string(),
                b["custom_id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn button(msg: &Value, label: &str) -> String {
    buttons(msg)
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no {label:?} button in {:?}", buttons(msg)))
        .1
}

fn fields(msg: &Value) -> Vec<(String, String)> {
    msg["embeds"][0]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_registered_with_their_options() {
    within(async {
        let bot = Bot::start().await;
        let put = bot
            .double
            .wait_request(|r| r.method == "PUT", WAIT)
            .await
            .unwrap();
        assert_eq!(
            put.path,
            format!("/api/v10/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
        );
        let cmds = put.body.clone().unwrap();
        let names: Vec<&str> = cmds
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            vec!["ask", "article", "topics", "about", "privacy", "feedback", "config"]
        );
        for c in cmds.as_array().unwrap() {
            let d = c["description"].as_str().unwrap();
            assert!(!d.is_empty() && d.chars().count() <= 100, "{d}");
            // Commands for members: no permission gate; /config is for Manage Server (32).
            let gate = if c["name"] == "config" {
                json!("32")
            } else {
                Value::Null
            };
            assert_eq!(c["default_member_permissions"], gate, "{c}");
        }
        let ask = &cmds[0];
        assert_eq!(
            ask["description"],
            "Ask the library a health question; the answer cites its sources"
        );
        let opts = ask["options"].as_array().unwrap();
        assert_eq!(opts[0]["name"], "question");
        assert_eq!(opts[0]["type"], 3);
        assert_eq!(opts[0]["required"], true);
        assert_eq!(opts[0]["max_length"], 1000);
        assert_eq!(opts[1]["name"], "condition");
        assert_eq!(opts[1]["choices"].as_array().unwrap().len(), 8);
        assert_eq!(opts[1]["choices"][0]["name"], "ME/CFS");
        assert_eq!(opts[2]["name"], "private");
        assert_eq!(opts[2]["type"], 5);
        let show = &cmds[1]["options"][0];
        assert_eq!(show["name"], "show");
        assert_eq!(show["type"], 1);
        assert_eq!(show["options"][0]["name"], "id");
        assert_eq!(show["options"][0]["autocomplete"], true);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_defers_then_edits_in_an_embed_with_citations_and_the_disclaimer() {
    within(async {
        let bot = Bot::start().await;
        let (i, cb, msg) = bot
            .ask("why do I crash for days after doing too much?")
            .await;
        assert_eq!(callback_type(&cb), 5, "deferred first");
        assert_eq!(callback_flags(&cb) & 64, 0, "public by default");

        let (edit, _) = bot.edit_of(&i, 1).await;
        let body = edit.body.unwrap();
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));

        let f = fields(&msg);
        assert_eq!(f.len(), 3);
        assert!(
            f[0].0.starts_with("1. Observational study · PLoS ONE"),
            "{}",
            f[0].0
        );
        assert!(
            f[0].1.starts_with("[Post\\-exertional malaise: the crash after doing too much](https://doi.org/10.1371/journal.pone.0197811)"),
            "{}",
            f[0].1
        );
        assert!(
            f[0].1
                .contains("Published 2018-06-01 · Written 2026-12-01 · Not yet independently reviewed"),
            "{}",
            f[0].1
        );
        assert!(
            f[0].1.contains("**Post\\-exertional malaise**"),
            "{}",
            f[0].1
        );
        let footer = msg["embeds"][0]["footer"]["text"].as_str().unwrap();
        assert!(footer.contains("not a clinician"), "{footer}");
        let labels: Vec<String> = buttons(&msg).into_iter().map(|b| b.0).collect();
        assert_eq!(labels, vec!["More results", "Helpful", "Not helpful"]);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_results_pages_and_feedback_is_counted_once_per_person() {
    within(async {
        let bot = Bot::start().await;
        let (_, _, first) = bot.ask("gut bacteria and fatigue").await;
        let first_titles = fields(&first);

        let (more, cb) = bot.press(&button(&first, "More results"), &first).await;
        assert_eq!(
            callback_type(&cb),
            6,
            "acknowledged, then the message is edited"
        );
        let (_, second) = bot.edit_of(&more, 1).await;
        let second_fields = fields(&second);
        assert!(second_fields[0].0.starts_with("4. "), "{:?}", second_fields);
        for f in &second_fields {
            assert!(!first_titles.contains(f));
        }

        let (vote, cb) = bot.press(&button(&second, "Helpful"), &second).await;
        assert_eq!(callback_type(&cb), 5);
        assert_eq!(callback_flags(&cb) & 64, 64, "feedback replies are private");
        let (_, reply) = bot.edit_of(&vote, 1).await;
        assert!(
            reply["content"].as_str().unwrap().starts_with("Thank you!"),
            "{reply}"
        );

        // The second page's articles got one "helpful" each; the first page's none.
        let shown: Vec<String> = second["embeds"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["value"].as_str().unwrap().to_string())
            .collect();
        let lib = common::bundled();
        let mut counted = 0;
        let counts = bot.curator.store.feedback(Some(GUILD_ID)).await.unwrap();
        for a in lib.articles() {
            let c = counts
                .iter()
                .find(|(id, _)| *id == a.id)
                .map(|(_, c)| *c)
                .unwrap_or_default();
            if c.helpful > 0 {
                counted += 1;
                assert_eq!(c.helpful, 1);
                assert!(
                    shown.iter().any(|v| a
                        .sources
                        .iter()
                        .any(|s| v.contains(&s.url.replace('(', "%28").replace(')', "%29")))),
                    "{} was not on the page",
                    a.id
                );
            }
        }
        assert_eq!(counted, second_fields.len());

        let (again, _) = bot.press(&button(&second, "Helpful"), &second).await;
        let (_, reply) = bot.edit_of(&again, 1).await;
        assert!(
            reply["content"].as_str().unwrap().contains("already"),
            "{reply}"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_questions_and_crisis_replies_are_ephemeral() {
    within(async {
        let bot = Bot::start().await;
        let (i, cb) = bot
            .slash(
                "ask",
                json!([
                    {"name": "question", "type": 3, "value": "brain fog"},
                    {"name": "private", "type": 5, "value": true}
                ]),
            )
            .await;
        assert_eq!(callback_flags(&cb) & 64, 64);
        bot.edit_of(&i, 1).await;

        let (i, cb, msg) = bot
            .ask("I can't take the pain any more, I want to die")
            .await;
        assert_eq!(callback_flags(&cb) & 64, 64, "crisis replies are private");
        let embed = &msg["embeds"][0];
        assert_eq!(embed["title"], "You're not alone");
        assert!(
            embed["description"].as_str().unwrap().contains("116 123"),
            "{embed}"
        );
        assert!(
            embed["fields"].as_array().is_none_or(|f| f.is_empty()),
            "no search before the member asks"
        );
        assert_eq!(
            buttons(&msg).len(),
            2,
            "support and results: {:?}",
            buttons(&msg)
        );
        assert!(
            bot.posts_in(MOD_CHANNEL_ID).is_empty(),
            "nothing is sent before the member asks"
        );
        assert_eq!(
            i["data"]["options"][0]["value"],
            "I can't take the pain any more, I want to die"
        );

        let (anyway, cb) = bot.press(&button(&msg, "Show library results"), &msg).await;
        assert_eq!(callback_flags(&cb) & 64, 64);
        let (_, results) = bot.edit_of(&anyway, 1).await;
        assert!(!fields(&results).is_empty());
        bot.stop().await;
    })
    .await;
}

impl Bot {
    /// The messages the bot posted in a channel.
    fn posts_in(&self, channel: u64) -> Vec<Value> {
        let path = format!("/api/v10/channels/{channel}/messages");
        self.double
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .filter_map(|r| r.body)
            .collect()
    }

    /// Waits for the deferred reply to a button press to be edited in.
    async fn followup_text(&self, press: &Value) -> String {
        let (_, msg) = self.edit_of(press, 1).await;
        msg["content"].as_str().unwrap_or("").to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_in_crisis_can_ask_a_moderator_to_reach_out_and_only_then_is_anything_sent() {
    within(async {
        let bot = Bot::start().await;
        let question = "everyone would be better off without me";
        let (_, cb, msg) = bot.ask(question).await;
        assert_eq!(callback_flags(&cb) & 64, 64, "crisis replies are private");
        assert!(bot.posts_in(MOD_CHANNEL_ID).is_empty());

        let label = "Let a moderator know I could use support";
        let (press, cb) = bot.press(&button(&msg, label), &msg).await;
        assert_eq!(callback_flags(&cb) & 64, 64, "the confirmation is private");
        let told = bot.followup_text(&press).await;
        assert!(told.contains("moderators know"), "{told}");
        assert!(told.contains("999"), "the GB emergency number: {told}");

        let posts = bot.posts_in(MOD_CHANNEL_ID);
        assert_eq!(posts.len(), 1, "{posts:?}");
        let post = posts[0]["content"].as_str().unwrap();
        assert!(post.contains(&format!("<@{USER_ID}>")), "{post}");
        assert!(
            !post.contains("better off"),
            "the question is never shared: {post}"
        );
        assert_eq!(
            posts[0]["allowed_mentions"]["parse"],
            json!([]),
            "the post pings no one"
        );

        let (again, _) = bot.press(&button(&msg, label), &msg).await;
        assert!(bot.followup_text(&again).await.contains("already"));
        assert_eq!(bot.posts_in(MOD_CHANNEL_ID).len(), 1, "one alert per reply");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_asking_for_means_gets_helplines_and_never_results() {
    within(async {
        let bot = Bot::start().await;
        let (_, cb, msg) = bot.ask("what's the lethal dose of amitriptyline").await;
        assert_eq!(callback_flags(&cb) & 64, 64);
        assert_eq!(msg["embeds"][0]["title"], "You're not alone");
        let labels: Vec<String> = buttons(&msg).into_iter().map(|(l, _)| l).collect();
        assert_eq!(labels, vec!["Let a moderator know I could use support"]);
        assert!(fields(&msg).is_empty());
        assert!(!msg["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("only looking for articles"));
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_too_fast_repeat_gets_a_private_note_but_a_crisis_never_waits() {
    within(async {
        let lib = Library::open(&LibraryConfig::new(common::corpus_dir(), None)).unwrap();
        let bot = Bot::start_configured(lib, Duration::from_secs(600)).await;
        let (_, cb, _) = bot.ask("what is pacing").await;
        assert_eq!(callback_type(&cb), 5);

        let (_, cb) = bot
            .slash(
                "ask",
                json!([{"name": "question", "type": 3, "value": "brain fog"}]),
            )
            .await;
        assert_eq!(callback_type(&cb), 4, "answered at once, not deferred");
        assert_eq!(callback_flags(&cb) & 64, 64, "privately");
        let note = cb.body.as_ref().unwrap()["data"]["content"]
            .as_str()
            .unwrap();
        assert!(note.contains("try again in"), "{note}");
        assert!(!note.contains("brain fog"), "{note}");

        // Another member is not held back.
        let other = support::as_member(
            bot.double.slash(
                "ask",
                json!([{"name": "question", "type": 3, "value": "brain fog"}]),
            ),
            USER_ID + 100,
            "other",
            support::MEMBER_PERMISSIONS,
        );
        bot.double.send_interaction(other.clone()).await.unwrap();
        let cb = bot.double.wait_callback(&other, WAIT).await.unwrap();
        assert_eq!(callback_type(&cb), 5);
        bot.edit_of(&other, 1).await;

        // A member in crisis is answered whatever the cooldown.
        let (_, cb, msg) = bot.ask("i want to kms").await;
        assert_eq!(callback_type(&cb), 5);
        assert_eq!(msg["embeds"][0]["title"], "You're not alone");
        // So is an emergency.
        let (_, cb, msg) = bot
            .ask("my chest hurts so bad and my left arm is numb")
            .await;
        assert_eq!(callback_type(&cb), 5);
        assert!(
            msg["embeds"][0]["description"]
                .as_str()
                .unwrap()
                .contains("999"),
            "{msg}"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_asks_for_no_privileged_intent() {
    within(async {
        let bot = Bot::start().await;
        // GUILDS only: no members, presences or message content.
        assert_eq!(bot.double.identify_intents(), vec![1]);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_guild_only_and_a_dm_gets_a_kind_private_note() {
    within(async {
        let bot = Bot::start().await;
        let put = bot
            .double
            .wait_request(|r| r.method == "PUT", WAIT)
            .await
            .unwrap();
        for c in put.body.unwrap().as_array().unwrap() {
            assert_eq!(
                c["contexts"],
                json!([0]),
                "{} is for servers only",
                c["name"]
            );
        }
        let dm = support::as_dm(bot.double.slash(
            "ask",
            json!([{"name": "question", "type": 3, "value": "what is pacing"}]),
        ));
        bot.double.send_interaction(dm.clone()).await.unwrap();
        let cb = bot.double.wait_callback(&dm, WAIT).await.unwrap();
        assert_eq!(callback_type(&cb), 4);
        assert_eq!(callback_flags(&cb) & 64, 64);
        let text = cb.body.as_ref().unwrap()["data"]["content"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(text.contains("server"), "{text}");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_registers_the_commands_globally() {
    within(async {
        let double = DiscordDouble::start().await;
        let mut config = Bot::config(&double, Duration::ZERO);
        config.guild_id = None;
        let bot = Bot::run(double, config, lexical_library()).await;
        bot.double.wait_ready(WAIT).await.unwrap();
        let put = bot
            .double
            .wait_request(|r| r.method == "PUT", WAIT)
            .await
            .unwrap();
        assert_eq!(put.path, format!("/api/v10/applications/{APP_ID}/commands"));
        assert_eq!(put.status, 200);
        let (_, cb, msg) = bot.ask("what is pacing").await;
        assert_eq!(callback_type(&cb), 5);
        assert!(!fields(&msg).is_empty());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisis_only_the_encoder_sees_is_moved_to_a_private_reply() {
    let Some(dir) = common::model() else { return };
    let lib = common::bundled_with_model(dir);
    within(async {
        let bot = Bot::start_with(lib).await;
        let q = "i feel so calm now that i have made up my mind about leaving for good";
        let (i, cb) = bot
            .slash("ask", json!([{"name": "question", "type": 3, "value": q}]))
            .await;
        assert_eq!(callback_type(&cb), 5);
        assert_eq!(
            callback_flags(&cb) & 64,
            0,
            "the rules alone saw nothing: a public defer"
        );
        let deadline = tokio::time::Instant::now() + WAIT;
        let followup = loop {
            if let Some(f) = bot.double.followups(&i).into_iter().next() {
                break f;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no private follow-up"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(
            followup["flags"].as_u64().unwrap_or(0) & 64,
            64,
            "{followup}"
        );
        assert_eq!(followup["embeds"][0]["title"], "You're not alone");
        assert!(
            bot.double.original_message(&i).is_none(),
            "the public \"thinking...\" message is gone"
        );
        bot.stop().await;
    })
    .await;
}

fn lexical_library() -> Library {
    Library::open(&LibraryConfig::new(common::corpus_dir(), None)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_that_cannot_register_its_commands_exits_with_one_clear_line() {
    within(async {
        capture_logs();
        let double = DiscordDouble::start().await;
        for _ in 0..3 {
            double.fail_next("PUT", "/commands", 403);
        }
        let config = Bot::config(&double, Duration::ZERO);
        let (curator, _dbs) = curator_on(lexical_library(), Duration::ZERO).await;
        let run = cairn::discord::run(config, curator, std::future::pending());
        let result = tokio::time::timeout(WAIT, run)
            .await
            .expect("the bot gives up instead of waiting forever");
        let err = result.expect_err("registration failed three times");
        let line = err.to_string();
        assert!(
            line.contains("could not register the commands") && line.contains("3 attempts"),
            "{line}"
        );
        assert!(!line.contains('\n'), "one line: {line}");
        let puts = double
            .requests()
            .into_iter()
            .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
            .count();
        assert_eq!(puts, 3, "retried a bounded number of times");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_is_retried_and_then_the_bot_answers() {
    within(async {
        let double = DiscordDouble::start().await;
        double.fail_next("PUT", "/commands", 500);
        double.fail_next("PUT", "/commands", 502);
        let bot = Bot::start_on(double, lexical_library(), Duration::ZERO).await;
        let (_, cb, msg) = bot.ask("what is pacing").await;
        assert_eq!(callback_type(&cb), 5);
        assert!(!fields(&msg).is_empty());
        let puts = bot
            .double
            .requests()
            .into_iter()
            .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
            .count();
        assert_eq!(puts, 3);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_asker_pages_the_public_answer_others_get_the_next_page_privately() {
    within(async {
        let bot = Bot::start().await;
        let (asked, _, msg) = bot.ask("what is pacing for me/cfs").await;
        let more = button(&msg, "More results");
        let first_title = msg["embeds"][0]["title"].clone();

        // Another member presses "More results": a private page, the public answer unchanged.
        let other = support::as_member(
            bot.double.button(&more, msg.clone()),
            USER_ID + 7,
            "other",
            support::MEMBER_PERMISSIONS,
        );
        bot.double.send_interaction(other.clone()).await.unwrap();
        let cb = bot.double.wait_callback(&other, WAIT).await.unwrap();
        assert_eq!(callback_type(&cb), 5, "a new private message");
        assert_eq!(callback_flags(&cb) & 64, 64);
        let (_, page) = bot.edit_of(&other, 1).await;
        assert!(page["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .contains("results 4-"));
        let public = bot.double.original_message(&asked).unwrap();
        assert_eq!(
            public["embeds"][0]["title"], first_title,
            "the public answer is as it was"
        );

        // The asker's press edits the public answer in place.
        let (own, cb) = bot.press(&more, &msg).await;
        assert_eq!(callback_type(&cb), 6);
        bot.edit_of(&own, 1).await;
        let public = bot.double.original_message(&asked).unwrap();
        assert!(
            public["embeds"][0]["title"]
                .as_str()
                .unwrap()
                .contains("results 4-"),
            "{public}"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_says_what_is_kept() {
    within(async {
        let bot = Bot::start().await;
        let (i, cb) = bot.slash("privacy", json!([])).await;
        assert_eq!(callback_flags(&cb) & 64, 64);
        let (_, msg) = bot.edit_of(&i, 1).await;
        assert_eq!(msg["embeds"][0]["title"], "What cairn keeps about you");
        let names: Vec<String> = fields(&msg).into_iter().map(|(n, _)| n).collect();
        let expected: Vec<String> = cairn::privacy::statement(0)
            .into_iter()
            .map(|(h, _)| h.to_string())
            .collect();
        assert_eq!(names, expected);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_offers_at_most_25_titles_and_show_displays_the_article() {
    within(async {
        let bot = Bot::start().await;
        for typed in ["", "fmt", "zzzz-nothing", "@everyone"] {
            let i = bot.double.autocomplete_sub(
                "article",
                "show",
                json!([{"name": "id", "type": 3, "value": typed, "focused": true}]),
            );
            bot.double.send_interaction(i.clone()).await.unwrap();
            let cb = bot.double.wait_callback(&i, WAIT).await.unwrap();
            assert_eq!(callback_type(&cb), 8);
            let choices = cb.body.unwrap()["data"]["choices"]
                .as_array()
                .unwrap()
                .clone();
            assert!(choices.len() <= 25, "{typed:?}: {} choices", choices.len());
            for c in &choices {
                let name = c["name"].as_str().unwrap();
                assert!((1..=100).contains(&name.chars().count()), "{name}");
            }
            if typed.is_empty() {
                assert_eq!(choices.len(), 25);
            }
            if typed == "fmt" {
                // Titles and ids that contain what was typed come first.
                for c in &choices[..5] {
                    let (name, id) = (c["name"].as_str().unwrap(), c["value"].as_str().unwrap());
                    assert!(name.contains("FMT") || id.contains("fmt"), "{choices:?}");
                }
            }
        }

        let (i, cb) = bot.slash_with_sub("pem-post-exertional-malaise").await;
        assert_eq!(callback_type(&cb), 5);
        let (_, msg) = bot.edit_of(&i, 1).await;
        assert_eq!(
            msg["embeds"][0]["title"],
            "Post-exertional malaise: the crash after doing too much"
        );

        let (i, cb) = bot.slash_with_sub("no-such-article").await;
        assert_eq!(callback_flags(&cb) & 64, 64);
        let (_, msg) = bot.edit_of(&i, 1).await;
        assert_eq!(msg["embeds"][0]["title"], "No such article");
        bot.stop().await;
    })
    .await;
}

impl Bot {
    async fn slash_with_sub(&self, id: &str) -> (Value, Recorded) {
        let i = self.double.slash_sub(
            "article",
            "show",
            json!([{"name": "id", "type": 3, "value": id}]),
        );
        self.double.send_interaction(i.clone()).await.unwrap();
        let cb = self.double.wait_callback(&i, WAIT).await.unwrap();
        (i, cb)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_excerpts_are_truncated_and_mentions_ping_no_one() {
    within(async {
        // The article is valid (the library rejects mentions) but shares the question's words;
        // the mentions come in the question, and the reply must defuse them.
        let long_caution = format!("\"{}\"", "Careful, this is a very long caution. ".repeat(6));
        let body = format!(
            "{} pacing helps.\n",
            "Pacing works for everyone by planning rest carefully over many days and weeks "
                .repeat(60)
        );
        let text = common::article(
            "huge",
            &format!("Pacing {}", "very long title ".repeat(10)),
            &body,
            "\"mecfs\"",
        )
        .replace(
            "tags = [\"test\"]",
            &format!(
                "tags = [\"test\"]\ncautions = [{long_caution}, {long_caution}, {long_caution}]"
            ),
        );
        let dir = common::temp_corpus(&[("huge.md", text)]);
        let lib = Library::open(&LibraryConfig::new(dir.path(), None)).unwrap();
        assert!(lib.problems().is_empty(), "{:?}", lib.problems());
        let bot = Bot::start_with(lib).await;

        let (i, _, msg) = bot
            .ask("@everyone how does pacing work? <@123> <@&456>")
            .await;
        let (edit, _) = bot.edit_of(&i, 1).await;
        let body = edit.body.unwrap();
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        let raw = serde_json::to_string(&body).unwrap();
        for mention in ["@everyone", "<@123>", "<@&456>"] {
            assert!(
                !raw.contains(mention),
                "an unescaped {mention} was sent: {raw}"
            );
        }
        let f = fields(&msg);
        assert_eq!(f.len(), 1);
        assert!(f[0].1.chars().count() <= 1024);
        assert!(f[0].1.ends_with("..."), "{}", f[0].1);
        let embed = &msg["embeds"][0];
        let total: usize = ["title", "description"]
            .iter()
            .map(|k| embed[k].as_str().unwrap_or("").chars().count())
            .sum::<usize>()
            + embed["footer"]["text"]
                .as_str()
                .unwrap_or("")
                .chars()
                .count()
            + f.iter()
                .map(|(n, v)| n.chars().count() + v.chars().count())
                .sum::<usize>();
        assert!(total <= 6000, "{total}");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_reach_the_member_as_a_kind_message() {
    within(async {
        // Discord fails the first edit; later the database goes away.
        let lib = Library::open(&LibraryConfig::new(common::corpus_dir(), None)).unwrap();
        let bot = Bot::start_with(lib).await;

        bot.double.fail_next("PATCH", "/messages/@original", 500);
        let (i, cb) = bot
            .slash(
                "ask",
                json!([{"name": "question", "type": 3, "value": "pacing"}]),
            )
            .await;
        assert_eq!(callback_type(&cb), 5);
        let (_, msg) = bot.edit_of(&i, 2).await;
        assert!(
            msg["content"]
                .as_str()
                .unwrap()
                .starts_with("Sorry, something went wrong"),
            "{msg}"
        );
        assert!(msg["embeds"].as_array().unwrap().is_empty());

        let (_, _, answer) = bot.ask("pacing").await;
        // Feedback cannot be saved: the database is gone.
        bot.curator.store.close().await;
        let (vote, _) = bot.press(&button(&answer, "Helpful"), &answer).await;
        let (_, reply) = bot.edit_of(&vote, 1).await;
        assert!(
            reply["content"]
                .as_str()
                .unwrap()
                .starts_with("Sorry, something went wrong"),
            "{reply}"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_and_about() {
    within(async {
        let bot = Bot::start().await;
        let (i, _) = bot.slash("topics", json!([])).await;
        let (_, msg) = bot.edit_of(&i, 1).await;
        let f = fields(&msg);
        assert_eq!(f[0].0, "Conditions");
        assert!(f[0].1.contains("**ME/CFS**: "), "{}", f[0].1);

        let (i, cb) = bot.slash("about", json!([])).await;
        assert_eq!(callback_flags(&cb) & 64, 64);
        let (_, msg) = bot.edit_of(&i, 1).await;
        let names: Vec<String> = fields(&msg).into_iter().map(|f| f.0).collect();
        assert!(
            names.contains(&"No ads, no tracking".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"Report a problem".to_string()));
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_reconnects_after_a_dropped_gateway_and_never_logs_its_token() {
    within(async {
        let bot = Bot::start().await;
        bot.double.drop_gateway().await;
        bot.double.wait_connections(2, WAIT).await.unwrap();
        let (_, cb, msg) = bot.ask("what is long covid?").await;
        assert_eq!(callback_type(&cb), 5);
        assert!(!fields(&msg).is_empty());
        // A dropped connection is resumed, not identified again.
        assert_eq!(bot.double.gateway_resumes(), 1);
        assert_eq!(bot.double.identify_intents().len(), 1);
        // The log buffer is shared by every test in this binary: none of them logged the token.
        let logs = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
        assert!(!logs.contains(TOKEN), "the token was logged");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cairn_serve_runs_answers_and_stops_cleanly_on_sigterm() {
    within(async {
        let double = DiscordDouble::start().await;
        let dir = tempfile::tempdir().unwrap();
        let bot = Running::spawn(double.cairn_serve(
            env!("CARGO_BIN_EXE_cairn"),
            &common::corpus_dir(),
            dir.path(),
            "debug",
        ));
        double.wait_ready(WAIT).await.unwrap();
        let ask = double.slash(
            "ask",
            json!([{"name": "question", "type": 3, "value": "pacing"}]),
        );
        double.send_interaction(ask.clone()).await.unwrap();
        assert_eq!(
            callback_type(&double.wait_callback(&ask, WAIT).await.unwrap()),
            5
        );

        bot.signal(libc::SIGTERM);
        let (status, out) = bot.finish(WAIT).await.expect("the bot stops on SIGTERM");
        let logs = String::from_utf8_lossy(&out).into_owned();
        assert!(status.success(), "exit {status:?}: {logs}");
        assert!(logs.contains("shutting down"), "{logs}");
        assert!(
            logs.contains("CAIRN_DISCORD_ADDR is set"),
            "the override is warned about: {logs}"
        );
        assert!(!logs.contains(TOKEN), "the token was logged");
        assert_eq!(double.spec_violations(), Vec::<String>::new());
        assert_eq!(double.protocol_errors(), Vec::<String>::new());
    })
    .await;
}

/// The bound the issue sets: SIGTERM and SIGINT end `cairn serve` within this, in every state.
const STOP_WITHIN: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cairn_serve_stops_on_sigterm_and_sigint_while_discord_is_unreachable() {
    within(async {
        for signal in [libc::SIGTERM, libc::SIGINT] {
            // A port nothing listens on: every connection is refused.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let dir = tempfile::tempdir().unwrap();
            let double = DiscordDouble::start().await;
            let mut cmd = double.cairn_serve(
                env!("CARGO_BIN_EXE_cairn"),
                &common::corpus_dir(),
                dir.path(),
                "info",
            );
            cmd.env("CAIRN_DISCORD_ADDR", format!("127.0.0.1:{port}"));
            let bot = Running::spawn(cmd);
            assert!(
                bot.wait_output("library loaded", WAIT).await,
                "{}",
                bot.output()
            );
            // Let it get into its connection attempts.
            tokio::time::sleep(Duration::from_millis(500)).await;
            bot.signal(signal);
            let (status, out) = bot
                .finish(STOP_WITHIN)
                .await
                .expect("cairn serve ends within 5 s of the signal");
            let logs = String::from_utf8_lossy(&out).into_owned();
            assert!(status.success(), "signal {signal}: exit {status:?}: {logs}");
            assert!(logs.contains("shutting down"), "{logs}");
        }
    })
    .await;
}

// ------------------------------------------------------------------ moderators and admins

/// A member's permissions plus Manage Messages (a moderator) or Manage Server (an admin).
const MODERATOR: &str = "2147609600";
/// A second moderator of the same server (an article's reviewer must not be its writer).
const SECOND_MODERATOR_ID: u64 = 1_100_000_000_000_000_077;
const ADMIN: &str = "2147601440";
const PLAIN: &str = support::MEMBER_PERMISSIONS;
/// Another server, where the same person may moderate too.
const OTHER_GUILD: u64 = 424_242_424_242_424_242;

impl Bot {
    /// A slash subcommand from USER_ID with `permissions`, in `guild` (default GUILD_ID).
    async fn sub_as(
        &self,
        name: &str,
        sub: &str,
        options: Value,
        permissions: &str,
        guild: Option<u64>,
    ) -> (Value, Recorded) {
        self.sub_from(name, sub, options, permissions, guild, (USER_ID, "sam"))
            .await
    }

    /// As [`Bot::sub_as`], from another member: `(user id, user name)`.
    async fn sub_from(
        &self,
        name: &str,
        sub: &str,
        options: Value,
        permissions: &str,
        guild: Option<u64>,
        (user, user_name): (u64, &str),
    ) -> (Value, Recorded) {
        let base = if sub.is_empty() {
            self.double.slash(name, options)
        } else {
            self.double.slash_sub(name, sub, options)
        };
        let mut i = support::as_member(base, user, user_name, permissions);
        if let Some(g) = guild {
            i = in_guild(i, g);
        }
        self.double.send_interaction(i.clone()).await.unwrap();
        let cb = self.double.wait_callback(&i, WAIT).await.unwrap();
        (i, cb)
    }

    /// A subcommand answered privately (deferred, then edited): its embed's title and text.
    async fn private_reply(
        &self,
        name: &str,
        sub: &str,
        options: Value,
        permissions: &str,
    ) -> (String, String) {
        let (i, cb) = self.sub_as(name, sub, options, permissions, None).await;
        private_text(self, &i, &cb).await
    }

    /// Fills in the modal a callback opened, as `USER_ID`, and returns the reply's title and
    /// text.
    async fn submit(&self, modal: &Recorded, inputs: &[(&str, &str)]) -> (String, String) {
        let custom_id = modal.body.as_ref().unwrap()["data"]["custom_id"]
            .as_str()
            .unwrap()
            .to_string();
        let i = self.double.modal_submit(&custom_id, inputs);
        self.double.send_interaction(i.clone()).await.unwrap();
        let cb = self.double.wait_callback(&i, WAIT).await.unwrap();
        private_text(self, &i, &cb).await
    }
}

impl Bot {
    /// `/article import` of a file with these bytes, by a moderator: the reply's title and text.
    async fn import(&self, filename: &str, bytes: &[u8]) -> (String, String) {
        let file = self.double.attachment(filename, "text/markdown", bytes);
        let i = support::as_member(
            self.double
                .slash_sub_with_attachment("article", "import", "file", file, json!([])),
            USER_ID,
            "sam",
            MODERATOR,
        );
        self.double.send_interaction(i.clone()).await.unwrap();
        let cb = self.double.wait_callback(&i, WAIT).await.unwrap();
        private_text(self, &i, &cb).await
    }
}

/// The same interaction, in another server.
fn in_guild(mut i: Value, guild: u64) -> Value {
    i["guild_id"] = json!(guild.to_string());
    if i["data"]["guild_id"].is_string() {
        i["data"]["guild_id"] = json!(guild.to_string());
    }
    i["channel"]["guild_id"] = json!(guild.to_string());
    i
}

/// The private reply to an interaction: a type-4 message, or a private deferral edited.
async fn private_text(bot: &Bot, i: &Value, cb: &Recorded) -> (String, String) {
    assert_eq!(callback_flags(cb) & 64, 64, "moderator replies are private");
    let msg = if callback_type(cb) == 4 {
        cb.body.as_ref().unwrap()["data"].clone()
    } else {
        assert_eq!(callback_type(cb), 5);
        bot.edit_of(i, 1).await.1
    };
    let embed = &msg["embeds"][0];
    let title = embed["title"].as_str().unwrap_or("").to_string();
    let mut text = embed["description"]
        .as_str()
        .or(msg["content"].as_str())
        .unwrap_or("")
        .to_string();
    for f in embed["fields"].as_array().into_iter().flatten() {
        text.push_str(&format!("\n{}: {}", f["name"], f["value"]));
    }
    (unescape(&title), unescape(&text))
}

/// Text as Discord shows it: Markdown escapes removed.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            continue;
        }
        out.push(c);
    }
    out
}

fn modal_inputs(cb: &Recorded) -> Vec<(String, String)> {
    cb.body.as_ref().unwrap()["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let input = &row["components"][0];
            (
                input["custom_id"].as_str().unwrap().to_string(),
                input["value"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn cited_titles(msg: &Value) -> Vec<String> {
    msg["embeds"][0]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{} {}",
                f["name"].as_str().unwrap_or(""),
                f["value"].as_str().unwrap_or("")
            )
        })
        .collect()
}

const WALKING: [(&str, &str); 5] = [
    ("title", "The axolotl walking group"),
    ("summary", "When and where our gentle walking group meets."),
    ("source_name", "Our support group's events page"),
    ("source_url", "https://example.org/events"),
    (
        "body",
        "The axolotl walking group meets on Tuesdays at the town library. Walks are short, paced and anyone may turn back at any time.",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_run_their_servers_library_from_discord() {
    within(async {
        let bot = Bot::start_with(lexical_library()).await;
        let add_opts = json!([
            {"name": "evidence", "type": 4, "value": 5},
            {"name": "conditions", "type": 3, "value": "mecfs, long-covid"},
            {"name": "published", "type": 3, "value": "2026-10"},
        ]);

        // A plain member is refused, and nothing opens.
        let (_, refused) = bot
            .private_reply("article", "add", add_opts.clone(), PLAIN)
            .await;
        assert!(
            refused.contains("Only this server's moderators"),
            "{refused}"
        );

        // A moderator gets the form; an invalid one lists every problem and saves nothing.
        let (_, modal) = bot
            .sub_as("article", "add", add_opts.clone(), MODERATOR, None)
            .await;
        assert_eq!(callback_type(&modal), 9, "a modal opens");
        let fields: Vec<String> = modal_inputs(&modal).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            fields,
            ["title", "summary", "source_name", "source_url", "body"]
        );
        let mut bad = WALKING;
        bad[3].1 = "ftp://example.org/events";
        bad[4].1 = "Ask <@123> about it.";
        let (title, text) = bot.submit(&modal, &bad).await;
        assert!(
            title.starts_with("Not saved: 2 problem(s)"),
            "{title}: {text}"
        );
        assert!(text.contains("https") && text.contains("mention"), "{text}");
        assert!(bot.curator.store.articles(None).await.unwrap().is_empty());

        // A valid one is stored and answers the next question.
        let (_, modal) = bot
            .sub_as("article", "add", add_opts.clone(), MODERATOR, None)
            .await;
        let started = std::time::Instant::now();
        let (title, text) = bot.submit(&modal, &WALKING).await;
        assert_eq!(title, "Article added", "{text}");
        assert!(text.contains("the-axolotl-walking-group"), "{text}");
        let (_, _, answer) = bot.ask("when does the axolotl walking group meet").await;
        println!(
            "moderators: added through the modal and answered by /ask after {} ms",
            started.elapsed().as_millis()
        );
        assert!(
            cited_titles(&answer)[0].contains("axolotl walking group"),
            "{answer}"
        );

        // Edit: the form comes pre-filled; the new text answers, the old does not.
        let id_opt = json!([{"name": "id", "type": 3, "value": "the-axolotl-walking-group"}]);
        let (_, modal) = bot
            .sub_as("article", "edit", id_opt.clone(), MODERATOR, None)
            .await;
        assert_eq!(callback_type(&modal), 9);
        let prefilled = modal_inputs(&modal);
        assert_eq!(prefilled[0].1, "The axolotl walking group");
        assert!(prefilled[4].1.contains("Tuesdays"));
        let mut changed = WALKING;
        changed[4].1 = "The axolotl walking group now meets on Thursdays by the marmalade factory.";
        let (title, _) = bot.submit(&modal, &changed).await;
        assert_eq!(title, "Article updated");
        let (_, _, answer) = bot.ask("axolotl walking group marmalade factory").await;
        assert!(cited_titles(&answer)[0].contains("axolotl"), "{answer}");
        let (title, text) = bot
            .private_reply("article", "history", id_opt.clone(), MODERATOR)
            .await;
        assert!(title.contains("History"), "{title}");
        assert!(
            text.contains("edit (body)") && text.contains("add"),
            "{text}"
        );
        assert!(
            text.contains(&format!("<@{USER_ID}>")),
            "who changed it: {text}"
        );

        // Autocomplete offers it in its server only.
        let typed = |guild: u64| {
            in_guild(
                bot.double.autocomplete_sub(
                    "article",
                    "show",
                    json!([{"name": "id", "type": 3, "value": "axolotl", "focused": true}]),
                ),
                guild,
            )
        };
        for (guild, expected) in [(GUILD_ID, 1), (OTHER_GUILD, 0)] {
            let i = typed(guild);
            bot.double.send_interaction(i.clone()).await.unwrap();
            let cb = bot.double.wait_callback(&i, WAIT).await.unwrap();
            let choices = cb.body.unwrap()["data"]["choices"]
                .as_array()
                .unwrap()
                .len();
            assert_eq!(choices, expected, "autocomplete in {guild}");
        }

        // Its writer cannot review it; another moderator can, and the review records today's
        // date and the reviewer.
        let (title, text) = bot
            .private_reply("article", "review", id_opt.clone(), MODERATOR)
            .await;
        assert_ne!(title, "Review recorded", "{text}");
        assert!(text.contains("is the writer"), "{text}");
        let (i, cb) = bot
            .sub_from(
                "article",
                "review",
                id_opt.clone(),
                MODERATOR,
                None,
                (SECOND_MODERATOR_ID, "robin"),
            )
            .await;
        let (title, text) = private_text(&bot, &i, &cb).await;
        assert_eq!(title, "Review recorded", "{text}");
        let today = chrono::Local::now().date_naive();
        assert!(text.contains(&today.to_string()), "{text}");
        let stored = bot
            .curator
            .store
            .article(GUILD_ID, "the-axolotl-walking-group")
            .await
            .unwrap()
            .unwrap();
        assert!(
            stored
                .markdown
                .contains(&format!("date = {today}\nby = \"robin\"\n")),
            "{}",
            stored.markdown
        );
        assert!(
            stored.markdown.contains("writer = \"sam\""),
            "{}",
            stored.markdown
        );

        // A moderator of another server cannot see or touch it.
        let (i, other) = bot
            .sub_as(
                "article",
                "remove",
                id_opt.clone(),
                MODERATOR,
                Some(OTHER_GUILD),
            )
            .await;
        let (_, text) = private_text(&bot, &i, &other).await;
        assert!(text.contains("has no article"), "{text}");
        let (i, list) = bot
            .sub_as("article", "list", json!([]), MODERATOR, Some(OTHER_GUILD))
            .await;
        let (title, _) = private_text(&bot, &i, &list).await;
        assert!(title.contains("(0)"), "{title}");

        // Remove asks first; "Keep it" keeps it, "Remove it" removes it.
        let (i, cb) = bot
            .sub_as("article", "remove", id_opt.clone(), MODERATOR, None)
            .await;
        assert_eq!(callback_type(&cb), 5);
        let (_, confirm) = bot.edit_of(&i, 1).await;
        let keep = button(&confirm, "Keep it");
        let (_, cb) = bot.press(&keep, &confirm).await;
        assert_eq!(callback_type(&cb), 6);
        assert!(bot
            .curator
            .library()
            .server_article(GUILD_ID, "the-axolotl-walking-group")
            .is_some());
        let (i, _) = bot
            .sub_as("article", "remove", id_opt.clone(), MODERATOR, None)
            .await;
        let (_, confirm) = bot.edit_of(&i, 1).await;
        let yes = button(&confirm, "Remove it");
        let (_, cb) = bot.press(&yes, &confirm).await;
        assert_eq!(callback_type(&cb), 6);
        bot.double
            .wait_request(
                |r| {
                    r.method == "PATCH"
                        && r.body.as_ref().is_some_and(|b| {
                            b["content"]
                                .as_str()
                                .is_some_and(|c| c.starts_with("Removed"))
                        })
                },
                WAIT,
            )
            .await
            .expect("the moderator is told it was removed");
        let (_, _, answer) = bot.ask("axolotl walking group marmalade factory").await;
        assert!(
            cited_titles(&answer).iter().all(|t| !t.contains("axolotl")),
            "{answer}"
        );
        let history = bot
            .curator
            .store
            .history(GUILD_ID, Some("the-axolotl-walking-group"))
            .await
            .unwrap();
        let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["add", "edit", "review", "remove"]);
        let actors: Vec<u64> = history.iter().map(|h| h.actor).collect();
        assert_eq!(actors, [USER_ID, USER_ID, SECOND_MODERATOR_ID, USER_ID]);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_import_export_and_read_feedback() {
    within(async {
        let bot = Bot::start_with(lexical_library()).await;
        let markdown = "+++\nid = \"tapir-rest-plan\"\ntitle = \"A tapir rest plan\"\nsummary = \"Planning rest days before they are needed.\"\nreviewed = 2026-11-01\nevidence = \"patient-guide\"\nconditions = [\"mecfs\"]\n\n[source]\nname = \"Our group\"\nurl = \"https://example.org/rest\"\npublished = \"2026\"\n+++\n\nA tapir rest plan puts rest days in the diary before a crash makes them necessary.\n";

        // Not UTF-8: refused, nothing stored.
        let (title, text) = bot.import("x.md", &[0xff, 0xfe, 0x00]).await;
        assert_eq!(title, "Not imported", "{text}");
        assert!(text.contains("UTF-8"), "{text}");

        let (title, text) = bot.import("tapir.md", markdown.as_bytes()).await;
        assert_eq!(title, "Article imported", "{text}");
        let (_, _, answer) = bot.ask("tapir rest plan").await;
        assert!(cited_titles(&answer)[0].contains("A tapir rest plan"), "{answer}");

        // Export gives the same file back, as an attachment.
        let (i, cb) = bot
            .sub_as("article", "export", json!([{"name": "id", "type": 3, "value": "tapir-rest-plan"}]), MODERATOR, None)
            .await;
        assert_eq!(callback_type(&cb), 5);
        let (_, msg) = bot.edit_of(&i, 1).await;
        let attachment = &msg["attachments"][0];
        assert_eq!(attachment["filename"], "tapir-rest-plan.md");
        let url = attachment["url"].as_str().unwrap();
        let body = reqwest_get(url).await;
        assert_eq!(body, markdown);

        // Votes show in /feedback, least helpful first; a plain member cannot read them.
        let (vote, _) = bot.press(&button(&answer, "Not helpful"), &answer).await;
        bot.edit_of(&vote, 1).await;
        let (title, text) = bot.private_reply("feedback", "", json!(null), MODERATOR).await;
        assert_eq!(title, "Feedback in this server");
        assert!(text.contains("👎 1") && text.contains("tapir-rest-plan"), "{text}");
        let (_, refused) = bot.private_reply("feedback", "", json!(null), PLAIN).await;
        assert!(refused.contains("Only this server's moderators"), "{refused}");
        bot.stop().await;
    })
    .await;
}

async fn reqwest_get(url: &str) -> String {
    // The double serves attachments over plain HTTP on 127.0.0.1.
    let url = url.strip_prefix("http://").unwrap();
    let (host, path) = url.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    text.split_once("\r\n\r\n").unwrap().1.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_configure_their_server() {
    within(async {
        let bot = Bot::start_with(lexical_library()).await;
        // /config is registered for Manage Server only.
        let put = bot
            .double
            .requests()
            .into_iter()
            .find(|r| r.method == "PUT" && r.path.ends_with("/commands"))
            .unwrap();
        let config = put.body.as_ref().unwrap().as_array().unwrap().iter().find(|c| c["name"] == "config").cloned().unwrap();
        assert_eq!(config["default_member_permissions"], "32");

        // Checked again on every use: a moderator without Manage Server is refused.
        let (_, refused) = bot.private_reply("config", "show", json!([]), MODERATOR).await;
        assert!(refused.contains("Manage Server"), "{refused}");

        let set = |name: &str, value: &str| {
            json!([{"name": "setting", "type": 3, "value": name}, {"name": "value", "type": 3, "value": value}])
        };
        let (title, text) = bot.private_reply("config", "set", set("citations", "1"), ADMIN).await;
        assert!(title.contains("`citations` changed"), "{title}");
        assert!(text.contains("\"citations\": \"1\""), "{text}");
        let (_, _, answer) = bot.ask("what is pacing").await;
        assert_eq!(cited_titles(&answer).len(), 1, "one citation per answer now");

        let (title, text) = bot.private_reply("config", "set", set("colour", "red"), ADMIN).await;
        assert_eq!(title, "Not changed");
        assert!(text.contains("colour") && text.contains("shared-library"), "{text}");
        let (_, text) = bot.private_reply("config", "set", set("citations", "9"), ADMIN).await;
        assert!(text.contains("1 to 5"), "{text}");

        bot.private_reply("config", "set", set("answers", "private"), ADMIN).await;
        let (_, cb, _) = bot.ask("what is pacing").await;
        assert_eq!(callback_flags(&cb) & 64, 64, "answers are private by default now");

        // Answers only in the chosen channels; a crisis is answered wherever it is written.
        let (_, text) = bot
            .private_reply("config", "set", set("channels", &format!("<#{MOD_CHANNEL_ID}>")), ADMIN)
            .await;
        assert!(text.contains(&format!("<#{MOD_CHANNEL_ID}>")), "{text}");
        let (_, cb) = bot
            .slash("ask", json!([{"name": "question", "type": 3, "value": "what is pacing"}]))
            .await;
        assert_eq!(callback_type(&cb), 4);
        let note = cb.body.as_ref().unwrap()["data"]["content"].as_str().unwrap().to_string();
        assert!(note.contains("answers in"), "{note}");
        let (_, cb) = bot
            .slash("ask", json!([{"name": "question", "type": 3, "value": "i want to kill myself"}]))
            .await;
        assert_eq!(callback_type(&cb), 5, "a crisis is answered in any channel");
        assert_eq!(callback_flags(&cb) & 64, 64);
        bot.private_reply("config", "reset", json!([{"name": "setting", "type": 3, "value": "channels"}]), ADMIN)
            .await;

        // Another server's settings are its own.
        assert_eq!(bot.curator.settings(OTHER_GUILD).await.unwrap(), bot.curator.defaults);

        let (title, text) = bot.private_reply("config", "reset", json!([]), ADMIN).await;
        assert!(title.starts_with("2 setting(s)"), "{title}");
        assert!(text.contains("\"citations\": \"3\""), "{text}");
        let (_, cb, _) = bot.ask("what is pacing").await;
        assert_eq!(callback_flags(&cb) & 64, 0);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cairn_index_beside_cairn_serve_is_seen_by_the_next_answer() {
    within(async {
        let double = DiscordDouble::start().await;
        let dir = tempfile::tempdir().unwrap();
        // A copy of the library the operator will change.
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        for e in std::fs::read_dir(common::corpus_dir()).unwrap().flatten() {
            if e.path().is_file() {
                std::fs::copy(e.path(), corpus.join(e.file_name())).unwrap();
            }
        }
        let mut serve = double.cairn_serve(env!("CARGO_BIN_EXE_cairn"), &corpus, dir.path(), "info");
        // The same member asks several times in a row here.
        serve.env("CAIRN_COOLDOWN_SECS", "0");
        let bot = Running::spawn(serve);
        double.wait_ready(WAIT).await.unwrap();
        let q = "where does the pangolin choir rehearse";
        assert!(bot.wait_output("registered", WAIT).await, "{}", bot.output());
        let before = ask_through(&double, q).await;
        assert!(!before.to_string().contains("Pangolin choir"), "{before}");

        std::fs::write(
            corpus.join("pangolin-choir.md"),
            "+++\nid = \"pangolin-choir\"\ntitle = \"Pangolin choir rehearsals\"\nsummary = \"Where the choir meets.\"\nwritten = 2026-11-01\nwriter = \"Our group\"\nevidence = \"patient-guide\"\nconditions = [\"general\"]\n\n[source]\nname = \"Our group\"\nurl = \"https://example.org/choir\"\npublished = \"2026\"\n\n[review]\nevery = 12\n+++\n\nThe pangolin choir rehearses in the community hall, seated, with rests.\n",
        )
        .unwrap();
        // Re-index while the bot answers.
        let index = tokio::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
            .arg("--corpus")
            .arg(&corpus)
            .arg("--index")
            .arg(dir.path().join("index"))
            .arg("index")
            .env_remove("CAIRN_MODEL")
            .output();
        let during = double.slash(
            "ask",
            json!([{"name": "question", "type": 3, "value": "what is pacing"}]),
        );
        double.send_interaction(during.clone()).await.unwrap();
        let index = index.await.unwrap();
        assert!(index.status.success());
        let acked = double.wait_callback(&during, WAIT).await.unwrap();
        assert_eq!(callback_type(&acked), 5);
        let during = edit_of(&double, &during, 1).await.1;
        assert!(during.to_string().contains("Pacing"), "answered during the re-index: {during}");

        // The next answers see the change (the bot looks every second).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let after = ask_through(&double, q).await;
            if after.to_string().contains("Pangolin choir") {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "never saw the new article: {after}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        bot.signal(libc::SIGTERM);
        let (status, out) = bot.finish(WAIT).await.expect("the bot stops");
        let logs = String::from_utf8_lossy(&out).into_owned();
        assert!(status.success(), "{logs}");
        assert!(logs.contains("the library was reloaded"), "{logs}");
        assert!(!logs.contains("ERROR"), "{logs}");
        assert_eq!(double.spec_violations(), Vec::<String>::new());
    })
    .await;
}

/// A server on shard 1 of a 4-shard bot (the first process's) and on shard 1 of a 2-shard bot
/// (the second process's): `(id >> 22) % shards`.
const MOVING_GUILD: u64 = 1_100_000_000_005_373_957;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sharded_processes_on_one_database_agree() {
    within(async {
        let double = DiscordDouble::start().await;
        // PostgreSQL when available (as in CI); otherwise one SQLite file both processes open.
        let dbs = common::TestDatabases::new().await;
        let url = dbs.urls.last().unwrap().clone();
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let serve = |n: usize, total: &str, range: &str| {
            let mut cmd = double.cairn_serve(
                env!("CARGO_BIN_EXE_cairn"),
                &common::corpus_dir(),
                dirs[n].path(),
                "info",
            );
            cmd.args(["--shards", total, "--shard-range", range])
                .env("CAIRN_DATABASE_URL", &url)
                .env("CAIRN_COOLDOWN_SECS", "0");
            Running::spawn(cmd)
        };

        // Four shards, two per process.
        let one = serve(0, "4", "0..2");
        let two = serve(1, "4", "2..4");
        double.wait_shards(4, WAIT).await.unwrap();
        let mut shards = double.identified_shards();
        shards.sort();
        assert_eq!(shards, [(0, 4), (1, 4), (2, 4), (3, 4)]);

        // A moderator of MOVING_GUILD (shard 1: the first process) adds an article.
        let add = in_guild(
            support::as_member(
                double.slash_sub(
                    "article",
                    "add",
                    json!([
                        {"name": "evidence", "type": 4, "value": 5},
                        {"name": "conditions", "type": 3, "value": "mecfs"},
                        {"name": "published", "type": 3, "value": "2026"},
                    ]),
                ),
                USER_ID,
                "sam",
                MODERATOR,
            ),
            MOVING_GUILD,
        );
        double.send_interaction(add.clone()).await.unwrap();
        let modal = double.wait_callback(&add, WAIT).await.unwrap();
        assert_eq!(callback_type(&modal), 9);
        let custom_id = modal.body.as_ref().unwrap()["data"]["custom_id"].as_str().unwrap().to_string();
        let submit = in_guild(double.modal_submit(&custom_id, &WALKING), MOVING_GUILD);
        double.send_interaction(submit.clone()).await.unwrap();
        let (_, saved) = edit_of(&double, &submit, 1).await;
        assert_eq!(saved["embeds"][0]["title"], "Article added", "{saved}");
        assert!(one.output().contains("article saved"), "the first process saved it");
        assert!(!two.output().contains("article saved"));
        // The second process follows the store's change feed.
        assert!(
            two.wait_output("applied 1 change(s) from the store", WAIT).await,
            "{}",
            two.output()
        );

        // Re-shard to two shards, one per process: MOVING_GUILD is now the second process's.
        for p in [one, two] {
            p.signal(libc::SIGTERM);
            let (status, out) = p.finish(WAIT).await.expect("stops");
            assert!(status.success(), "{}", String::from_utf8_lossy(&out));
        }
        let one = serve(0, "2", "0..1");
        let two = serve(1, "2", "1..2");
        double.wait_shards(2, WAIT).await.unwrap();
        let i = in_guild(
            double.slash("ask", json!([{"name": "question", "type": 3, "value": "when does the axolotl walking group meet"}])),
            MOVING_GUILD,
        );
        double.send_interaction(i.clone()).await.unwrap();
        let (_, answer) = edit_of(&double, &i, 1).await;
        assert!(cited_titles(&answer)[0].contains("axolotl walking group"), "{answer}");
        let guild = format!("guild={MOVING_GUILD}");
        assert!(two.output().contains(&guild), "the second process answered: {}", two.output());
        assert!(!one.output().contains(&guild));
        for p in [one, two] {
            p.signal(libc::SIGTERM);
            p.finish(WAIT).await.expect("stops");
        }
        assert_eq!(double.spec_violations(), Vec::<String>::new());
        dbs.drop_all().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_keep_working_after_the_bot_is_killed_and_restarted() {
    within(async {
        let double = DiscordDouble::start().await;
        let dir = tempfile::tempdir().unwrap();
        let start = || {
            let mut cmd = double.cairn_serve(
                env!("CARGO_BIN_EXE_cairn"),
                &common::corpus_dir(),
                dir.path(),
                "info",
            );
            cmd.env("CAIRN_COOLDOWN_SECS", "0");
            Running::spawn(cmd)
        };
        let bot = start();
        double.wait_ready(WAIT).await.unwrap();
        let answer = ask_through(&double, "what is pacing").await;
        let more = button(&answer, "More results");

        // Killed without warning (SIGKILL: no clean shutdown), then started again.
        bot.signal(libc::SIGKILL);
        bot.finish(WAIT).await.expect("the bot dies");
        let bot = start();
        double.wait_shards(1, WAIT).await.unwrap();
        assert!(
            bot.wait_output("registered", WAIT).await,
            "{}",
            bot.output()
        );

        let press = double.button(&more, answer.clone());
        double.send_interaction(press.clone()).await.unwrap();
        let cb = double.wait_callback(&press, WAIT).await.unwrap();
        // Who asked is not kept across a restart, so the next page comes privately.
        assert_eq!(callback_type(&cb), 5);
        assert_eq!(callback_flags(&cb) & 64, 64);
        let (_, page) = edit_of(&double, &press, 1).await;
        let title = page["embeds"][0]["title"].as_str().unwrap_or("");
        assert!(
            title.contains("results 4-"),
            "the second page after a restart: {page}"
        );
        // The session holds the answer's pages, never the question.
        let db = std::fs::read(dir.path().join("data/cairn.db")).unwrap();
        assert!(!String::from_utf8_lossy(&db).contains("what is pacing"));
        bot.signal(libc::SIGTERM);
        bot.finish(WAIT).await.expect("stops");
        assert_eq!(double.spec_violations(), Vec::<String>::new());
    })
    .await;
}

/// The message an interaction's original response holds now, if it was edited yet.
fn edited_now(double: &DiscordDouble, i: &Value) -> Option<Value> {
    let path = format!(
        "/api/v10/webhooks/{APP_ID}/{}/messages/@original",
        i["token"].as_str().unwrap()
    );
    let rec = double
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH" && r.path == path)?;
    Some(double.message_for(&rec))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_kill_9s_lose_nothing_committed() {
    let test = async {
        let double = DiscordDouble::start().await;
        let dir = tempfile::tempdir().unwrap();
        let dbs = common::TestDatabases::new().await;
        let url = dbs.urls.last().unwrap().clone();
        let start = || {
            let mut cmd = double.cairn_serve(
                env!("CARGO_BIN_EXE_cairn"),
                &common::corpus_dir(),
                dir.path(),
                "info",
            );
            cmd.env("CAIRN_DATABASE_URL", &url)
                .env("CAIRN_COOLDOWN_SECS", "0");
            Running::spawn(cmd)
        };
        // A small deterministic generator for the moments of the kills.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };

        // Killed while it builds its index for the first time.
        let bot = start();
        tokio::time::sleep(Duration::from_millis(150)).await;
        bot.signal(libc::SIGKILL);
        bot.finish(WAIT).await.expect("dies");

        let bot = start();
        assert!(
            bot.wait_output("registered", WAIT).await,
            "{}",
            bot.output()
        );
        let answer = ask_through(&double, "what is pacing").await;
        let helpful = button(&answer, "Helpful");
        let shown = answer["embeds"][0]["fields"].as_array().unwrap().len();
        bot.signal(libc::SIGKILL);
        bot.finish(WAIT).await.expect("dies");

        let (mut confirmed, mut votes_confirmed, mut votes_sent) = (Vec::new(), 0u64, 0u64);
        for round in 0..50u64 {
            let bot = start();
            assert!(
                bot.wait_output("registered", WAIT).await,
                "{}",
                bot.output()
            );
            let id = format!("crash-note-{round}");
            let markdown = format!(
                "+++\nid = \"{id}\"\ntitle = \"Crash note {round}\"\nsummary = \"A note.\"\nreviewed = 2026-11-01\nevidence = \"patient-guide\"\nconditions = [\"general\"]\n\n[source]\nname = \"Our group\"\nurl = \"https://example.org/n\"\npublished = \"2026\"\n+++\n\nThe quetzal{round} note is about resting.\n"
            );
            let file = double.attachment(&format!("{id}.md"), "text/markdown", markdown.as_bytes());
            let import = support::as_member(
                double.slash_sub_with_attachment("article", "import", "file", file, json!([])),
                USER_ID,
                "sam",
                MODERATOR,
            );
            double.send_interaction(import.clone()).await.unwrap();
            let mut presses = Vec::new();
            for k in 0..2 {
                let press = support::as_member(
                    double.button(&helpful, answer.clone()),
                    5_000 + round * 2 + k,
                    "member",
                    PLAIN,
                );
                double.send_interaction(press.clone()).await.unwrap();
                presses.push(press);
                votes_sent += 1;
            }
            tokio::time::sleep(Duration::from_millis(next(400))).await;
            bot.signal(libc::SIGKILL);
            bot.finish(WAIT).await.expect("dies");
            let imported = edited_now(&double, &import)
                .is_some_and(|m| m["embeds"][0]["title"] == "Article imported");
            if imported {
                confirmed.push(id);
            }
            for p in &presses {
                if edited_now(&double, p).is_some_and(|m| {
                    m["content"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("Thank you"))
                }) {
                    votes_confirmed += 1;
                }
            }
        }
        println!(
            "crash: 52 kill -9s; {} of 50 imports and {votes_confirmed} of {votes_sent} votes were confirmed before their kill",
            confirmed.len()
        );
        assert!(!confirmed.is_empty(), "some writes completed between kills");

        // After the last restart: everything confirmed is there, nothing is half-written.
        let bot = start();
        assert!(
            bot.wait_output("registered", WAIT).await,
            "{}",
            bot.output()
        );
        let store = Store::open(&url).await.unwrap();
        let stored = store.articles(Some(GUILD_ID)).await.unwrap();
        for id in &confirmed {
            assert!(
                stored.iter().any(|a| &a.id == id),
                "{id} was confirmed but is lost"
            );
        }
        let lib = lexical_library();
        let today = chrono::Local::now().date_naive();
        for a in &stored {
            assert!(
                lib.validate_server_article(&a.markdown, today).is_ok(),
                "half-written: {}",
                a.id
            );
        }
        let counts = store.feedback(Some(GUILD_ID)).await.unwrap();
        let helpful_counts: Vec<u64> = counts.iter().map(|(_, c)| c.helpful).collect();
        assert_eq!(
            helpful_counts.len(),
            shown,
            "one count per article on the page"
        );
        for n in helpful_counts {
            assert!(
                n >= votes_confirmed && n <= votes_sent,
                "{n} votes counted; {votes_confirmed} confirmed, {votes_sent} sent"
            );
        }
        // The index healed and the restarted bot answers from the stored articles.
        if let Some(last) = stored.last() {
            let n = last.id.trim_start_matches("crash-note-");
            let reply = ask_through(&double, &format!("quetzal{n} note")).await;
            assert!(
                reply.to_string().contains(&format!("Crash note {n}")),
                "{reply}"
            );
        }
        bot.signal(libc::SIGTERM);
        bot.finish(WAIT).await.expect("stops");
        store.close().await;
        assert_eq!(double.spec_violations(), Vec::<String>::new());
        dbs.drop_all().await;
    };
    tokio::time::timeout(Duration::from_secs(400), test)
        .await
        .expect("the crash test finished within 400 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_resumes_when_it_may_and_identifies_again_when_it_must() {
    within(async {
        let bot = Bot::start_with(lexical_library()).await;
        assert_eq!(
            (bot.double.gateway_readies(), bot.double.gateway_resumes()),
            (1, 0)
        );

        // op 7 RECONNECT, then op 9 INVALID_SESSION resumable: the bot resumes; op 9 not
        // resumable: a fresh IDENTIFY. (READY count, RESUMED count) after each.
        for (frame, expected) in [
            (json!({"op": 7, "d": null}), (1, 1)),
            (json!({"op": 9, "d": true}), (1, 2)),
            (json!({"op": 9, "d": false}), (2, 2)),
        ] {
            bot.double.gateway_frame(frame.clone()).await.unwrap();
            bot.double
                .wait_sessions(expected.0, expected.1, WAIT)
                .await
                .unwrap();
            let seen = (bot.double.gateway_readies(), bot.double.gateway_resumes());
            assert_eq!(seen, expected, "after {frame}");
            bot.ask("what is pacing").await;
        }
        let (_, _, answer) = bot.ask("what is pacing").await;
        assert!(!cited_titles(&answer).is_empty());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closes_4004_and_4014_end_the_bot_with_an_error_instead_of_retrying() {
    within(async {
        for (code, reason) in [
            (4004, "Authentication failed."),
            (4014, "Disallowed intent(s)."),
        ] {
            let double = DiscordDouble::start().await;
            let config = Bot::config(&double, Duration::ZERO);
            let bot = Bot::run(double, config, lexical_library()).await;
            bot.wait_started().await;
            bot.double.close_gateway(code, reason).await;
            let result = tokio::time::timeout(WAIT, bot.task)
                .await
                .expect("the bot stops instead of reconnecting forever")
                .unwrap();
            let err = result.expect_err("a fatal close is an error");
            assert!(err.to_string().contains("Discord"), "{err}");
            assert_eq!(
                bot.double.gateway_readies(),
                1,
                "no second IDENTIFY after {code}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interaction_tokens_expire_after_15_minutes_and_the_bot_never_uses_an_old_one() {
    within(async {
        let bot = Bot::start_with(lexical_library()).await;
        let (ask, _, answer) = bot.ask("what is pacing").await;
        // Sixteen minutes later (the double's simulated clock).
        bot.double.advance(Duration::from_secs(16 * 60));
        // The asker's "More results" answers through the press's own, fresh token.
        let (press, cb) = bot.press(&button(&answer, "More results"), &answer).await;
        assert_eq!(callback_type(&cb), 6);
        bot.edit_of(&press, 1).await;
        let public = bot.double.original_message(&ask).unwrap();
        let title = public["embeds"][0]["title"].as_str().unwrap();
        assert!(title.contains("results 4-"), "{public}");
        assert_eq!(bot.double.interaction_problems(), Vec::<String>::new());
        // The /ask's own token no longer works, as on Discord, and the double reports its use.
        let path = format!(
            "/api/v10/webhooks/{APP_ID}/{}/messages/@original",
            ask["token"].as_str().unwrap()
        );
        let (status, body) = bot
            .double
            .raw_request("PATCH", &path, Some(&json!({"content": "late"})))
            .await
            .unwrap();
        assert_eq!(status, 401);
        assert_eq!(body.unwrap()["code"], 50027);
        let problems = bot.double.interaction_problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("15 minutes"), "{problems:?}");
        assert_eq!(bot.double.spec_violations(), Vec::<String>::new());
        bot.shut_down().await;
    })
    .await;
}

/// Discord's rate limits, met by serenity's real rate limiter: the bot reaches the double as
/// `discord.com` over TLS (the production path, no proxy), and the double answers 429s on a
/// schedule and announces bucket limits. No reply is lost, none is sent before Discord allows
/// it, and every interaction is still acknowledged within 3 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_obeyed_and_no_reply_is_lost() {
    within(async {
        let double = DiscordDouble::start().await;
        // Sequential phase: two edits of original responses per 1.5 s. The limiter must wait
        // for the reset it was told about instead of running into a 429.
        double.bucket_limit("/messages/@original", 2, Duration::from_millis(1500));
        let bot = Bot::start_on(double, lexical_library(), Duration::ZERO).await;
        let questions = [
            "pacing",
            "gut bacteria and fatigue",
            "post exertional malaise",
            "fibromyalgia sleep",
            "low fodmap diet",
            "what is fmt",
        ];
        for q in questions {
            let (_, _, msg) = bot.ask(q).await;
            assert!(!fields(&msg).is_empty(), "{q}: {msg}");
        }
        assert_eq!(
            bot.double.rate_limited(),
            Vec::<String>::new(),
            "the limiter waited for each announced reset instead of running into a 429"
        );
        let edits = |double: &DiscordDouble| {
            double
                .requests()
                .into_iter()
                .filter(|r| r.method == "PATCH" && r.path.ends_with("/messages/@original"))
                .count()
        };
        assert_eq!(edits(&bot.double), questions.len());

        // Concurrent phase: every 4th callback and every 3rd edit is refused for a second, while
        // 12 members ask at once and one presses buttons.
        bot.double.clear_rate_limits();
        bot.double
            .rate_limit_every("POST", "/callback", 4, Duration::from_secs(1));
        bot.double
            .rate_limit_every("PATCH", "/messages/@original", 3, Duration::from_secs(1));
        let (_, _, first) = bot.ask("gut bacteria and fatigue").await;
        let mut asks = Vec::new();
        for n in 0..12 {
            let i = bot.double.slash(
                "ask",
                json!([{"name": "question", "type": 3, "value": questions[n % questions.len()]}]),
            );
            bot.double.send_interaction(i.clone()).await.unwrap();
            asks.push(i);
        }
        let (vote, _) = bot.press(&button(&first, "Helpful"), &first).await;
        let (more, _) = bot.press(&button(&first, "More results"), &first).await;
        for i in &asks {
            let cb = bot.double.wait_callback(i, WAIT).await.unwrap();
            assert_eq!(callback_type(&cb), 5);
            let (_, msg) = bot.edit_of(i, 1).await;
            assert!(!fields(&msg).is_empty(), "{msg}");
        }
        let (_, reply) = bot.edit_of(&vote, 1).await;
        assert!(reply["content"].as_str().unwrap().starts_with("Thank you!"));
        let (_, page) = bot.edit_of(&more, 1).await;
        assert!(fields(&page)[0].0.starts_with("4. "), "{page}");

        let limited = bot.double.rate_limited();
        let callbacks = limited.iter().filter(|l| l.ends_with("/callback")).count();
        let edits_limited = limited.iter().filter(|l| l.ends_with("@original")).count();
        assert!(callbacks >= 3, "the schedule refused callbacks: {limited:?}");
        assert!(edits_limited >= 4, "the schedule refused edits: {limited:?}");
        eprintln!(
            "rate limits: {} requests answered 429 ({callbacks} callbacks, {edits_limited} edits), none early, none lost",
            limited.len()
        );
        bot.stop().await;
    })
    .await;
}
