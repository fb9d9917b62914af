//! The gateway half of the double: one WebSocket session per accepted connection.
//!
//! This module owns the gateway conversation: HELLO on connect, IDENTIFY -> READY +
//! GUILD_CREATE, RESUME -> RESUMED (or INVALID_SESSION for an unknown session), heartbeat ->
//! heartbeat ACK, and the dispatches tests inject (`dispatch`). Sequence numbers belong to the
//! session and keep increasing across a resume. Frames are plain JSON text (serenity asks for no
//! transport compression); every frame is checked to deserialise as serenity's `GatewayEvent`
//! first, because serenity silently drops payloads it cannot parse.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State as AxState;
use axum::response::Response;
use serde_json::Value;
use tokio::sync::mpsc;

use super::fixtures::{self, TOKEN};
use super::state::{Outbound, Shared, State};

/// GUILD_MEMBERS (1 << 1), GUILD_PRESENCES (1 << 8) and MESSAGE_CONTENT (1 << 15): Discord
/// closes with 4014 unless the application was granted them, and cairn must never need them.
pub const PRIVILEGED_INTENTS: u64 = (1 << 1) | (1 << 8) | (1 << 15);

/// Heartbeat interval announced in HELLO (Discord's usual value).
pub const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

/// The axum handler for `GET /` with an upgrade: the gateway.
pub async fn upgrade(AxState(shared): AxState<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| session(shared, socket))
}

/// Serialise and check a gateway frame; `Err` explains why serenity would drop it.
pub fn encode(frame: &Value) -> Result<String, String> {
    let text = frame.to_string();
    match serde_json::from_str::<serenity::model::event::GatewayEvent>(&text) {
        Ok(_) => Ok(text),
        Err(e) => Err(format!(
            "gateway frame (op {}, t {}) does not deserialise as serenity's GatewayEvent: {e}",
            frame["op"], frame["t"]
        )),
    }
}

/// Queue a dispatch on the live connection of the shard Discord would use: the shard of the
/// event's `guild_id` (`(guild_id >> 22) % shards`), or shard 0 for an event without one.
/// Fails (sending nothing) if that shard has no live connection or the frame would not parse.
pub fn dispatch(st: &mut State, event: &str, d: Value) -> Result<u64, String> {
    let shard = d["guild_id"]
        .as_str()
        .and_then(|g| g.parse::<u64>().ok())
        .map_or(0, |g| st.gateway.shard_of(g));
    dispatch_to(st, shard, event, d)
}

/// Queue a dispatch on one shard's live connection with its session's next sequence number.
pub fn dispatch_to(st: &mut State, shard: u64, event: &str, d: Value) -> Result<u64, String> {
    let Some(session) = st.gateway.shards.get_mut(&shard) else {
        return Err(format!("shard {shard} never connected"));
    };
    let Some((_, tx)) = session.current.as_ref().filter(|_| session.live) else {
        return Err(format!(
            "no live gateway connection for shard {shard} (not identified/resumed yet)"
        ));
    };
    let seq = session.seq + 1;
    let text = encode(&fixtures::dispatch(seq, event, d))?;
    tx.send(Outbound::Frame(text))
        .map_err(|_| "the gateway connection is closing".to_string())?;
    session.seq = seq;
    Ok(seq)
}

/// Queue a frame on this connection's queue (whatever its state), checking it first.
fn push(tx: &mpsc::UnboundedSender<Outbound>, frame: &Value) -> Result<(), String> {
    let text = encode(frame).map_err(|e| format!("double bug: {e}"))?;
    let _ = tx.send(Outbound::Frame(text));
    Ok(())
}

async fn session(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Outbound>();
    // Which shard a connection serves is known at IDENTIFY or RESUME.
    let conn = {
        let mut st = shared.lock();
        st.gateway.connections += 1;
        st.gateway.connections
    };
    shared.notify();
    if let Err(e) = push(&tx, &fixtures::hello(HEARTBEAT_INTERVAL_MS)) {
        shared.protocol_error(e);
    }

    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => on_payload(&shared, conn, &tx, text.as_str()),
                Some(Ok(Message::Binary(_))) => shared.protocol_error(
                    "gateway: the bot sent a binary frame; the double only speaks JSON text".into(),
                ),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            },
            out = rx.recv() => match out {
                Some(Outbound::Frame(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outbound::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
                // Dropping the socket hangs up without a close frame: a lost connection.
                Some(Outbound::Drop) | None => break,
            },
        }
    }
    drop(socket);
    {
        let mut st = shared.lock();
        for session in st.gateway.shards.values_mut() {
            if session.current.as_ref().is_some_and(|(c, _)| *c == conn) {
                session.current = None;
                session.live = false;
            }
        }
    }
    shared.notify();
}

/// Makes `conn` the live connection of `shard`, hanging up the shard's previous one.
fn attach(st: &mut State, shard: u64, conn: usize, tx: &mpsc::UnboundedSender<Outbound>) {
    let session = st.gateway.shards.entry(shard).or_default();
    if let Some((old_conn, old)) = session.current.replace((conn, tx.clone())) {
        if old_conn != conn {
            let _ = old.send(Outbound::Drop);
        }
    }
    session.live = true;
}

fn token_ok(t: &Value) -> bool {
    let t = t.as_str().unwrap_or_default();
    t == TOKEN || t.strip_prefix("Bot ") == Some(TOKEN)
}

fn on_payload(shared: &Shared, conn: usize, tx: &mpsc::UnboundedSender<Outbound>, text: &str) {
    let payload: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            shared.protocol_error(format!("gateway: the bot sent non-JSON text: {e}"));
            return;
        }
    };
    let op = payload["op"].as_u64();
    let d = payload["d"].clone();
    let mut st = shared.lock();
    st.gateway.received.push(payload);
    let mut error = None;
    match op {
        Some(1) => error = push(tx, &serde_json::json!({"op": 11})).err(),
        Some(2) => {
            let intents = d["intents"].as_u64().unwrap_or(0);
            st.gateway.intents.push(intents);
            if intents & PRIVILEGED_INTENTS != 0 {
                error = Some(format!(
                    "gateway: IDENTIFY asks for privileged intents ({intents:#b}); cairn needs none"
                ));
                let _ = tx.send(Outbound::Close(4014, "Disallowed intent(s).".into()));
            } else if !token_ok(&d["token"]) {
                error = Some("gateway: IDENTIFY with a token other than TOKEN".to_string());
                let _ = tx.send(Outbound::Close(4004, "Authentication failed.".into()));
            } else {
                let shard = d["shard"][0].as_u64().unwrap_or(0);
                let total = d["shard"][1].as_u64().unwrap_or(1).max(1);
                st.gateway.total_shards = total;
                st.gateway.identified_shards.push((shard, total));
                attach(&mut st, shard, conn, tx);
                let session_id = format!("session-{conn}-{}", shared.next_id());
                let session = st.gateway.shards.entry(shard).or_default();
                session.session_id = Some(session_id.clone());
                session.seq = 0;
                st.gateway.readies += 1;
                let resume_url = shared.ws_url();
                let own = st.gateway.shard_of(fixtures::GUILD_ID) == shard;
                let guilds: Vec<u64> = if own {
                    vec![fixtures::GUILD_ID]
                } else {
                    Vec::new()
                };
                let mut events = vec![(
                    "READY",
                    fixtures::ready(&session_id, &resume_url, (shard, total), &guilds),
                )];
                if own {
                    events.push(("GUILD_CREATE", fixtures::guild_create()));
                }
                for (event, body) in events {
                    if let Err(e) = dispatch_to(&mut st, shard, event, body) {
                        error = Some(format!("double bug: {e}"));
                    }
                }
            }
        }
        Some(6) => {
            let shard = st
                .gateway
                .shards
                .iter()
                .find(|(_, s)| {
                    s.session_id.is_some() && d["session_id"].as_str() == s.session_id.as_deref()
                })
                .map(|(id, _)| *id);
            if let (Some(shard), true) = (shard, token_ok(&d["token"])) {
                attach(&mut st, shard, conn, tx);
                st.gateway.resumes += 1;
                if let Err(e) = dispatch_to(&mut st, shard, "RESUMED", serde_json::json!({})) {
                    error = Some(format!("double bug: {e}"));
                }
            } else {
                error = Some(format!(
                    "gateway: RESUME of unknown session {} (answered INVALID_SESSION)",
                    d["session_id"]
                ));
                if let Err(e) = push(tx, &serde_json::json!({"op": 9, "d": false})) {
                    error = Some(e);
                }
            }
        }
        // Presence updates, member requests, voice state: accepted and recorded only.
        _ => {}
    }
    drop(st);
    if let Some(e) = error {
        shared.protocol_error(e);
    }
    shared.notify();
}
