//! The double's shared, mutable world: what was recorded and what Discord would remember.
//!
//! This module owns `Shared` (one per double, behind an `Arc`): the request log, the spec
//! violations and protocol errors, the dispatched interactions and their responses, stored
//! messages and uploads, registered commands and the gateway session. All of it sits behind
//! one `std::sync::Mutex` (never held across an `.await`); every change bumps a `watch`
//! counter so waiters (`wait_request`, `wait_ready`, ...) wake up without polling.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, watch};

/// One HTTP request the bot made, as the double saw and answered it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Position in the request log (0-based); `message_for` uses it.
    pub seq: usize,
    pub method: String,
    /// E.g. `/api/v10/interactions/1/tok/callback`, without the query.
    pub path: String,
    /// Raw query string without `?` (serenity writes `&limit=100`).
    pub query: Option<String>,
    /// The JSON body, or the `payload_json` part of a multipart body.
    pub body: Option<Value>,
    /// The `Authorization` header.
    pub auth: Option<String>,
    /// Files of a multipart body (`files[n]` parts).
    pub files: Vec<Upload>,
    /// The HTTP status the double answered.
    pub status: u16,
    /// The JSON the double answered, if any.
    pub response: Option<Value>,
}

/// A file part of a multipart request.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The form field name, e.g. `files[0]`.
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// What Discord remembers about one dispatched interaction.
pub struct InteractionState {
    pub id: u64,
    pub kind: u8,
    pub payload: Value,
    /// The callback type it was acknowledged with.
    pub acked: Option<u8>,
    /// Id of the `@original` message, once there is one.
    pub original: Option<u64>,
    pub followups: Vec<u64>,
    /// When it was dispatched: Discord wants the first answer within 3 seconds.
    pub dispatched: std::time::Instant,
    /// The simulated clock's offset at dispatch (time advanced later ages it).
    pub offset_at_dispatch: Duration,
    /// When the callback arrived.
    pub acked_at: Option<std::time::Instant>,
}

/// A message for the WebSocket task of one connection.
pub enum Outbound {
    Frame(String),
    /// Send a close frame with this code and reason, then hang up.
    Close(u16, String),
    /// Hang up without a close frame (connection lost).
    Drop,
}

/// One shard's session: its live connection, session id and sequence numbers.
#[derive(Default)]
pub struct ShardSession {
    /// The live connection: its number and its outbound queue.
    pub current: Option<(usize, mpsc::UnboundedSender<Outbound>)>,
    /// The current connection has identified or resumed and may receive dispatches.
    pub live: bool,
    pub session_id: Option<String>,
    pub seq: u64,
}

#[derive(Default)]
pub struct GatewayState {
    pub connections: usize,
    /// Each shard's session, by shard id (an unsharded bot is shard 0 of 1).
    pub shards: std::collections::BTreeMap<u64, ShardSession>,
    /// How many shards the bot said it runs (from IDENTIFY's `shard`; 1 when absent).
    pub total_shards: u64,
    pub readies: usize,
    pub resumes: usize,
    /// The `intents` of every IDENTIFY.
    pub intents: Vec<u64>,
    /// The `shard` of every IDENTIFY, as (id, total).
    pub identified_shards: Vec<(u64, u64)>,
    /// Every payload the bot sent over the gateway, in order.
    pub received: Vec<Value>,
}

impl GatewayState {
    /// The shard Discord sends a guild's events to: `(guild_id >> 22) % shards`.
    pub fn shard_of(&self, guild: u64) -> u64 {
        (guild >> 22) % self.total_shards.max(1)
    }

    /// Whether any shard has a live session.
    pub fn any_live(&self) -> bool {
        self.shards.values().any(|s| s.live)
    }

    /// How many shards have a live session.
    pub fn live_shards(&self) -> usize {
        self.shards.values().filter(|s| s.live).count()
    }
}

#[derive(Default)]
pub struct State {
    pub requests: Vec<Recorded>,
    pub violations: Vec<String>,
    pub protocol_errors: Vec<String>,
    /// For a message-creating request (by `seq`): the message the double created or edited.
    pub answered: HashMap<usize, Value>,
    /// Dispatched interactions by token.
    pub interactions: HashMap<String, InteractionState>,
    /// Every message the bot created, by id.
    pub messages: HashMap<u64, Value>,
    /// Uploaded files by attachment id: (filename, content type, bytes).
    pub uploads: HashMap<u64, (String, String, Vec<u8>)>,
    pub global_commands: Vec<Value>,
    pub guild_commands: Vec<Value>,
    pub gateway: GatewayState,
    /// Failures to inject: the next request whose method matches and whose path contains the
    /// text gets this HTTP status instead of its normal answer (once each).
    pub faults: Vec<(String, String, u16)>,
    /// Simulated time added to the real clock (`DiscordDouble::advance`): how long ago each
    /// interaction was dispatched, as Discord would see it.
    pub clock_offset: Duration,
    /// Webhook calls made with an interaction token after its 15 minutes.
    pub late_webhooks: Vec<String>,
    /// Rate limits the test asked for, and the requests answered 429.
    pub limits: super::ratelimit::Limits,
}

pub struct Shared {
    pub port: u16,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    next_id: AtomicU64,
}

impl Shared {
    pub fn new(port: u16) -> Shared {
        Shared {
            port,
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
            next_id: AtomicU64::new(0),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide everything else behind a poisoned lock.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wake every waiter; call after any change they might be waiting for.
    pub fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// A fresh snowflake (increasing, well above the fixed ids).
    pub fn next_id(&self) -> u64 {
        1_200_000_000_000_000_000 + self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    pub fn protocol_error(&self, e: String) {
        self.lock().protocol_errors.push(e);
        self.notify();
    }

    /// Wait until `probe` returns `Some`, re-checking after every change, up to `timeout`.
    pub async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut probe: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let mut rx = self.changed.subscribe();
        let wait = async {
            loop {
                let found = probe(&self.lock());
                if let Some(v) = found {
                    return v;
                }
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.ok()
    }
}
