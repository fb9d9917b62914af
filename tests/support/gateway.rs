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

/// Queue a dispatch on the live connection with the session's next sequence number.
/// Fails (sending nothing) if no connection is live or the frame would not parse.
pub fn dispatch(st: &mut State, event: &str, d: Value) -> Result<u64, String> {
    let gw = &mut st.gateway;
    let Some((_, tx)) = gw.current.as_ref().filter(|_| gw.live) else {
        return Err("no live gateway connection (not identified/resumed yet)".into());
    };
    let seq = gw.seq + 1;
    let text = encode(&fixtures::dispatch(seq, event, d))?;
    tx.send(Outbound::Frame(text))
        .map_err(|_| "the gateway connection is closing".to_string())?;
    gw.seq = seq;
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
    let conn = {
        let mut st = shared.lock();
        let gw = &mut st.gateway;
        gw.connections += 1;
        if let Some((_, old)) = gw.current.replace((gw.connections, tx.clone())) {
            let _ = old.send(Outbound::Drop);
        }
        gw.live = false;
        gw.connections
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
        let gw = &mut st.gateway;
        if gw.current.as_ref().is_some_and(|(c, _)| *c == conn) {
            gw.current = None;
            gw.live = false;
        }
    }
    shared.notify();
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
                let gw = &mut st.gateway;
                let session_id = format!("session-{conn}-{}", shared.next_id());
                gw.session_id = Some(session_id.clone());
                gw.seq = 0;
                gw.live = true;
                gw.readies += 1;
                let resume_url = shared.ws_url();
                for (event, body) in [
                    ("READY", fixtures::ready(&session_id, &resume_url)),
                    ("GUILD_CREATE", fixtures::guild_create()),
                ] {
                    if let Err(e) = dispatch(&mut st, event, body) {
                        error = Some(format!("double bug: {e}"));
                    }
                }
            }
        }
        Some(6) => {
            let known = st.gateway.session_id.is_some()
                && d["session_id"].as_str() == st.gateway.session_id.as_deref();
            if known && token_ok(&d["token"]) {
                st.gateway.live = true;
                st.gateway.resumes += 1;
                if let Err(e) = dispatch(&mut st, "RESUMED", serde_json::json!({})) {
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
