//! The fake Discord world and the JSON shapes the double hands to serenity.
//!
//! This module owns the constants (token, ids), the users, the guild and its channel, and the
//! builders for every payload the double produces: gateway READY / GUILD_CREATE, interactions,
//! messages, registered commands, the application and the gateway info. Field sets follow what
//! serenity 0.12.5 requires (see /work/shared/notes/discord-test-double.md); the double checks
//! each one deserialises into the matching serenity type before using it.

use serde_json::{json, Value};

/// A fake bot token (serenity sends it as `Authorization: Bot <TOKEN>`).
pub const TOKEN: &str = "MTIz.fake.token";
/// The application (and, in Discord, usually also the bot user) id: here they differ on
/// purpose, so code that confuses the two is caught.
pub const APP_ID: u64 = 1_100_000_000_000_000_001;
pub const BOT_USER_ID: u64 = 1_100_000_000_000_000_002;
pub const GUILD_ID: u64 = 1_100_000_000_000_000_003;
pub const CHANNEL_ID: u64 = 1_100_000_000_000_000_004;
/// The guild's private moderators' channel.
pub const MOD_CHANNEL_ID: u64 = 1_100_000_000_000_000_007;
/// The member who runs the commands in `slash()` & co. Not the application owner.
pub const USER_ID: u64 = 1_100_000_000_000_000_005;
/// The application owner reported by `/oauth2/applications/@me` (poise's `owners`).
pub const OWNER_ID: u64 = 1_100_000_000_000_000_006;

pub const BOT_NAME: &str = "cairn-test";
pub const USER_NAME: &str = "tester";
pub const GUILD_NAME: &str = "Cairn Test Guild";
pub const CHANNEL_NAME: &str = "general";
/// Every timestamp the double writes.
pub const TIMESTAMP: &str = "2025-01-01T00:00:00.000000+00:00";
/// VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY |
/// USE_APPLICATION_COMMANDS: an ordinary member (and the bot's own permissions).
pub const MEMBER_PERMISSIONS: &str = "2147601408";
/// Maximum upload size Discord reports for an unboosted guild (interaction field).
pub const ATTACHMENT_SIZE_LIMIT: u64 = 26_214_400;

pub fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": if bot { Value::Null } else { json!(name) },
        "avatar": null,
        "bot": bot,
        "public_flags": 0,
    })
}

pub fn bot_user() -> Value {
    user(BOT_USER_ID, BOT_NAME, true)
}

/// The `/users/@me` answer (a current user has a few extra fields).
pub fn current_user() -> Value {
    let mut u = bot_user();
    u["verified"] = json!(true);
    u["mfa_enabled"] = json!(false);
    u["flags"] = json!(0);
    u
}

pub fn member(user_value: Value, permissions: Option<&str>) -> Value {
    let mut m = json!({
        "user": user_value,
        "nick": null,
        "avatar": null,
        "roles": [],
        "joined_at": TIMESTAMP,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
    });
    if let Some(p) = permissions {
        m["permissions"] = json!(p);
    }
    m
}

pub fn channel() -> Value {
    channel_named(CHANNEL_ID, CHANNEL_NAME)
}

pub fn channel_named(id: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(),
        "type": 0,
        "guild_id": GUILD_ID.to_string(),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "topic": null,
        "nsfw": false,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "parent_id": null,
        "flags": 0,
    })
}

pub fn hello(heartbeat_interval_ms: u64) -> Value {
    json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": heartbeat_interval_ms}})
}

pub fn dispatch(seq: u64, event: &str, d: Value) -> Value {
    json!({"op": 0, "s": seq, "t": event, "d": d})
}

/// READY for shard `shard` of `total`, listing the guilds (ids) on that shard.
pub fn ready(session_id: &str, resume_url: &str, shard: (u64, u64), guilds: &[u64]) -> Value {
    let guilds: Vec<Value> = guilds
        .iter()
        .map(|g| json!({"id": g.to_string(), "unavailable": true}))
        .collect();
    json!({
        "v": 10,
        "user": current_user(),
        "guilds": guilds,
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "shard": [shard.0, shard.1],
        "application": {"id": APP_ID.to_string(), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
    })
}

pub fn guild_create() -> Value {
    let mut ch = channel();
    ch.as_object_mut().unwrap().remove("guild_id");
    let mut mods = channel_named(MOD_CHANNEL_ID, "moderators");
    mods.as_object_mut().unwrap().remove("guild_id");
    let everyone = json!({
        "id": GUILD_ID.to_string(),
        "name": "@everyone",
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": 0,
        "permissions": MEMBER_PERMISSIONS,
        "managed": false,
        "mentionable": false,
        "flags": 0,
    });
    let mut g = json!({
        "id": GUILD_ID.to_string(),
        "name": GUILD_NAME,
        "icon": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": OWNER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": CHANNEL_ID.to_string(),
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": false,
    });
    let rest = json!({
        "joined_at": TIMESTAMP,
        "large": false,
        "unavailable": false,
        "member_count": 2,
        "roles": [everyone],
        "members": [member(bot_user(), None), member(user(USER_ID, USER_NAME, false), None)],
        "channels": [ch, mods],
    });
    let obj = g.as_object_mut().unwrap();
    obj.extend(rest.as_object().unwrap().clone());
    for empty in [
        "emojis",
        "features",
        "stickers",
        "voice_states",
        "threads",
        "presences",
        "stage_instances",
        "guild_scheduled_events",
        "soundboard_sounds",
    ] {
        obj.insert(empty.to_string(), json!([]));
    }
    g
}

/// Fields shared by every guild interaction the double dispatches.
pub fn interaction_base(id: u64, token: &str, kind: u8, data: Value) -> Value {
    json!({
        "id": id.to_string(),
        "application_id": APP_ID.to_string(),
        "type": kind,
        "data": data,
        "guild_id": GUILD_ID.to_string(),
        "channel_id": CHANNEL_ID.to_string(),
        "channel": {
            "id": CHANNEL_ID.to_string(),
            "type": 0,
            "name": CHANNEL_NAME,
            "guild_id": GUILD_ID.to_string(),
            "permissions": MEMBER_PERMISSIONS,
            "flags": 0,
        },
        "member": member(user(USER_ID, USER_NAME, false), Some(MEMBER_PERMISSIONS)),
        "token": token,
        "version": 1,
        "app_permissions": MEMBER_PERMISSIONS,
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID.to_string()},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    })
}

/// A message as Discord answers it: `fields` (content, embeds, components, flags,
/// attachments...) over the defaults.
pub fn message(id: u64, kind: u8, fields: &Value) -> Value {
    let mut m = json!({
        "id": id.to_string(),
        "channel_id": CHANNEL_ID.to_string(),
        "author": bot_user(),
        "content": "",
        "timestamp": TIMESTAMP,
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": kind,
        "flags": 0,
    });
    merge_message_fields(&mut m, fields);
    m
}

/// Apply the writable fields of a message create/edit body to a message object, the way
/// Discord renders them (embeds get `type: rich`, `null` clears a field).
pub fn merge_message_fields(m: &mut Value, fields: &Value) {
    let Some(obj) = fields.as_object() else {
        return;
    };
    for (k, v) in obj {
        match k.as_str() {
            "content" => m["content"] = if v.is_null() { json!("") } else { v.clone() },
            "embeds" => {
                let mut embeds = if v.is_null() { json!([]) } else { v.clone() };
                for e in embeds.as_array_mut().into_iter().flatten() {
                    if e.get("type").is_none_or(Value::is_null) {
                        e["type"] = json!("rich");
                    }
                }
                m["embeds"] = embeds;
            }
            "components" => {
                m["components"] = if v.is_null() { json!([]) } else { v.clone() };
            }
            "flags" => {
                // Only EPHEMERAL (64), SUPPRESS_EMBEDS (4) and SUPPRESS_NOTIFICATIONS (4096)
                // can be requested; LOADING (128) is cleared by any edit.
                let old = m["flags"].as_u64().unwrap_or(0) & !(128 | 4 | 4096);
                m["flags"] = json!(old | (v.as_u64().unwrap_or(0) & (64 | 4 | 4096)));
            }
            "tts" => m["tts"] = json!(v.as_bool().unwrap_or(false)),
            "poll" => m["poll"] = v.clone(),
            _ => {}
        }
    }
}

/// A registered application command as Discord echoes it.
pub fn command(req: &Value, id: u64, version: u64, guild_id: Option<u64>) -> Value {
    let mut c = req.clone();
    if !c.is_object() {
        c = json!({});
    }
    c["id"] = json!(id.to_string());
    c["application_id"] = json!(APP_ID.to_string());
    c["version"] = json!(version.to_string());
    if c.get("type").is_none_or(Value::is_null) {
        c["type"] = json!(1);
    }
    if c.get("description").is_none_or(Value::is_null) {
        c["description"] = json!("");
    }
    // Discord answers the permission bitset as a string, whichever form it was sent in.
    c["default_member_permissions"] = match c.get("default_member_permissions") {
        Some(Value::Number(n)) => json!(n.to_string()),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    if c.get("nsfw").is_none_or(Value::is_null) {
        c["nsfw"] = json!(false);
    }
    if let Some(g) = guild_id {
        c["guild_id"] = json!(g.to_string());
    }
    c
}

pub fn application() -> Value {
    json!({
        "id": APP_ID.to_string(),
        "name": BOT_NAME,
        "icon": null,
        "description": "",
        "bot_public": false,
        "bot_require_code_grant": false,
        "owner": user(OWNER_ID, "owner", false),
        "verify_key": "0".repeat(64),
        "team": null,
        "flags": 0,
        "bot": bot_user(),
    })
}

pub fn gateway(url: &str) -> Value {
    json!({ "url": url })
}

pub fn gateway_bot(url: &str) -> Value {
    json!({
        "url": url,
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
    })
}

/// Discord's error body.
pub fn error(code: u32, message: &str) -> Value {
    json!({ "code": code, "message": message })
}
