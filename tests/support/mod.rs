//! A local Discord for integration tests: `DiscordDouble` serves the REST API under `/api/v10`
//! and the gateway WebSocket on a 127.0.0.1 port, and the same REST API over TLS as
//! `discord.com` on another (`tls`), so the real serenity/poise code runs against it unchanged:
//! the bot is given `double.endpoint()` and takes the production path, rate limiter included.
//! Simple clients in the self-test may still use the plain port
//! (`HttpBuilder::new(TOKEN).proxy(double.proxy_url()).ratelimiter_disabled(true)`).
//!
//! This file owns the public test API: starting the double, building interaction payloads
//! (`slash`, `slash_sub`, `autocomplete`, `button`, ...), dispatching them, and inspecting what
//! the bot did (`requests`, `wait_request`, `spec_violations`, `protocol_errors`,
//! `message_for`, ...). Submodules: `fixtures` (ids and JSON shapes), `spec` (validation against
//! Discord's OpenAPI spec), `rest` (HTTP routes), `gateway` (WebSocket sessions), `state`
//! (the shared record). Every wait takes a timeout and fails with a diagnostic, never hangs.
//!
//! Typical use (see tests/double_selftest.rs for complete, working examples):
//!
//! ```text
//! let double = DiscordDouble::start().await;
//! let http = HttpBuilder::new(TOKEN).proxy(double.proxy_url()).ratelimiter_disabled(true).build();
//! // ... ClientBuilder::new_with_http(http, intents) ... ; tokio::spawn(client.start())
//! double.wait_ready(WAIT).await?;
//! let ask = double.slash("ask", json!([{"name": "question", "type": 3, "value": "..."}]));
//! double.send_interaction(ask.clone()).await?;
//! let cb = double.wait_callback(&ask, WAIT).await?;       // POST .../callback, as Recorded
//! assert!(double.spec_violations().is_empty() && double.protocol_errors().is_empty());
//! ```
//!
//! Handlers run concurrently: assert on the recorded traffic, not on the order of handlers.
#![allow(dead_code, unused_imports)]

mod fixtures;
mod gateway;
mod process;
mod ratelimit;
mod rest;
mod spec;
mod state;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::task::JoinHandle;

pub use fixtures::{
    APP_ID, BOT_NAME, BOT_USER_ID, CHANNEL_ID, GUILD_ID, MEMBER_PERMISSIONS, MOD_CHANNEL_ID,
    OWNER_ID, TOKEN, USER_ID, USER_NAME,
};
pub use process::Running;
pub use spec::{spec, spec_path, Report, Spec};
pub use state::{Recorded, Upload};

use state::{Outbound, Shared};

/// How long `send_interaction` waits for a live gateway session (e.g. during a reconnect).
const SESSION_WAIT: Duration = Duration::from_secs(10);

/// The Discord test double. Dropping it stops accepting connections.
pub struct DiscordDouble {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
    /// The same routes over TLS, as `discord.com` (see `tls`).
    tls_server: JoinHandle<()>,
    tls_addr: std::net::SocketAddr,
    ca_pem: String,
}

impl Drop for DiscordDouble {
    fn drop(&mut self) {
        self.server.abort();
        self.tls_server.abort();
    }
}

impl DiscordDouble {
    /// Bind 127.0.0.1:0 and serve REST (under `/api/v10`) and the gateway (`ws://…/`).
    /// Loads and compiles the OpenAPI spec first (once per process); panics if it is missing.
    pub async fn start() -> DiscordDouble {
        if let Err(e) = tokio::task::spawn_blocking(|| spec::spec().warm_up()).await {
            std::panic::resume_unwind(e.into_panic());
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared::new(port));
        let app = Router::new()
            .route("/", get(gateway::upgrade))
            .fallback(rest::handle)
            .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(shared.clone());
        let tls_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind 127.0.0.1:0");
        let tls_addr = tls_listener.local_addr().expect("local addr");
        let ca = tls::TestCa::new();
        let tls_server = ca.serve(tls_listener, app.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        DiscordDouble {
            shared,
            server,
            tls_server,
            tls_addr,
            ca_pem: ca.ca_pem,
        }
    }

    /// Where the bot finds this double as `discord.com` over TLS, trusting only its test
    /// authority: the production path (real URLs, serenity's rate limiter).
    pub fn endpoint(&self) -> cairn::discord::TestEndpoint {
        cairn::discord::TestEndpoint {
            addr: self.tls_addr,
            ca_pem: self.ca_pem.clone().into_bytes(),
        }
    }

    /// The test certificate authority (PEM) that signed the double's `discord.com` certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The TLS listener's address (`discord.com` resolves there in the bot's client).
    pub fn tls_addr(&self) -> std::net::SocketAddr {
        self.tls_addr
    }

    /// Answer every `every`-th `method` request whose path (after `/api/v10`) contains
    /// `path_part` with a 429 and `retry_after`, as Discord does. A request the bot sends before
    /// it was allowed to is a protocol error (see `ratelimit`).
    pub fn rate_limit_every(
        &self,
        method: &str,
        path_part: &str,
        every: usize,
        retry_after: Duration,
    ) {
        self.shared
            .lock()
            .limits
            .every(method, path_part, every, retry_after);
    }

    /// Allow `limit` requests per `window` on each bucket whose path contains `path_part`,
    /// announced in the `X-RateLimit-*` headers of every answer.
    pub fn bucket_limit(&self, path_part: &str, limit: u32, window: Duration) {
        self.shared.lock().limits.bucket(path_part, limit, window);
    }

    /// Removes every rate limit and forgets the requests answered 429.
    pub fn clear_rate_limits(&self) {
        self.shared.lock().limits.clear();
    }

    /// Every request answered 429 so far, as `METHOD path`.
    pub fn rate_limited(&self) -> Vec<String> {
        self.shared.lock().limits.limited.clone()
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn proxy_url(&self) -> String {
        self.shared.base_url()
    }

    /// `ws://127.0.0.1:PORT/`, the gateway URL the double hands out.
    pub fn gateway_url(&self) -> String {
        self.shared.ws_url()
    }

    /// Wait until a bot has identified and READY + GUILD_CREATE are queued on a live connection.
    pub async fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        self.shared
            .wait_for(timeout, |st| {
                (st.gateway.readies > 0 && st.gateway.any_live()).then_some(())
            })
            .await
            .ok_or_else(|| self.timeout_error("READY (IDENTIFY received)", timeout))
    }

    /// Dispatch INTERACTION_CREATE with `d` (as built by `slash`, `button`, ...). Waits up to
    /// 10 s for a live session (e.g. while the bot reconnects). Fails without sending if the
    /// frame would not deserialise as serenity's `GatewayEvent`.
    pub async fn send_interaction(&self, d: Value) -> anyhow::Result<()> {
        gateway::encode(&fixtures::dispatch(1, "INTERACTION_CREATE", d.clone()))
            .map_err(|e| anyhow!(e))?;
        anyhow::ensure!(
            d["token"].is_string() && d["id"].is_string(),
            "an interaction needs string `id` and `token`"
        );
        self.wait_live().await?;
        let mut st = self.shared.lock();
        rest::register_interaction(&mut st, &d);
        if let Err(e) = gateway::dispatch(&mut st, "INTERACTION_CREATE", d.clone()) {
            st.interactions
                .remove(d["token"].as_str().unwrap_or_default());
            return Err(anyhow!(e));
        }
        Ok(())
    }

    /// Dispatch any gateway event (`t`, `d`) on the live session, e.g. MESSAGE_CREATE.
    pub async fn send_event(&self, t: &str, d: Value) -> anyhow::Result<()> {
        self.wait_live().await?;
        let result = gateway::dispatch(&mut self.shared.lock(), t, d);
        result.map(|_| ()).map_err(|e| anyhow!(e))
    }

    async fn wait_live(&self) -> anyhow::Result<()> {
        self.shared
            .wait_for(SESSION_WAIT, |st| st.gateway.any_live().then_some(()))
            .await
            .ok_or_else(|| self.timeout_error("a live gateway session", SESSION_WAIT))
    }

    /// A guild slash-command interaction (type 2) for `/name` with `options`
    /// (e.g. `[{"name":"question","type":3,"value":"..."}]`); fresh id and token each call.
    pub fn slash(&self, name: &str, options: Value) -> Value {
        self.command_interaction(2, name, options)
    }

    /// `/name sub ...`: the options wrapped in a subcommand option (type 1).
    pub fn slash_sub(&self, name: &str, sub: &str, options: Value) -> Value {
        self.slash(name, subcommand(sub, options))
    }

    /// A file a member attached to a command: stored by the double and served at its
    /// `/attachments/` URL, as Discord's CDN serves attachments. Returns the attachment object
    /// for `resolved.attachments`.
    pub fn attachment(&self, filename: &str, content_type: &str, bytes: &[u8]) -> Value {
        let id = self.shared.next_id();
        let url = format!("{}/attachments/{id}/{filename}", self.shared.base_url());
        self.shared.lock().uploads.insert(
            id,
            (
                filename.to_string(),
                content_type.to_string(),
                bytes.to_vec(),
            ),
        );
        json!({
            "id": id.to_string(),
            "filename": filename,
            "size": bytes.len(),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        })
    }

    /// `/name sub` with an attachment option (type 11) named `option` and further `options`;
    /// the attachment goes in `data.resolved.attachments`, as Discord sends it.
    pub fn slash_sub_with_attachment(
        &self,
        name: &str,
        sub: &str,
        option: &str,
        attachment: Value,
        options: Value,
    ) -> Value {
        let id = attachment["id"].clone();
        let mut opts = options.as_array().cloned().unwrap_or_default();
        opts.push(json!({"name": option, "type": 11, "value": id}));
        let mut i = self.slash_sub(name, sub, json!(opts));
        let key = id.as_str().unwrap_or_default().to_string();
        i["data"]["resolved"] = json!({ "attachments": { key: attachment } });
        i
    }

    /// An autocomplete interaction (type 4); mark the option being typed `"focused": true`.
    pub fn autocomplete(&self, name: &str, options: Value) -> Value {
        self.command_interaction(4, name, options)
    }

    /// Autocomplete inside a subcommand.
    pub fn autocomplete_sub(&self, name: &str, sub: &str, options: Value) -> Value {
        self.autocomplete(name, subcommand(sub, options))
    }

    /// A button press (type 3) on `message` (a full message object, e.g. from `message_for`).
    pub fn button(&self, custom_id: &str, message: Value) -> Value {
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.component_interaction(data, message)
    }

    /// A string-select choice (type 3, component_type 3) on `message`.
    pub fn select(&self, custom_id: &str, values: &[&str], message: Value) -> Value {
        let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
        self.component_interaction(data, message)
    }

    /// A modal submission (type 5) with text inputs `(custom_id, value)`.
    pub fn modal_submit(&self, custom_id: &str, inputs: &[(&str, &str)]) -> Value {
        let rows: Vec<Value> = inputs
            .iter()
            .map(|(id, value)| {
                json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]})
            })
            .collect();
        let (id, token) = self.fresh_interaction_id();
        let data = json!({"custom_id": custom_id, "components": rows});
        fixtures::interaction_base(id, &token, 5, data)
    }

    fn fresh_interaction_id(&self) -> (u64, String) {
        let id = self.shared.next_id();
        (id, format!("itok-{id}-aW50ZXJhY3Rpb24"))
    }

    fn command_interaction(&self, kind: u8, name: &str, options: Value) -> Value {
        let (id, token) = self.fresh_interaction_id();
        let registered = {
            let st = self.shared.lock();
            st.guild_commands
                .iter()
                .chain(&st.global_commands)
                .find(|c| c["name"] == name)
                .and_then(|c| c["id"].as_str().map(str::to_string))
        };
        let command_id = registered.unwrap_or_else(|| self.shared.next_id().to_string());
        let options = if options.is_null() {
            json!([])
        } else {
            options
        };
        let data = json!({
            "id": command_id,
            "name": name,
            "type": 1,
            "options": options,
            "guild_id": GUILD_ID.to_string(),
        });
        fixtures::interaction_base(id, &token, kind, data)
    }

    fn component_interaction(&self, data: Value, message: Value) -> Value {
        let (id, token) = self.fresh_interaction_id();
        let mut i = fixtures::interaction_base(id, &token, 3, data);
        i["message"] = message;
        i
    }

    /// Make the next `method` request whose path (after `/api/v10`) contains `path_part` fail
    /// with `status` (Discord's error JSON), as a Discord outage would. Once per call.
    pub fn fail_next(&self, method: &str, path_part: &str, status: u16) {
        self.shared
            .lock()
            .faults
            .push((method.to_string(), path_part.to_string(), status));
    }

    /// The real `cairn serve` binary (`bin`), set up to talk to this double with the library in
    /// `corpus` and its index and data under `dir`, logging at `log`, both pipes captured, lexical
    /// search only.
    /// Callers add their own settings and spawn it.
    pub fn cairn_serve(
        &self,
        bin: &str,
        corpus: &std::path::Path,
        dir: &std::path::Path,
        log: &str,
    ) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(bin);
        cmd.current_dir(dir)
            .arg("--corpus")
            .arg(corpus)
            .arg("--index")
            .arg(dir.join("index"))
            .arg("serve")
            .env("DISCORD_TOKEN", TOKEN)
            .env("DISCORD_GUILD_ID", GUILD_ID.to_string())
            .env("CAIRN_DISCORD_ADDR", self.tls_addr.to_string())
            .env("CAIRN_DISCORD_CA", self.ca_file(dir))
            .env("CAIRN_DATA", dir.join("data"))
            .env("CAIRN_LOG", log)
            // These tests are about the bot, not the optional encoder: keep start-up quick.
            .env_remove("CAIRN_MODEL")
            .env_remove("CAIRN_DATABASE_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Writes the test authority to `dir/discord-test-ca.pem` and returns the path.
    pub fn ca_file(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("discord-test-ca.pem");
        std::fs::write(&path, &self.ca_pem).expect("write the test CA");
        path
    }

    /// Every HTTP request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// The first recorded request (past or future) matching `pred`.
    pub async fn wait_request(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        self.shared
            .wait_for(timeout, |st| st.requests.iter().find(|r| pred(r)).cloned())
            .await
            .ok_or_else(|| self.timeout_error("a matching request", timeout))
    }

    /// The callback request (POST /interactions/{id}/{token}/callback) for `interaction`.
    pub async fn wait_callback(
        &self,
        interaction: &Value,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        let path = format!(
            "/api/v10/interactions/{}/{}/callback",
            interaction["id"].as_str().unwrap_or_default(),
            interaction["token"].as_str().unwrap_or_default()
        );
        self.wait_request(|r| r.method == "POST" && r.path == path, timeout)
            .await
            .with_context(|| format!("no callback for interaction {}", interaction["id"]))
    }

    /// Request-body spec violations and requests to paths/methods the spec does not have.
    pub fn spec_violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }

    /// Where the bot broke Discord's rules beyond the schema (unknown or twice-acknowledged
    /// interactions, wrong ids or token, embed total > 6000, routes the double lacks) and any
    /// answer of the double that serenity could not parse ("double bug: ...").
    pub fn protocol_errors(&self) -> Vec<String> {
        self.shared.lock().protocol_errors.clone()
    }

    /// Close the live WebSocket abruptly (no close frame), as a network drop would.
    pub async fn drop_gateway(&self) {
        {
            let mut st = self.shared.lock();
            for session in st.gateway.shards.values_mut() {
                if let Some((_, tx)) = session.current.take() {
                    let _ = tx.send(Outbound::Drop);
                }
                session.live = false;
            }
        }
        self.shared.notify();
        tokio::task::yield_now().await;
    }

    /// Waits until `n` shards have live sessions (a sharded bot, or several processes).
    pub async fn wait_shards(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        self.shared
            .wait_for(timeout, |st| (st.gateway.live_shards() >= n).then_some(()))
            .await
            .ok_or_else(|| self.timeout_error(&format!("{n} live shards"), timeout))
    }

    /// The `(shard, total)` of every IDENTIFY so far.
    pub fn identified_shards(&self) -> Vec<(u64, u64)> {
        self.shared.lock().gateway.identified_shards.clone()
    }

    /// Sends a raw gateway frame (op 7 RECONNECT, op 9 INVALID_SESSION, ...) on shard 0's live
    /// connection, as Discord does to ask a bot to reconnect or to drop its session.
    pub async fn gateway_frame(&self, frame: Value) -> anyhow::Result<()> {
        self.wait_live().await?;
        let text = gateway::encode(&frame).map_err(|e| anyhow!(e))?;
        let st = self.shared.lock();
        let session = st
            .gateway
            .shards
            .get(&0)
            .ok_or_else(|| anyhow!("no shard 0"))?;
        let (_, tx) = session
            .current
            .as_ref()
            .ok_or_else(|| anyhow!("no live connection"))?;
        tx.send(Outbound::Frame(text))
            .map_err(|_| anyhow!("the connection is closing"))
    }

    /// Closes shard 0's connection with a close code (4004 authentication failed, 4014
    /// disallowed intents, ...).
    pub async fn close_gateway(&self, code: u16, reason: &str) {
        {
            let st = self.shared.lock();
            if let Some((_, tx)) = st.gateway.shards.get(&0).and_then(|s| s.current.as_ref()) {
                let _ = tx.send(Outbound::Close(code, reason.to_string()));
            }
        }
        self.shared.notify();
        tokio::task::yield_now().await;
    }

    /// READY sent so far (one per IDENTIFY accepted).
    pub fn gateway_readies(&self) -> usize {
        self.shared.lock().gateway.readies
    }

    /// Waits until `readies` READYs and `resumes` RESUMEDs have been sent.
    pub async fn wait_sessions(
        &self,
        readies: usize,
        resumes: usize,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        self.shared
            .wait_for(timeout, |st| {
                (st.gateway.readies >= readies
                    && st.gateway.resumes >= resumes
                    && st.gateway.any_live())
                .then_some(())
            })
            .await
            .ok_or_else(|| {
                self.timeout_error(&format!("{readies} READY and {resumes} RESUMED"), timeout)
            })
    }

    /// WebSocket connections accepted so far.
    pub fn gateway_connections(&self) -> usize {
        self.shared.lock().gateway.connections
    }

    /// Wait until at least `n` WebSocket connections have been accepted.
    pub async fn wait_connections(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        self.shared
            .wait_for(timeout, |st| (st.gateway.connections >= n).then_some(()))
            .await
            .ok_or_else(|| self.timeout_error(&format!("{n} gateway connections"), timeout))
    }

    /// How many RESUMEs were accepted.
    pub fn gateway_resumes(&self) -> usize {
        self.shared.lock().gateway.resumes
    }

    /// How long the bot took to acknowledge an interaction, once it has (a cheap look-up, for
    /// load runs that cannot afford to scan the request log).
    pub fn ack_time(&self, interaction: &Value) -> Option<Duration> {
        let st = self.shared.lock();
        let ix = st.interactions.get(interaction["token"].as_str()?)?;
        Some(ix.acked_at?.duration_since(ix.dispatched))
    }

    /// The `intents` of every IDENTIFY so far.
    pub fn identify_intents(&self) -> Vec<u64> {
        self.shared.lock().gateway.intents.clone()
    }

    /// Moves the double's clock forward (simulated time): interactions dispatched before look
    /// that much older, e.g. past the 15 minutes their tokens work for.
    pub fn advance(&self, by: Duration) {
        self.shared.lock().clock_offset += by;
    }

    /// Interactions Discord would hold against the bot: never acknowledged within 3 s,
    /// deferred with a "thinking..." message (type 5) that was never edited or followed up, or
    /// edited or followed up after their token's 15 minutes.
    pub fn interaction_problems(&self) -> Vec<String> {
        let st = self.shared.lock();
        let mut out = st.late_webhooks.clone();
        for (token, ix) in &st.interactions {
            let tried = |part: &str| st.requests.iter().any(|r| r.path.contains(part));
            let callback = format!("/interactions/{}/{token}/callback", ix.id);
            if ix.acked.is_none() && !tried(&callback) && ix.dispatched.elapsed() > rest::ACK_WITHIN
            {
                out.push(format!("interaction {} was never acknowledged", ix.id));
            }
            if ix.acked == Some(5) && !tried(&format!("/webhooks/{APP_ID}/{token}")) {
                out.push(format!(
                    "interaction {} was deferred but never edited or followed up",
                    ix.id
                ));
            }
        }
        out
    }

    /// Every payload the bot sent over the gateway (IDENTIFY, heartbeats, RESUME, ...).
    pub fn gateway_received(&self) -> Vec<Value> {
        self.shared.lock().gateway.received.clone()
    }

    /// The message the double created or edited for a message-creating request: for an
    /// interaction callback (type 4/5/6/7) the `@original` message as it stood after the
    /// callback, for a follow-up or edit the returned message. `Value::Null` if none.
    pub fn message_for(&self, rec: &Recorded) -> Value {
        let st = self.shared.lock();
        st.answered.get(&rec.seq).cloned().unwrap_or(Value::Null)
    }

    /// The current `@original` response message of `interaction` (after any edits).
    pub fn original_message(&self, interaction: &Value) -> Option<Value> {
        let st = self.shared.lock();
        let ix = st.interactions.get(interaction["token"].as_str()?)?;
        st.messages.get(&ix.original?).cloned()
    }

    /// The follow-up messages of `interaction`, oldest first (after any edits).
    pub fn followups(&self, interaction: &Value) -> Vec<Value> {
        let st = self.shared.lock();
        let Some(ix) = interaction["token"]
            .as_str()
            .and_then(|t| st.interactions.get(t))
        else {
            return Vec::new();
        };
        ix.followups
            .iter()
            .filter_map(|id| st.messages.get(id).cloned())
            .collect()
    }

    /// Send one raw HTTP request to the double (no serenity involved), e.g. to prove that the
    /// validator rejects a body. Returns the status and the JSON answer, if any.
    pub async fn raw_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Option<Value>)> {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.shared.port)).await?;
        let payload = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bot {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            payload.len()
        );
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await??;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("bad HTTP answer: {head}"))?;
        Ok((status, serde_json::from_str(body).ok()))
    }

    fn timeout_error(&self, what: &str, timeout: Duration) -> anyhow::Error {
        let st = self.shared.lock();
        let requests: Vec<String> = st
            .requests
            .iter()
            .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
            .collect();
        anyhow!(
            "timed out after {timeout:?} waiting for {what}\n  gateway connections: {}, live: {}, \
             READY sent: {}\n  requests: {requests:#?}\n  spec violations: {:#?}\n  protocol \
             errors: {:#?}",
            st.gateway.connections,
            st.gateway.live_shards(),
            st.gateway.readies,
            st.violations,
            st.protocol_errors,
        )
    }
}

/// Wrap `options` in a subcommand option named `sub`.
fn subcommand(sub: &str, options: Value) -> Value {
    let options = if options.is_null() {
        json!([])
    } else {
        options
    };
    json!([{"name": sub, "type": 1, "options": options}])
}

/// The same interaction, sent from a direct message with the bot: no guild, no member, the
/// `user` instead, and the BOT_DM context (1).
pub fn as_dm(mut interaction: Value) -> Value {
    let user = interaction["member"]["user"].clone();
    if let Some(obj) = interaction.as_object_mut() {
        obj.remove("guild_id");
        obj.remove("member");
        obj.remove("guild");
        obj.insert("user".into(), user);
        obj.insert("context".into(), json!(1));
        obj.insert(
            "authorizing_integration_owners".into(),
            json!({"0": APP_ID.to_string()}),
        );
    }
    interaction["channel"]["type"] = json!(1);
    if let Some(ch) = interaction["channel"].as_object_mut() {
        ch.remove("guild_id");
    }
    interaction
}

/// The same interaction, issued by another member (`user_id`) with `permissions`.
pub fn as_member(mut interaction: Value, user_id: u64, name: &str, permissions: &str) -> Value {
    interaction["member"] =
        fixtures::member(fixtures::user(user_id, name, false), Some(permissions));
    interaction
}
