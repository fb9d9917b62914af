//! The bot's settings from the environment (a `.env` file is loaded first by `cairn serve`):
//! `DISCORD_TOKEN` (required), `DISCORD_GUILD_ID`, `CAIRN_HELPLINE_COUNTRY`,
//! `CAIRN_MODERATOR_CHANNELS`, `CAIRN_COOLDOWN_SECS`, and for tests only `CAIRN_DISCORD_ADDR`
//! with `CAIRN_DISCORD_CA` (reach `discord.com` at a loopback address, over TLS, trusting only a
//! test certificate authority). Errors name the variable and never echo the token.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// The pause between one member's questions unless `CAIRN_COOLDOWN_SECS` says otherwise.
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(10);

/// What `run` needs to connect.
#[derive(Clone)]
pub struct BotConfig {
    pub token: String,
    /// Register commands to this server only (instant; for testing) instead of globally.
    pub guild_id: Option<u64>,
    /// Tests only: where `discord.com` is, and the only certificate authority trusted for it.
    /// Requests take the production path all the same (TLS, serenity's rate limiter).
    pub test_endpoint: Option<TestEndpoint>,
    /// ISO country code for crisis helplines (GB, IE, US, CA, AU, NZ).
    pub country: Option<String>,
    /// Each server's moderators' channel (guild id to channel id), for "Let a moderator know".
    pub moderator_channels: HashMap<u64, u64>,
    /// The pause between one member's questions (0 turns it off).
    pub cooldown: Duration,
    /// How command registration is retried before the bot gives up and exits.
    pub registration: Retry,
    /// Run only these shards of a bot with this many (`None`: one shard, the whole bot).
    pub shards: Option<Shards>,
}

/// A stand-in for Discord on this machine: `discord.com` resolves to `addr`, and its certificate
/// must be signed by `ca_pem` (the built-in roots are not trusted then).
#[derive(Clone, PartialEq, Eq)]
pub struct TestEndpoint {
    pub addr: SocketAddr,
    pub ca_pem: Vec<u8>,
}

impl fmt::Debug for TestEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TestEndpoint({})", self.addr)
    }
}

/// Which shards this process runs: `range` of `total`. Discord sends a server's events to
/// shard `(guild_id >> 22) % total`; several processes each run a range against one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shards {
    pub total: u32,
    pub range: std::ops::Range<u32>,
}

impl Shards {
    /// `--shards N` with an optional `--shard-range A..B` (default: all N), checked.
    pub fn parse(total: u32, range: Option<&str>) -> Result<Shards, String> {
        if total == 0 {
            return Err("--shards must be at least 1".into());
        }
        let range = match range {
            None => 0..total,
            Some(text) => {
                let (a, b) = text
                    .split_once("..")
                    .ok_or_else(|| format!("--shard-range must look like 0..2, not `{text}`"))?;
                let a: u32 = a
                    .trim()
                    .parse()
                    .map_err(|_| format!("--shard-range: `{a}` is not a shard number"))?;
                let b: u32 = b
                    .trim()
                    .parse()
                    .map_err(|_| format!("--shard-range: `{b}` is not a shard number"))?;
                a..b
            }
        };
        if range.start >= range.end || range.end > total {
            return Err(format!(
                "--shard-range {}..{} must name at least one shard, within 0..{total}",
                range.start, range.end
            ));
        }
        Ok(Shards { total, range })
    }
}

/// Attempts, and the first pause between them (doubling each time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub attempts: u32,
    pub backoff: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 5,
            backoff: Duration::from_secs(1),
        }
    }
}

/// Never print the token, even in debug output.
impl fmt::Debug for BotConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotConfig")
            .field("token", &"<redacted>")
            .field("guild_id", &self.guild_id)
            .field("test_endpoint", &self.test_endpoint)
            .field("country", &self.country)
            .field("moderator_channels", &self.moderator_channels)
            .field("cooldown", &self.cooldown)
            .field("registration", &self.registration)
            .field("shards", &self.shards)
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("DISCORD_TOKEN is not set: put your bot token in the environment or in .env (see .env.example)")]
    MissingToken,
    #[error("DISCORD_TOKEN is malformed: expected the bot token from the Discord developer portal (three parts separated by dots)")]
    MalformedToken,
    #[error("DISCORD_GUILD_ID must be a server id (a number), not `{0}`")]
    BadGuildId(String),
    #[error(
        "CAIRN_HELPLINE_COUNTRY must be a two-letter country code such as GB or US, not `{0}`"
    )]
    BadCountry(String),
    #[error("CAIRN_DISCORD_ADDR must be an address on this machine with a port (such as 127.0.0.1:8443), not `{0}`; it is for tests only")]
    BadDiscordAddr(String),
    #[error(
        "CAIRN_DISCORD_ADDR and CAIRN_DISCORD_CA go together (tests only): set both or neither"
    )]
    DiscordAddrWithoutCa,
    #[error("CAIRN_DISCORD_CA must name a PEM file holding a certificate ({0})")]
    BadDiscordCa(String),
    #[error("CAIRN_MODERATOR_CHANNELS must list SERVER_ID:CHANNEL_ID pairs separated by commas (or one CHANNEL_ID when DISCORD_GUILD_ID is set), not `{0}`")]
    BadModeratorChannels(String),
    #[error("CAIRN_COOLDOWN_SECS must be a whole number of seconds from 0 to 3600, not `{0}`")]
    BadCooldown(String),
}

impl BotConfig {
    /// Reads the settings through `var` (the environment, or a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<BotConfig, ConfigError> {
        let token = var("DISCORD_TOKEN")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or(ConfigError::MissingToken)?;
        let token = token.strip_prefix("Bot ").unwrap_or(&token).to_string();
        let token_chars = token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !token_chars || serenity::utils::token::validate(&token).is_err() {
            return Err(ConfigError::MalformedToken);
        }
        let guild_id = match var("DISCORD_GUILD_ID").map(|g| g.trim().to_string()) {
            None => None,
            Some(g) if g.is_empty() => None,
            Some(g) => match g.parse::<u64>() {
                Ok(id) if id > 0 => Some(id),
                _ => return Err(ConfigError::BadGuildId(g)),
            },
        };
        let country = match var("CAIRN_HELPLINE_COUNTRY").map(|c| c.trim().to_ascii_uppercase()) {
            None => None,
            Some(c) if c.is_empty() => None,
            Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => Some(c),
            Some(c) => return Err(ConfigError::BadCountry(c)),
        };
        let test_endpoint = test_endpoint(&var)?;
        let moderator_channels = match var("CAIRN_MODERATOR_CHANNELS") {
            None => HashMap::new(),
            Some(v) => parse_channels(&v, guild_id)
                .ok_or_else(|| ConfigError::BadModeratorChannels(v.trim().to_string()))?,
        };
        let cooldown = match var("CAIRN_COOLDOWN_SECS").map(|c| c.trim().to_string()) {
            None => DEFAULT_COOLDOWN,
            Some(c) if c.is_empty() => DEFAULT_COOLDOWN,
            Some(c) => match c.parse::<u64>() {
                Ok(n) if n <= 3600 => Duration::from_secs(n),
                _ => return Err(ConfigError::BadCooldown(c)),
            },
        };
        Ok(BotConfig {
            token,
            guild_id,
            test_endpoint,
            country,
            moderator_channels,
            cooldown,
            registration: Retry::default(),
            shards: None,
        })
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<BotConfig, ConfigError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }
}

/// `CAIRN_DISCORD_ADDR` (a loopback socket address) with `CAIRN_DISCORD_CA` (a PEM file).
fn test_endpoint(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Option<TestEndpoint>, ConfigError> {
    let nonempty = |k| {
        var(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let (addr, ca) = match (nonempty("CAIRN_DISCORD_ADDR"), nonempty("CAIRN_DISCORD_CA")) {
        (None, None) => return Ok(None),
        (Some(a), Some(c)) => (a, c),
        _ => return Err(ConfigError::DiscordAddrWithoutCa),
    };
    let addr = match addr.parse::<SocketAddr>() {
        Ok(a) if a.ip().is_loopback() && a.port() != 0 => a,
        _ => return Err(ConfigError::BadDiscordAddr(addr)),
    };
    let ca_pem = std::fs::read(&ca).map_err(|e| ConfigError::BadDiscordCa(format!("{ca}: {e}")))?;
    if !ca_pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(ConfigError::BadDiscordCa(format!(
            "{ca}: no PEM certificate in it"
        )));
    }
    Ok(Some(TestEndpoint { addr, ca_pem }))
}

/// `GUILD:CHANNEL,GUILD:CHANNEL`, or a bare `CHANNEL` for the one `DISCORD_GUILD_ID` server.
fn parse_channels(value: &str, guild: Option<u64>) -> Option<HashMap<u64, u64>> {
    let id = |s: &str| s.trim().parse::<u64>().ok().filter(|&n| n > 0);
    let mut out = HashMap::new();
    for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (g, c) = match pair.split_once(':') {
            Some((g, c)) => (id(g)?, id(c)?),
            None => (guild?, id(pair)?),
        };
        out.insert(g, c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ranges_are_checked() {
        assert_eq!(Shards::parse(4, Some("2..4")).unwrap().range, 2..4);
        assert_eq!(Shards::parse(2, None).unwrap().range, 0..2);
        for (n, r) in [
            (0, None),
            (4, Some("3..3")),
            (4, Some("2..5")),
            (4, Some("a..b")),
            (4, Some("2-4")),
        ] {
            assert!(Shards::parse(n, r).is_err(), "{n} {r:?}");
        }
    }
    use std::collections::HashMap;

    const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB";

    fn with(pairs: &[(&str, &str)]) -> Result<BotConfig, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        BotConfig::from_vars(|k| map.get(k).cloned())
    }

    #[test]
    fn token_is_required_and_checked() {
        assert_eq!(with(&[]).unwrap_err(), ConfigError::MissingToken);
        assert_eq!(
            with(&[("DISCORD_TOKEN", "  ")]).unwrap_err(),
            ConfigError::MissingToken
        );
        assert_eq!(
            with(&[("DISCORD_TOKEN", "not-a-token")]).unwrap_err(),
            ConfigError::MalformedToken
        );
        let ok = with(&[
            ("DISCORD_TOKEN", TOKEN),
            ("DISCORD_GUILD_ID", "42"),
            ("CAIRN_HELPLINE_COUNTRY", "gb"),
        ])
        .unwrap();
        assert_eq!(ok.guild_id, Some(42));
        assert_eq!(ok.country.as_deref(), Some("GB"));
    }

    #[test]
    fn moderator_channels_and_cooldown() {
        let ok = with(&[
            ("DISCORD_TOKEN", TOKEN),
            ("CAIRN_MODERATOR_CHANNELS", "1:2, 3:4"),
            ("CAIRN_COOLDOWN_SECS", "0"),
        ])
        .unwrap();
        assert_eq!(ok.moderator_channels.get(&1), Some(&2));
        assert_eq!(ok.moderator_channels.get(&3), Some(&4));
        assert_eq!(ok.cooldown, Duration::ZERO);
        let one = with(&[
            ("DISCORD_TOKEN", TOKEN),
            ("DISCORD_GUILD_ID", "42"),
            ("CAIRN_MODERATOR_CHANNELS", "77"),
        ])
        .unwrap();
        assert_eq!(one.moderator_channels.get(&42), Some(&77));
        assert_eq!(one.cooldown, DEFAULT_COOLDOWN);
        for bad in ["77", "1:x", "1:2:3", "a"] {
            let e =
                with(&[("DISCORD_TOKEN", TOKEN), ("CAIRN_MODERATOR_CHANNELS", bad)]).unwrap_err();
            assert!(e.to_string().starts_with("CAIRN_MODERATOR_CHANNELS"), "{e}");
        }
        let e = with(&[("DISCORD_TOKEN", TOKEN), ("CAIRN_COOLDOWN_SECS", "-1")]).unwrap_err();
        assert_eq!(e, ConfigError::BadCooldown("-1".into()));
    }

    #[test]
    fn the_test_endpoint_is_this_machine_only_and_needs_a_ca() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(
            &ca,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let ca = ca.to_str().unwrap();
        for ok in ["127.0.0.1:8443", "[::1]:9", "127.0.0.2:1"] {
            let c = with(&[
                ("DISCORD_TOKEN", TOKEN),
                ("CAIRN_DISCORD_ADDR", ok),
                ("CAIRN_DISCORD_CA", ca),
            ])
            .unwrap();
            assert_eq!(c.test_endpoint.unwrap().addr, ok.parse().unwrap());
        }
        for bad in [
            "10.0.0.1:443",
            "example.org:443",
            "127.0.0.1",
            "127.0.0.1:0",
            "discord.com",
        ] {
            let e = with(&[
                ("DISCORD_TOKEN", TOKEN),
                ("CAIRN_DISCORD_ADDR", bad),
                ("CAIRN_DISCORD_CA", ca),
            ])
            .unwrap_err();
            assert!(matches!(e, ConfigError::BadDiscordAddr(_)), "{bad}: {e}");
        }
        let e = with(&[
            ("DISCORD_TOKEN", TOKEN),
            ("CAIRN_DISCORD_ADDR", "127.0.0.1:1"),
        ]);
        assert_eq!(e.unwrap_err(), ConfigError::DiscordAddrWithoutCa);
        let e = with(&[("DISCORD_TOKEN", TOKEN), ("CAIRN_DISCORD_CA", ca)]);
        assert_eq!(e.unwrap_err(), ConfigError::DiscordAddrWithoutCa);
        let not_pem = dir.path().join("x.txt");
        std::fs::write(&not_pem, "hello").unwrap();
        for path in [not_pem.to_str().unwrap(), "/nonexistent/ca.pem"] {
            let e = with(&[
                ("DISCORD_TOKEN", TOKEN),
                ("CAIRN_DISCORD_ADDR", "127.0.0.1:1"),
                ("CAIRN_DISCORD_CA", path),
            ])
            .unwrap_err();
            assert!(matches!(e, ConfigError::BadDiscordCa(_)), "{path}: {e}");
        }
        assert!(with(&[("DISCORD_TOKEN", TOKEN)])
            .unwrap()
            .test_endpoint
            .is_none());
    }

    #[test]
    fn errors_never_show_the_token() {
        let bad = "abc.def.SECRET SECRET";
        let err = with(&[("DISCORD_TOKEN", bad)]).unwrap_err();
        assert_eq!(err, ConfigError::MalformedToken);
        assert!(!err.to_string().contains("SECRET"), "{err}");
        let ok = with(&[("DISCORD_TOKEN", TOKEN)]).unwrap();
        assert!(!format!("{ok:?}").contains(TOKEN));
    }

    #[test]
    fn bad_guild_and_country_name_the_variable() {
        let e = with(&[("DISCORD_TOKEN", TOKEN), ("DISCORD_GUILD_ID", "my-server")]).unwrap_err();
        assert!(e.to_string().starts_with("DISCORD_GUILD_ID"), "{e}");
        let e = with(&[
            ("DISCORD_TOKEN", TOKEN),
            ("CAIRN_HELPLINE_COUNTRY", "Britain"),
        ])
        .unwrap_err();
        assert!(e.to_string().starts_with("CAIRN_HELPLINE_COUNTRY"), "{e}");
    }
}
