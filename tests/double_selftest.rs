//! Self-test of the Discord test double in `tests/support`: a real serenity 0.12.5 client and a
//! poise 0.7.1 framework run against it, and the OpenAPI validation is shown to accept what
//! serenity sends and to reject deliberately broken bodies. If these fail, fix the double
//! before trusting any other integration test.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use serenity::all::{
    AutocompleteChoice, ButtonStyle, CommandOptionType, Context, CreateActionRow, CreateAttachment,
    CreateAutocompleteResponse, CreateButton, CreateCommand, CreateCommandOption, CreateEmbed,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    EventHandler, GatewayIntents, GuildId, Interaction, Ready,
};
use serenity::async_trait;
use serenity::http::HttpBuilder;
use support::{DiscordDouble, APP_ID, CHANNEL_ID, GUILD_ID, TOKEN};

const WAIT: Duration = Duration::from_secs(10);

/// A minimal bot: registers `/ask` in the guild on READY and answers it with a message, an
/// embed and a button, plus a follow-up carrying a file; the button updates the message.
struct Bot {
    errors: Arc<Mutex<Vec<String>>>,
}

impl Bot {
    fn fail(&self, what: &str, e: impl std::fmt::Display) {
        self.errors.lock().unwrap().push(format!("{what}: {e}"));
    }
}

#[async_trait]
impl EventHandler for Bot {
    async fn ready(&self, ctx: Context, _ready: Ready) {
        let ask = CreateCommand::new("ask")
            .description("Ask the library a question")
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "question", "What to ask")
                    .required(true)
                    .max_length(300),
            );
        if let Err(e) = GuildId::new(GUILD_ID)
            .set_commands(&ctx.http, vec![ask])
            .await
        {
            self.fail("register", e);
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(cmd) if cmd.data.name == "ask" => {
                let question = cmd
                    .data
                    .options
                    .first()
                    .and_then(|o| o.value.as_str())
                    .unwrap_or_default()
                    .to_string();
                let embed = CreateEmbed::new()
                    .title("Sources")
                    .description("From the curated library.")
                    .field("Leaflet", "page 3", false);
                let button = CreateButton::new("more")
                    .label("More")
                    .style(ButtonStyle::Secondary);
                let reply = CreateInteractionResponseMessage::new()
                    .content(format!("You asked: {question}"))
                    .embed(embed)
                    .components(vec![CreateActionRow::Buttons(vec![button])]);
                if let Err(e) = cmd
                    .create_response(&ctx.http, CreateInteractionResponse::Message(reply))
                    .await
                {
                    return self.fail("respond", e);
                }
                let followup = CreateInteractionResponseFollowup::new()
                    .content("Full text attached.")
                    .add_file(CreateAttachment::bytes(b"hello".to_vec(), "answer.txt"));
                if let Err(e) = cmd.create_followup(&ctx.http, followup).await {
                    self.fail("followup", e);
                }
            }
            Interaction::Component(press) if press.data.custom_id == "more" => {
                let update = CreateInteractionResponseMessage::new().content("More, as asked.");
                if let Err(e) = press
                    .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
                    .await
                {
                    self.fail("update", e);
                }
            }
            other => self.fail("unexpected interaction", format!("{:?}", other.kind())),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_client_runs_against_the_double() {
    let double = DiscordDouble::start().await;
    let http = HttpBuilder::new(TOKEN)
        .proxy(double.proxy_url())
        .ratelimiter_disabled(true)
        .build();
    let errors = Arc::new(Mutex::new(Vec::new()));
    let mut client = serenity::client::ClientBuilder::new_with_http(http, GatewayIntents::GUILDS)
        .event_handler(Bot {
            errors: errors.clone(),
        })
        .await
        .expect("client builds");
    let shards = client.shard_manager.clone();
    let running = tokio::spawn(async move { client.start().await });

    double.wait_ready(WAIT).await.expect("READY");
    let identify = double
        .gateway_received()
        .into_iter()
        .find(|p| p["op"] == 2)
        .expect("IDENTIFY recorded");
    assert_eq!(identify["d"]["token"], json!(format!("Bot {TOKEN}")));

    // Command registration: recorded, answered, and valid against the spec.
    let registration_path = format!("/api/v10/applications/{APP_ID}/guilds/{GUILD_ID}/commands");
    let reg = double
        .wait_request(|r| r.method == "PUT" && r.path == registration_path, WAIT)
        .await
        .expect("guild command registration");
    assert_eq!(reg.status, 200);
    assert_eq!(reg.auth.as_deref(), Some(format!("Bot {TOKEN}").as_str()));
    let body = reg.body.as_ref().expect("registration body");
    assert_eq!(body[0]["name"], "ask");
    assert_eq!(body[0]["options"][0]["name"], "question");
    let registered_id = reg.response.as_ref().unwrap()[0]["id"].clone();
    assert!(registered_id.is_string());

    // A slash command gets a callback with the expected content and embed.
    let ask = double.slash(
        "ask",
        json!([{"name": "question", "type": 3, "value": "what helps with fatigue?"}]),
    );
    assert_eq!(
        ask["data"]["id"], registered_id,
        "slash() uses the registered id"
    );
    double
        .send_interaction(ask.clone())
        .await
        .expect("dispatch /ask");
    let cb = double.wait_callback(&ask, WAIT).await.expect("callback");
    assert_eq!(cb.status, 204);
    let cb_body = cb.body.as_ref().unwrap();
    assert_eq!(cb_body["type"], 4);
    assert_eq!(
        cb_body["data"]["content"],
        "You asked: what helps with fatigue?"
    );
    assert_eq!(cb_body["data"]["embeds"][0]["title"], "Sources");
    assert_eq!(cb_body["data"]["embeds"][0]["fields"][0]["value"], "page 3");

    // The answer as a message object, usable for a later button press.
    let message = double.message_for(&cb);
    assert_eq!(message["content"], "You asked: what helps with fatigue?");
    assert_eq!(message["channel_id"], CHANNEL_ID.to_string());
    assert_eq!(
        message["components"][0]["components"][0]["custom_id"],
        "more"
    );
    assert_eq!(double.original_message(&ask).unwrap()["id"], message["id"]);

    // The follow-up went as multipart with a payload_json part and a file.
    let followup_path = format!(
        "/api/v10/webhooks/{APP_ID}/{}",
        ask["token"].as_str().unwrap()
    );
    let fu = double
        .wait_request(|r| r.method == "POST" && r.path == followup_path, WAIT)
        .await
        .expect("follow-up");
    assert_eq!(fu.status, 200, "follow-up answered: {:?}", fu.response);
    assert_eq!(fu.body.as_ref().unwrap()["content"], "Full text attached.");
    assert_eq!(fu.files.len(), 1);
    assert_eq!(fu.files[0].data, b"hello");
    let attachment = &double.message_for(&fu)["attachments"][0];
    assert_eq!(attachment["filename"], "answer.txt");
    let url = attachment["url"].as_str().unwrap();
    assert!(url.starts_with(&double.proxy_url()), "{url}");
    let (status, _) = double
        .raw_request("GET", url.trim_start_matches(&double.proxy_url()), None)
        .await
        .unwrap();
    assert_eq!(status, 200);

    // A button press on that message updates it (callback type 7).
    let press = double.button("more", message.clone());
    double
        .send_interaction(press.clone())
        .await
        .expect("dispatch button");
    let upd = double
        .wait_callback(&press, WAIT)
        .await
        .expect("button callback");
    assert_eq!(upd.body.as_ref().unwrap()["type"], 7);
    let updated = double.message_for(&upd);
    assert_eq!(updated["id"], message["id"]);
    assert_eq!(updated["content"], "More, as asked.");

    // Drop the WebSocket: the client reconnects (resume) and still answers.
    assert_eq!(double.gateway_connections(), 1);
    double.drop_gateway().await;
    double
        .wait_connections(2, WAIT)
        .await
        .expect("the client reconnects");
    let again = double.slash(
        "ask",
        json!([{"name": "question", "type": 3, "value": "and after a reconnect?"}]),
    );
    double
        .send_interaction(again.clone())
        .await
        .expect("dispatch after reconnect");
    let cb2 = double
        .wait_callback(&again, WAIT)
        .await
        .expect("callback after reconnect");
    assert_eq!(
        cb2.body.as_ref().unwrap()["data"]["content"],
        "You asked: and after a reconnect?"
    );
    assert_eq!(double.gateway_connections(), 2);

    // It was a RESUME of the same session, carrying the last sequence number it had seen
    // (READY, GUILD_CREATE and two interactions: at least 4).
    let resume = double
        .gateway_received()
        .into_iter()
        .find(|p| p["op"] == 6)
        .expect("RESUME sent");
    assert!(resume["d"]["seq"].as_u64().unwrap() >= 4, "{resume}");
    assert_eq!(double.gateway_resumes(), 1);

    assert_eq!(double.spec_violations(), Vec::<String>::new());
    assert_eq!(double.protocol_errors(), Vec::<String>::new());
    assert_eq!(*errors.lock().unwrap(), Vec::<String>::new());

    shards.shutdown_all().await;
    let _ = tokio::time::timeout(WAIT, running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_rejects_bad_bodies_and_accepts_good_ones() {
    let double = DiscordDouble::start().await;

    // A valid callback body for an interaction the double never dispatched: no spec
    // violation (Discord would answer 10062 Unknown interaction).
    let (status, answer) = double
        .raw_request(
            "POST",
            "/api/v10/interactions/123/tok/callback",
            Some(&json!({"type": 4, "data": {"content": "hi", "embeds": [{"title": "t"}]}})),
        )
        .await
        .unwrap();
    assert_eq!(status, 404);
    assert_eq!(answer.unwrap()["code"], 10062);
    assert_eq!(double.spec_violations(), Vec::<String>::new());

    // `"type": "banana"` breaks the callback schema: 400 Invalid Form Body + a violation.
    let (status, answer) = double
        .raw_request(
            "POST",
            "/api/v10/interactions/123/tok/callback",
            Some(&json!({"type": "banana"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert_eq!(answer.unwrap()["code"], 50035);
    let v = double.spec_violations();
    assert!(!v.is_empty(), "banana accepted");
    assert!(
        v.iter()
            .all(|l| l.contains("/interactions/123/tok/callback")),
        "{v:#?}"
    );
    assert!(v.iter().any(|l| l.contains("/type")), "{v:#?}");

    // An embed field whose value is an object, in a follow-up.
    let before = double.spec_violations().len();
    let (status, _) = double
        .raw_request(
            "POST",
            &format!("/api/v10/webhooks/{APP_ID}/tok"),
            Some(&json!({"embeds": [{"fields": [{"name": "n", "value": {"not": "a string"}}]}]})),
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    let v = double.spec_violations();
    assert!(v.len() > before, "object field value accepted");
    assert!(
        v[before..]
            .iter()
            .any(|l| l.contains("/embeds/0/fields/0/value")),
        "{v:#?}"
    );

    // Limits from the schema: content over 2000 characters.
    let before = double.spec_violations().len();
    let (status, _) = double
        .raw_request(
            "POST",
            "/api/v10/interactions/123/tok/callback",
            Some(&json!({"type": 4, "data": {"content": "x".repeat(2001)}})),
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(
        double.spec_violations().len() > before,
        "2001-char content accepted"
    );

    // A path the spec does not have, and a method it does not have on a known path.
    let before = double.spec_violations().len();
    let (status, _) = double
        .raw_request("GET", "/api/v10/definitely/not/a/route", None)
        .await
        .unwrap();
    assert_eq!(status, 404);
    let (_, _) = double
        .raw_request("DELETE", "/api/v10/gateway", None)
        .await
        .unwrap();
    let v = double.spec_violations();
    assert_eq!(v.len(), before + 2, "{v:#?}");
    assert!(v[before].contains("no such path"), "{v:#?}");
    assert!(v[before + 1].contains("no DELETE operation"), "{v:#?}");

    // The validator on its own: a command registration with a 33-character name.
    let spec = support::spec();
    let path = format!("/applications/{APP_ID}/guilds/{GUILD_ID}/commands");
    let good = json!([{"name": "ask", "description": "d", "type": 1}]);
    let bad = json!([{"name": "a".repeat(33), "description": "d", "type": 1}]);
    assert!(spec
        .check("PUT", &path, None, Some(&good))
        .violations
        .is_empty());
    let report = spec.check("PUT", &path, None, Some(&bad));
    assert!(report.body_invalid, "{:#?}", report.violations);
}

// ------------------------------------------------------------------ poise

struct Data;
type PoiseError = Box<dyn std::error::Error + Send + Sync>;
type Ctx<'a> = poise::Context<'a, Data, PoiseError>;

/// Replies pong.
#[poise::command(slash_command)]
async fn ping(ctx: Ctx<'_>) -> Result<(), PoiseError> {
    ctx.say("pong").await?;
    Ok(())
}

/// Library articles.
#[poise::command(slash_command, subcommands("show"))]
async fn article(_ctx: Ctx<'_>) -> Result<(), PoiseError> {
    Ok(())
}

async fn article_ids(_ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    let choices = ["fatigue-101", "sleep-basics"]
        .into_iter()
        .filter(|id| id.starts_with(partial))
        .map(|id| AutocompleteChoice::new(id, id))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// Show one article.
#[poise::command(slash_command)]
async fn show(
    ctx: Ctx<'_>,
    #[description = "Article id"]
    #[autocomplete = "article_ids"]
    id: String,
) -> Result<(), PoiseError> {
    ctx.defer().await?;
    ctx.say(format!("Article {id}")).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poise_framework_starts_and_answers() {
    let double = DiscordDouble::start().await;
    let http = HttpBuilder::new(TOKEN)
        .proxy(double.proxy_url())
        .ratelimiter_disabled(true)
        .build();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: vec![ping(), article()],
            ..Default::default()
        })
        .setup(|ctx, _ready, framework| {
            Box::pin(async move {
                poise::builtins::register_in_guild(
                    ctx,
                    &framework.options().commands,
                    GuildId::new(GUILD_ID),
                )
                .await?;
                Ok(Data)
            })
        })
        .build();
    let mut client = serenity::client::ClientBuilder::new_with_http(http, GatewayIntents::GUILDS)
        .framework(framework)
        .await
        .expect("client builds");
    let shards = client.shard_manager.clone();
    let running = tokio::spawn(async move { client.start().await });

    double.wait_ready(WAIT).await.expect("READY");
    double
        .wait_request(
            |r| r.method == "GET" && r.path == "/api/v10/oauth2/applications/@me",
            WAIT,
        )
        .await
        .expect("poise asks for the application owners");
    let reg = double
        .wait_request(|r| r.method == "PUT" && r.path.ends_with("/commands"), WAIT)
        .await
        .expect("poise registers its commands");
    assert_eq!(reg.status, 200, "{:?}", reg.response);

    // A plain slash command.
    let ping = double.slash("ping", json!([]));
    double
        .send_interaction(ping.clone())
        .await
        .expect("dispatch /ping");
    let cb = double
        .wait_callback(&ping, WAIT)
        .await
        .expect("poise answers");
    assert_eq!(cb.body.as_ref().unwrap()["data"]["content"], "pong");

    // Autocomplete inside a subcommand: callback type 8 with the matching choices.
    let typing = double.autocomplete_sub(
        "article",
        "show",
        json!([{"name": "id", "type": 3, "value": "fat", "focused": true}]),
    );
    double
        .send_interaction(typing.clone())
        .await
        .expect("dispatch autocomplete");
    let ac = double
        .wait_callback(&typing, WAIT)
        .await
        .expect("autocomplete answered");
    let ac_body = ac.body.as_ref().unwrap();
    assert_eq!(ac_body["type"], 8);
    assert_eq!(
        ac_body["data"]["choices"],
        json!([{"name": "fatigue-101", "value": "fatigue-101"}])
    );

    // The subcommand itself: deferred (type 5), then a follow-up with the answer.
    let show = double.slash_sub(
        "article",
        "show",
        json!([{"name": "id", "type": 3, "value": "fatigue-101"}]),
    );
    double
        .send_interaction(show.clone())
        .await
        .expect("dispatch /article show");
    let deferred = double.wait_callback(&show, WAIT).await.expect("deferred");
    assert_eq!(deferred.body.as_ref().unwrap()["type"], 5);
    let token = show["token"].as_str().unwrap().to_string();
    double
        .wait_request(
            |r| r.method == "POST" && r.path.ends_with(&token) && r.status == 200,
            WAIT,
        )
        .await
        .expect("follow-up after defer");
    assert_eq!(double.followups(&show)[0]["content"], "Article fatigue-101");

    assert_eq!(double.spec_violations(), Vec::<String>::new());
    assert_eq!(double.protocol_errors(), Vec::<String>::new());
    shards.shutdown_all().await;
    let _ = tokio::time::timeout(WAIT, running).await;
}

/// A client like the bot's: `discord.com` resolves to the double's TLS port, and only the test
/// authority is trusted.
fn tls_client(double: &DiscordDouble) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .resolve("discord.com", double.tls_addr())
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(double.ca_pem().as_bytes()).unwrap())
        .build()
        .unwrap()
}

/// The double serves `https://discord.com` with a certificate made at test time: a client that
/// trusts the test authority gets through, one with the usual roots does not.
#[tokio::test]
async fn the_double_serves_discord_com_over_tls_to_clients_trusting_its_ca() {
    let double = DiscordDouble::start().await;
    let ok = tls_client(&double)
        .get("https://discord.com/api/v10/gateway")
        .header("Authorization", format!("Bot {TOKEN}"))
        .send()
        .await
        .expect("TLS to the double");
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert!(body["url"].as_str().unwrap().starts_with("ws://127.0.0.1:"));

    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .resolve("discord.com", double.tls_addr())
        .build()
        .unwrap();
    let refused = untrusting
        .get("https://discord.com/api/v10/gateway")
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a certificate from the test CA is not trusted by default"
    );
}

/// The rate-limit checks can fail: a client that ignores `retry_after` and sends the same
/// request again at once is caught, and so is a new request on the bucket after the 429.
#[tokio::test]
async fn a_client_that_ignores_retry_after_is_caught_sending_early() {
    let double = DiscordDouble::start().await;
    double.rate_limit_every("PATCH", "/messages/@original", 1, Duration::from_secs(2));
    let client = tls_client(&double);
    let url = format!("https://discord.com/api/v10/webhooks/{APP_ID}/itok-1-x/messages/@original");
    let first = client
        .patch(&url)
        .json(&json!({"content": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "2");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "0");
    let body: serde_json::Value = first.json().await.unwrap();
    assert_eq!(body["retry_after"], 2.0);
    assert_eq!(body["global"], false);
    assert!(double.protocol_errors().is_empty());

    // The same request again at once: early.
    let again = client
        .patch(&url)
        .json(&json!({"content": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 429);
    let errors = double.protocol_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("before its retry_after ended"),
        "{errors:?}"
    );

    // Another interaction's edit on the same bucket, well after the 429: early too.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let other =
        format!("https://discord.com/api/v10/webhooks/{APP_ID}/itok-2-y/messages/@original");
    let r = client
        .patch(&other)
        .json(&json!({"content": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let errors = double.protocol_errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[1].contains("after the bot was told"), "{errors:?}");
    assert_eq!(double.rate_limited().len(), 3);
}
