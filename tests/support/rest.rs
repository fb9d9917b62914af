//! The REST half of the double: every HTTP request under `/api/v10` (plus uploaded files).
//!
//! This module owns request intake (JSON or multipart bodies with a `payload_json` part),
//! validation against the OpenAPI spec, recording, routing, and the answers: gateway info,
//! users/@me, the application, command registration, interaction callbacks, webhook follow-ups
//! and edits of `@original`, and plain channel messages. It behaves like Discord where tests
//! benefit: bodies that fail the spec get `400 Invalid Form Body` (50035), unknown or
//! twice-acknowledged interactions get 10062 / 40060, and every such departure is also listed
//! in `protocol_errors`. Every JSON answer is checked to deserialise as the serenity type the
//! bot will parse it into.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::fixtures::{self, APP_ID, CHANNEL_ID, GUILD_ID, MOD_CHANNEL_ID, TOKEN};
use super::ratelimit::Verdict;
use super::spec;
use super::state::{InteractionState, Recorded, Shared, State, Upload};

/// Discord's limit on the characters of all embeds of one message together.
const EMBED_TOTAL_LIMIT: usize = 6000;

/// How the double answers one request.
struct Reply {
    status: u16,
    body: Option<Value>,
    /// The message this request created or edited (kept for `message_for`).
    message: Option<Value>,
    /// Raw bytes instead of JSON (uploaded files): content type and data.
    raw: Option<(String, Vec<u8>)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            message: None,
            raw: None,
        }
    }
    fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }
    fn message(status: u16, message: Value) -> Reply {
        Reply {
            status,
            body: Some(message.clone()),
            message: Some(message),
            raw: None,
        }
    }
    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            message: None,
            raw: None,
        }
    }
    fn error(status: u16, code: u32, message: &str) -> Reply {
        Reply::json(status, fixtures::error(code, message))
    }
    fn not_found() -> Reply {
        Reply::error(404, 0, "404: Not Found")
    }
}

/// The axum fallback handler: everything that is not the gateway WebSocket.
pub async fn handle(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().map(str::to_string);
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let auth = header(AUTHORIZATION);
    let (json_body, files, parse_error) = parse_body(header(CONTENT_TYPE).as_deref(), &body);

    let req = Request {
        method: method.as_str(),
        query: query.as_deref(),
        body: json_body.as_ref(),
        auth: auth.as_deref(),
        files: &files,
    };
    // Discord's rate limits, when the test set any: a 429 is answered before anything else and
    // recorded apart (the bot will send the request again).
    let mut limit_headers = Vec::new();
    if let Some(rest) = path.strip_prefix("/api/v10") {
        let identity = json_body.as_ref().map(Value::to_string).unwrap_or_default();
        let verdict =
            shared
                .lock()
                .limits
                .check(method.as_str(), rest, &identity, std::time::Instant::now());
        match verdict {
            Verdict::Pass(headers) => limit_headers = headers,
            Verdict::Limited {
                retry_after,
                headers,
                early,
            } => {
                if let Some(e) = early {
                    shared.protocol_error(e);
                }
                shared.notify();
                let body = json!({
                    "message": "You are being rate limited.",
                    "retry_after": retry_after.as_secs_f64(),
                    "global": false,
                    "code": 0,
                });
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(CONTENT_TYPE, "application/json".to_string())],
                    body.to_string(),
                )
                    .into_response();
                add_headers(&mut response, headers);
                return response;
            }
        }
    }
    let reply = if let Some(rest) = path.strip_prefix("/api/v10") {
        if let Some(e) = parse_error {
            shared
                .lock()
                .violations
                .push(format!("{} {path}: {e}", req.method));
        }
        api(&shared, rest, &req)
    } else if let Some(rest) = path.strip_prefix("/attachments/") {
        attachment(&shared, rest)
    } else {
        if path.starts_with("/api/") {
            shared.protocol_error(format!(
                "{} {path}: not API v10 (serenity 0.12.5 uses /api/v10)",
                req.method
            ));
        }
        Reply::not_found()
    };

    {
        let mut st = shared.lock();
        let seq = st.requests.len();
        if let Some(m) = &reply.message {
            st.answered.insert(seq, m.clone());
        }
        st.requests.push(Recorded {
            seq,
            method: method.as_str().to_string(),
            path,
            query,
            body: json_body,
            auth,
            files,
            status: reply.status,
            response: reply.body.clone(),
        });
    }
    shared.notify();

    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match (reply.raw, reply.body) {
        (Some((ct, data)), _) => (status, [(CONTENT_TYPE, ct)], data).into_response(),
        (None, Some(b)) => (
            status,
            [(CONTENT_TYPE, "application/json".to_string())],
            b.to_string(),
        )
            .into_response(),
        (None, None) => status.into_response(),
    };
    add_headers(&mut response, limit_headers);
    response
}

fn add_headers(response: &mut Response, headers: Vec<(&'static str, String)>) {
    for (name, value) in headers {
        if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, v);
        }
    }
}

/// The parts of a request the routes need.
struct Request<'a> {
    method: &'a str,
    query: Option<&'a str>,
    body: Option<&'a Value>,
    auth: Option<&'a str>,
    files: &'a [Upload],
}

fn api(shared: &Shared, rest: &str, req: &Request<'_>) -> Reply {
    let label = format!("{} /api/v10{rest}", req.method);
    let report = spec::spec().check(req.method, rest, req.query, req.body);
    if !report.violations.is_empty() {
        shared.lock().violations.extend(report.violations.clone());
    }

    let seg: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let token_route = matches!(seg.first(), Some(&"interactions"))
        || (seg.first() == Some(&"webhooks") && seg.len() >= 3);
    let expected_auth = format!("Bot {TOKEN}");
    if !token_route && req.auth != Some(expected_auth.as_str()) {
        shared.protocol_error(format!(
            "{label}: Authorization header is {:?}, expected \"Bot <TOKEN>\"",
            req.auth
        ));
        return Reply::error(401, 0, "401: Unauthorized");
    }
    if report.body_invalid {
        // What Discord does with a body that breaks its schema.
        return Reply::json(
            400,
            json!({"code": 50035, "message": "Invalid Form Body", "errors": report.violations}),
        );
    }

    if let Some(body) = req.body {
        if let Some(e) = embed_limit_error(body) {
            shared.protocol_error(format!("{label}: {e}"));
            return Reply::json(
                400,
                json!({"code": 50035, "message": "Invalid Form Body", "errors": [e]}),
            );
        }
    }

    let injected = {
        let mut st = shared.lock();
        let hit = st
            .faults
            .iter()
            .position(|(m, p, _)| m == req.method && rest.contains(p.as_str()));
        hit.map(|i| st.faults.remove(i).2)
    };
    if let Some(status) = injected {
        return Reply::error(status, 0, "injected failure (test double)");
    }

    let ws = shared.ws_url();
    let reply = match (req.method, seg.as_slice()) {
        ("GET", ["gateway"]) => Reply::ok(checked::<serenity::model::gateway::Gateway>(
            shared,
            "gateway",
            fixtures::gateway(&ws),
        )),
        ("GET", ["gateway", "bot"]) => Reply::ok(checked::<serenity::model::gateway::BotGateway>(
            shared,
            "gateway/bot",
            fixtures::gateway_bot(&ws),
        )),
        ("GET", ["users", "@me"]) => Reply::ok(checked::<serenity::model::user::CurrentUser>(
            shared,
            "users/@me",
            fixtures::current_user(),
        )),
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            Reply::ok(checked::<
                serenity::model::application::CurrentApplicationInfo,
            >(shared, "application", fixtures::application()))
        }
        (_, ["applications", app, ..]) if *app != APP_ID.to_string() => {
            shared.protocol_error(format!("{label}: application id {app} is not APP_ID"));
            Reply::error(404, 10002, "Unknown Application")
        }
        (_, ["applications", _, "guilds", g, ..]) if *g != GUILD_ID.to_string() => {
            shared.protocol_error(format!("{label}: guild {g} is not GUILD_ID"));
            Reply::error(403, 50001, "Missing Access")
        }
        (m, ["applications", _, "commands", rest @ ..]) => commands(shared, None, m, rest, req),
        (m, ["applications", _, "guilds", _, "commands", rest @ ..]) => {
            commands(shared, Some(GUILD_ID), m, rest, req)
        }
        ("POST", ["interactions", id, token, "callback"]) => callback(shared, id, token, req),
        (m, ["webhooks", app, token, rest @ ..]) => webhook(shared, app, token, m, rest, req),
        (m, ["channels", ch, rest @ ..]) => channel(shared, ch, m, rest, req),
        _ => {
            shared.protocol_error(format!("{label}: route not implemented by the double"));
            Reply::not_found()
        }
    };
    reply
}

/// Deserialise `v` as the serenity type the bot will parse it into; a failure is a bug in the
/// double, reported in `protocol_errors`.
fn checked<T: DeserializeOwned>(shared: &Shared, what: &str, v: Value) -> Value {
    if let Err(e) = serde_json::from_value::<T>(v.clone()) {
        shared.protocol_error(format!(
            "double bug: its {what} answer does not deserialise as {}: {e}",
            std::any::type_name::<T>()
        ));
    }
    v
}

fn check_message(shared: &Shared, m: &Value) {
    checked::<serenity::model::channel::Message>(shared, "message", m.clone());
}

// ---------------------------------------------------------------- commands

fn commands(
    shared: &Shared,
    guild: Option<u64>,
    method: &str,
    rest: &[&str],
    req: &Request<'_>,
) -> Reply {
    let to_check: Vec<&Value> = match (method, req.body) {
        ("PUT", Some(Value::Array(list))) => list.iter().collect(),
        ("POST", Some(cmd)) => vec![cmd],
        _ => Vec::new(),
    };
    let mut rule_errors = Vec::new();
    let mut names = Vec::new();
    for cmd in to_check {
        rule_errors.extend(command_rule_errors(cmd));
        let key = (cmd["name"].clone(), cmd["type"].as_u64().unwrap_or(1));
        if method == "PUT" && names.contains(&key) {
            rule_errors.push(format!("command {} is registered twice", cmd["name"]));
        }
        names.push(key);
    }
    if !rule_errors.is_empty() {
        for e in &rule_errors {
            shared.protocol_error(format!("{method} commands: {e}"));
        }
        return Reply::json(
            400,
            json!({"code": 50035, "message": "Invalid Form Body", "errors": rule_errors}),
        );
    }

    let mut st = shared.lock();
    let fresh = |st: &mut State, cmd: &Value| -> Value {
        let store = store_of(st, guild);
        let same = |c: &&Value| {
            c["name"] == cmd["name"] && c["type"] == *cmd.get("type").unwrap_or(&json!(1))
        };
        let id = store
            .iter()
            .find(same)
            .and_then(|c| c["id"].as_str()?.parse().ok())
            .unwrap_or_else(|| shared.next_id());
        fixtures::command(cmd, id, shared.next_id(), guild)
    };
    let reply = match (method, rest) {
        ("GET", []) => Reply::ok(Value::Array(store_of(&mut st, guild).clone())),
        ("PUT", []) => {
            let list: Vec<Value> = req
                .body
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let registered: Vec<Value> = list.iter().map(|c| fresh(&mut st, c)).collect();
            *store_of(&mut st, guild) = registered.clone();
            Reply::ok(Value::Array(registered))
        }
        ("POST", []) => {
            let cmd = req.body.cloned().unwrap_or(json!({}));
            let registered = fresh(&mut st, &cmd);
            let store = store_of(&mut st, guild);
            let existed = store.iter().position(|c| c["id"] == registered["id"]);
            match existed {
                Some(i) => store[i] = registered.clone(),
                None => store.push(registered.clone()),
            }
            Reply::json(if existed.is_some() { 200 } else { 201 }, registered)
        }
        (m, [id]) => {
            let store = store_of(&mut st, guild);
            let Some(i) = store.iter().position(|c| c["id"] == *id) else {
                drop(st);
                shared.protocol_error(format!("{m} command {id}: unknown command"));
                return Reply::error(404, 10063, "Unknown application command");
            };
            match m {
                "GET" => Reply::ok(store[i].clone()),
                "DELETE" => {
                    store.remove(i);
                    Reply::no_content()
                }
                "PATCH" => {
                    if let (Some(c), Some(b)) = (
                        store[i].as_object_mut(),
                        req.body.and_then(Value::as_object),
                    ) {
                        for (k, v) in b {
                            c.insert(k.clone(), v.clone());
                        }
                    }
                    Reply::ok(store[i].clone())
                }
                _ => Reply::not_found(),
            }
        }
        _ => Reply::not_found(),
    };
    drop(st);
    if let Some(b) = &reply.body {
        match b {
            Value::Array(list) => list.iter().for_each(|c| {
                checked::<serenity::model::application::Command>(shared, "command", c.clone());
            }),
            c if c.get("id").is_some() && reply.status < 300 => {
                checked::<serenity::model::application::Command>(shared, "command", c.clone());
            }
            _ => {}
        }
    }
    reply
}

/// Discord's rules for command definitions that the OpenAPI schema does not express.
fn command_rule_errors(cmd: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let name = cmd["name"].as_str().unwrap_or_default();
    if cmd["type"].as_u64().unwrap_or(1) == 1 {
        check_name_and_description(cmd, &format!("command {name:?}"), &mut out);
        check_options(cmd, &format!("command {name:?}"), &mut out);
    }
    out
}

/// Slash command and option names: 1-32 characters, lowercase letters, digits, `-` and `_`;
/// descriptions 1-100 characters.
fn check_name_and_description(item: &Value, at: &str, out: &mut Vec<String>) {
    let name = item["name"].as_str().unwrap_or_default();
    let count = name.chars().count();
    let allowed = name
        .chars()
        .all(|c| c == '-' || c == '_' || c.is_alphanumeric());
    if !(1..=32).contains(&count) || !allowed || name.to_lowercase() != name {
        out.push(format!(
            "{at}: name must be 1-32 lowercase letters, digits, '-' or '_'"
        ));
    }
    let description = item["description"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .count();
    if !(1..=100).contains(&description) {
        out.push(format!("{at}: description must be 1-100 characters"));
    }
}

fn check_options(parent: &Value, at: &str, out: &mut Vec<String>) {
    let Some(options) = parent["options"].as_array() else {
        return;
    };
    let mut seen_optional = false;
    let mut names = Vec::new();
    for opt in options {
        let name = opt["name"].as_str().unwrap_or_default();
        let here = format!("{at} option {name:?}");
        check_name_and_description(opt, &here, out);
        if names.contains(&name) {
            out.push(format!("{here}: duplicate option name"));
        }
        names.push(name);
        let kind = opt["type"].as_u64().unwrap_or(0);
        if kind == 1 || kind == 2 {
            check_options(opt, &here, out);
            continue;
        }
        let required = opt["required"].as_bool().unwrap_or(false);
        if required && seen_optional {
            out.push(format!(
                "{here}: required options must come before optional ones"
            ));
        }
        seen_optional |= !required;
        let has_choices = opt["choices"].as_array().is_some_and(|c| !c.is_empty());
        if has_choices && opt["autocomplete"].as_bool() == Some(true) {
            out.push(format!(
                "{here}: autocomplete cannot be combined with choices"
            ));
        }
    }
}

fn store_of(st: &mut State, guild: Option<u64>) -> &mut Vec<Value> {
    match guild {
        Some(_) => &mut st.guild_commands,
        None => &mut st.global_commands,
    }
}

// ------------------------------------------------------------ interactions

/// Which callback types Discord accepts for which interaction type.
fn callback_allowed(interaction_kind: u8, callback: u8) -> bool {
    match interaction_kind {
        2 => matches!(callback, 4 | 5 | 9),
        3 => matches!(callback, 4 | 5 | 6 | 7 | 9),
        4 => callback == 8,
        5 => (4..=7).contains(&callback),
        _ => false,
    }
}

/// How soon Discord wants the first answer to an interaction.
pub const ACK_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);
/// How long an interaction token works for edits and follow-ups.
pub const TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(15 * 60);

fn callback(shared: &Shared, id: &str, token: &str, req: &Request<'_>) -> Reply {
    let label = format!("POST callback of interaction {id}");
    let body = req.body.cloned().unwrap_or(Value::Null);
    let cb = body["type"].as_u64().unwrap_or(0) as u8;
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let mut st = shared.lock();
    let State {
        interactions,
        messages,
        uploads,
        ..
    } = &mut *st;
    let Some(ix) = interactions
        .get_mut(token)
        .filter(|ix| ix.id.to_string() == id)
    else {
        drop(st);
        shared.protocol_error(format!("{label}: unknown interaction id/token"));
        return Reply::error(404, 10062, "Unknown interaction");
    };
    let waited = ix.dispatched.elapsed();
    if waited > ACK_WITHIN {
        drop(st);
        shared.protocol_error(format!(
            "{label}: acknowledged after {waited:?}; Discord allows {ACK_WITHIN:?}"
        ));
        return Reply::error(404, 10062, "Unknown interaction");
    }
    if let Some(prev) = ix.acked {
        drop(st);
        shared.protocol_error(format!(
            "{label}: already acknowledged (type {prev}), answered again with type {cb}"
        ));
        return Reply::error(400, 40060, "Interaction has already been acknowledged.");
    }
    if !callback_allowed(ix.kind, cb) {
        let kind = ix.kind;
        drop(st);
        let e = format!("{label}: callback type {cb} is not valid for interaction type {kind}");
        shared.protocol_error(e.clone());
        return Reply::json(
            400,
            json!({"code": 50035, "message": "Invalid Form Body", "errors": [e]}),
        );
    }
    ix.acked = Some(cb);
    ix.acked_at = Some(std::time::Instant::now());
    let kind = if ix.kind == 2 { 20 } else { 0 };
    let message = match cb {
        4 => {
            let id = shared.next_id();
            let mut m = fixtures::message(id, kind, &data);
            m["attachments"] = json!(attachments_for(shared, uploads, &data, req.files, &[]));
            Some(m)
        }
        5 => {
            let id = shared.next_id();
            let mut m = fixtures::message(id, kind, &json!({"flags": data["flags"]}));
            m["flags"] = json!(m["flags"].as_u64().unwrap_or(0) | 128);
            Some(m)
        }
        6 | 7 => ix.payload.get("message").cloned().map(|mut m| {
            if cb == 7 {
                fixtures::merge_message_fields(&mut m, &data);
                let old: Vec<Value> = m["attachments"].as_array().cloned().unwrap_or_default();
                if data.get("attachments").is_some() || !req.files.is_empty() {
                    m["attachments"] =
                        json!(attachments_for(shared, uploads, &data, req.files, &old));
                }
                m["edited_timestamp"] = json!(fixtures::TIMESTAMP);
            }
            m
        }),
        _ => None,
    };
    let reply = match message {
        Some(m) => {
            let mid = m["id"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
            ix.original = Some(mid);
            messages.insert(mid, m.clone());
            Reply {
                status: 204,
                body: None,
                message: Some(m),
                raw: None,
            }
        }
        None => Reply::no_content(),
    };
    drop(st);
    if let Some(m) = &reply.message {
        check_message(shared, m);
    }
    reply
}

// ---------------------------------------------------------------- webhooks

fn webhook(
    shared: &Shared,
    app: &str,
    token: &str,
    method: &str,
    rest: &[&str],
    req: &Request<'_>,
) -> Reply {
    let label = format!("{method} webhook {app}/…/{}", rest.join("/"));
    let body = req.body.cloned().unwrap_or(Value::Null);
    let mut st = shared.lock();
    let State {
        interactions,
        messages,
        uploads,
        clock_offset,
        late_webhooks,
        ..
    } = &mut *st;
    let ix = interactions.get_mut(token);
    let Some(ix) = ix.filter(|_| app == APP_ID.to_string()) else {
        drop(st);
        shared.protocol_error(format!(
            "{label}: not an interaction webhook of APP_ID with a dispatched token"
        ));
        return Reply::error(404, 10015, "Unknown Webhook");
    };
    // Discord keeps an interaction's token for 15 minutes; after that edits and follow-ups fail.
    let age = ix.dispatched.elapsed() + (*clock_offset - ix.offset_at_dispatch);
    if age > TOKEN_LIFETIME {
        let late = format!(
            "{label}: interaction token used {age:?} after dispatch (Discord allows 15 minutes)"
        );
        late_webhooks.push(late);
        return Reply::error(401, 50027, "Invalid Webhook Token");
    }
    let reply = match (method, rest) {
        ("POST", []) => {
            if ix.acked.is_none() {
                drop(st);
                shared.protocol_error(format!(
                    "{label}: follow-up before the interaction was acknowledged"
                ));
                return Reply::error(404, 10015, "Unknown Webhook");
            }
            let id = shared.next_id();
            let kind = if ix.kind == 2 { 20 } else { 0 };
            let mut m = fixtures::message(id, kind, &body);
            m["webhook_id"] = json!(APP_ID.to_string());
            m["application_id"] = json!(APP_ID.to_string());
            m["attachments"] = json!(attachments_for(shared, uploads, &body, req.files, &[]));
            ix.followups.push(id);
            messages.insert(id, m.clone());
            Reply::message(200, m)
        }
        (m, ["messages", which]) => {
            let target = if *which == "@original" {
                ix.original
            } else {
                which
                    .parse::<u64>()
                    .ok()
                    .filter(|id| ix.original == Some(*id) || ix.followups.contains(id))
            };
            let Some(mid) = target.filter(|id| messages.contains_key(id)) else {
                drop(st);
                shared.protocol_error(format!(
                    "{label}: no such message (was the interaction answered with a message?)"
                ));
                return Reply::error(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => Reply::message(200, messages[&mid].clone()),
                "DELETE" => {
                    messages.remove(&mid);
                    if ix.original == Some(mid) {
                        ix.original = None;
                    }
                    ix.followups.retain(|f| *f != mid);
                    Reply::no_content()
                }
                "PATCH" => {
                    let msg = messages.get_mut(&mid).expect("checked above");
                    let old: Vec<Value> =
                        msg["attachments"].as_array().cloned().unwrap_or_default();
                    fixtures::merge_message_fields(msg, &body);
                    // Any edit ends the "thinking..." state of a deferred response.
                    msg["flags"] = json!(msg["flags"].as_u64().unwrap_or(0) & !128);
                    if body.get("attachments").is_some() || !req.files.is_empty() {
                        msg["attachments"] =
                            json!(attachments_for(shared, uploads, &body, req.files, &old));
                    }
                    msg["edited_timestamp"] = json!(fixtures::TIMESTAMP);
                    Reply::message(200, msg.clone())
                }
                _ => Reply::not_found(),
            }
        }
        _ => {
            drop(st);
            shared.protocol_error(format!("{label}: route not implemented by the double"));
            return Reply::not_found();
        }
    };
    drop(st);
    if let Some(m) = &reply.message {
        check_message(shared, m);
    }
    reply
}

// ---------------------------------------------------------------- channels

fn channel(shared: &Shared, ch: &str, method: &str, rest: &[&str], req: &Request<'_>) -> Reply {
    let label = format!("{method} channel {ch}/{}", rest.join("/"));
    let Some(channel_id) = [CHANNEL_ID, MOD_CHANNEL_ID]
        .into_iter()
        .find(|id| ch == id.to_string())
    else {
        shared.protocol_error(format!(
            "{label}: channel {ch} is not a channel of the guild"
        ));
        return Reply::error(404, 10003, "Unknown Channel");
    };
    let body = req.body.cloned().unwrap_or(Value::Null);
    let mut st = shared.lock();
    let State {
        messages, uploads, ..
    } = &mut *st;
    let reply = match (method, rest) {
        ("GET", []) => Reply::ok(if channel_id == MOD_CHANNEL_ID {
            fixtures::channel_named(MOD_CHANNEL_ID, "moderators")
        } else {
            fixtures::channel()
        }),
        ("POST", ["typing"]) => Reply::no_content(),
        ("POST", ["messages"]) => {
            let id = shared.next_id();
            let kind = if body.get("message_reference").is_some() {
                19
            } else {
                0
            };
            let mut m = fixtures::message(id, kind, &body);
            m["guild_id"] = json!(GUILD_ID.to_string());
            m["channel_id"] = json!(channel_id.to_string());
            m["attachments"] = json!(attachments_for(shared, uploads, &body, req.files, &[]));
            messages.insert(id, m.clone());
            Reply::message(200, m)
        }
        (m, ["messages", id]) => {
            let Some(mid) = id
                .parse::<u64>()
                .ok()
                .filter(|id| messages.contains_key(id))
            else {
                drop(st);
                shared.protocol_error(format!("{label}: unknown message"));
                return Reply::error(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => Reply::message(200, messages[&mid].clone()),
                "DELETE" => {
                    messages.remove(&mid);
                    Reply::no_content()
                }
                "PATCH" => {
                    let msg = messages.get_mut(&mid).expect("checked above");
                    fixtures::merge_message_fields(msg, &body);
                    msg["edited_timestamp"] = json!(fixtures::TIMESTAMP);
                    Reply::message(200, msg.clone())
                }
                _ => Reply::not_found(),
            }
        }
        _ => {
            drop(st);
            shared.protocol_error(format!("{label}: route not implemented by the double"));
            return Reply::not_found();
        }
    };
    drop(st);
    match (&reply.message, &reply.body) {
        (Some(m), _) => check_message(shared, m),
        (None, Some(c)) if reply.status == 200 => {
            checked::<serenity::model::channel::GuildChannel>(shared, "channel", c.clone());
        }
        _ => {}
    }
    reply
}

// ------------------------------------------------------------- attachments

/// The attachment objects of a created/edited message: kept ones from `existing` (by id),
/// uploads from `files[n]` parts (by the index in `body.attachments`, or all files when the
/// body lists none). Uploaded bytes are served at `http://127.0.0.1:PORT/attachments/ID/NAME`.
fn attachments_for(
    shared: &Shared,
    uploads: &mut std::collections::HashMap<u64, (String, String, Vec<u8>)>,
    body: &Value,
    files: &[Upload],
    existing: &[Value],
) -> Vec<Value> {
    let mut upload = |f: &Upload, filename: Option<&str>| -> Value {
        let id = shared.next_id();
        let name = filename
            .or(f.filename.as_deref())
            .unwrap_or("file")
            .to_string();
        let ct = f
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".to_string());
        let url = format!("{}/attachments/{id}/{name}", shared.base_url());
        let a = json!({
            "id": id.to_string(),
            "filename": name,
            "size": f.data.len(),
            "url": url,
            "proxy_url": url,
            "content_type": ct,
        });
        uploads.insert(id, (name, ct, f.data.clone()));
        a
    };
    match body.get("attachments").and_then(Value::as_array) {
        Some(listed) => listed
            .iter()
            .filter_map(|a| {
                let id = match &a["id"] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                if let Some(kept) = existing.iter().find(|e| e["id"] == json!(id)) {
                    return Some(kept.clone());
                }
                let part = format!("files[{id}]");
                let f = files.iter().find(|f| f.name == part)?;
                Some(upload(f, a["filename"].as_str()))
            })
            .collect(),
        None => existing
            .iter()
            .cloned()
            .chain(files.iter().map(|f| upload(f, None)))
            .collect(),
    }
}

fn attachment(shared: &Shared, rest: &str) -> Reply {
    let id = rest.split('/').next().and_then(|s| s.parse::<u64>().ok());
    match id.and_then(|id| shared.lock().uploads.get(&id).cloned()) {
        Some((_, ct, data)) => Reply {
            status: 200,
            body: None,
            message: None,
            raw: Some((ct, data)),
        },
        None => Reply::not_found(),
    }
}

// ------------------------------------------------------------ body parsing

/// (JSON body, uploaded files, why the body could not be read).
fn parse_body(
    content_type: Option<&str>,
    raw: &[u8],
) -> (Option<Value>, Vec<Upload>, Option<String>) {
    if raw.is_empty() {
        return (None, Vec::new(), None);
    }
    let ct = content_type.unwrap_or("");
    if ct.starts_with("multipart/form-data") {
        let Some(boundary) = ct
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"'))
        else {
            return (
                None,
                Vec::new(),
                Some("multipart body without boundary".into()),
            );
        };
        let mut files = Vec::new();
        let mut payload = None;
        let mut fields = serde_json::Map::new();
        for part in parse_multipart(boundary, raw) {
            if part.name == "payload_json" {
                match serde_json::from_slice(&part.data) {
                    Ok(v) => payload = Some(v),
                    Err(e) => return (None, files, Some(format!("payload_json is not JSON: {e}"))),
                }
            } else if part.filename.is_some() || part.name.starts_with("file") {
                files.push(part);
            } else {
                fields.insert(part.name, json!(String::from_utf8_lossy(&part.data)));
            }
        }
        let body = payload.or_else(|| (!fields.is_empty()).then_some(Value::Object(fields)));
        return (body, files, None);
    }
    match serde_json::from_slice(raw) {
        Ok(v) => (Some(v), Vec::new(), None),
        Err(e) => (
            None,
            Vec::new(),
            Some(format!("body ({ct}) is not JSON: {e}")),
        ),
    }
}

fn parse_multipart(boundary: &str, raw: &[u8]) -> Vec<Upload> {
    let delim = format!("--{boundary}").into_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while let Some(p) = find(&raw[i..], &delim) {
        starts.push(i + p);
        i += p + delim.len();
    }
    starts
        .windows(2)
        .filter_map(|w| {
            let mut part = &raw[w[0] + delim.len()..w[1]];
            part = part.strip_prefix(b"\r\n").unwrap_or(part);
            part = part.strip_suffix(b"\r\n").unwrap_or(part);
            let split = find(part, b"\r\n\r\n")?;
            let head = String::from_utf8_lossy(&part[..split]).to_string();
            let data = part[split + 4..].to_vec();
            let mut up = Upload {
                name: String::new(),
                filename: None,
                content_type: None,
                data,
            };
            for line in head.lines() {
                let (k, v) = line.split_once(':')?;
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-disposition" => {
                        for p in v.split(';').map(str::trim) {
                            if let Some(n) = p.strip_prefix("name=") {
                                up.name = n.trim_matches('"').to_string();
                            } else if let Some(f) = p.strip_prefix("filename=") {
                                up.filename = Some(f.trim_matches('"').to_string());
                            }
                        }
                    }
                    "content-type" => up.content_type = Some(v.trim().to_string()),
                    _ => {}
                }
            }
            Some(up)
        })
        .collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Discord's 6000-character cap over all embeds of one message (not expressible in the spec).
fn embed_limit_error(body: &Value) -> Option<String> {
    let embeds = body
        .get("embeds")
        .or_else(|| body.get("data").and_then(|d| d.get("embeds")))?
        .as_array()?;
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let total: usize = embeds
        .iter()
        .map(|e| {
            len(&e["title"])
                + len(&e["description"])
                + len(&e["footer"]["text"])
                + len(&e["author"]["name"])
                + e["fields"].as_array().map_or(0, |fs| {
                    fs.iter().map(|f| len(&f["name"]) + len(&f["value"])).sum()
                })
        })
        .sum();
    (total > EMBED_TOTAL_LIMIT).then(|| {
        format!("embeds hold {total} characters in total, Discord allows {EMBED_TOTAL_LIMIT}")
    })
}

/// Register a dispatched interaction so its callback and webhook calls can be answered.
pub fn register_interaction(st: &mut State, payload: &Value) {
    let token = payload["token"].as_str().unwrap_or_default().to_string();
    let id = payload["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    st.interactions.insert(
        token,
        InteractionState {
            id,
            kind: payload["type"].as_u64().unwrap_or(0) as u8,
            payload: payload.clone(),
            acked: None,
            original: None,
            followups: Vec::new(),
            dispatched: std::time::Instant::now(),
            offset_at_dispatch: st.clock_offset,
            acked_at: None,
        },
    );
}
