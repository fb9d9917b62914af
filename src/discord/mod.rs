//! The Discord bot: the only module that imports serenity and poise. It reads its settings,
//! registers the slash commands, and for each interaction parses the input, calls the core
//! (`Library::ask` through `spawn_blocking`) and renders the answer as an embed. One error path
//! (`on_error`) decides what a member sees when something fails: a short, kind message, with the
//! details in the log only.

mod commands;
mod components;
mod config;
mod curate;
pub mod render;
mod state;

pub use config::{BotConfig, ConfigError, Retry, Shards, TestEndpoint};

use crate::curation::Curator;
use poise::serenity_prelude as serenity;
pub use state::Data;
use std::future::Future;
use std::sync::Arc;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("the Discord connection failed: {0}")]
    Client(#[from] serenity::Error),
    #[error("{0}")]
    Registration(String),
    #[error("could not set up the HTTPS client: {0}")]
    Tls(String),
}

pub use crate::buttons::is_cairn_button;

/// The commands members use, as registered with Discord.
pub fn commands() -> Vec<poise::Command<Data, Error>> {
    vec![
        commands::ask(),
        commands::article(),
        commands::topics(),
        commands::about(),
        commands::privacy(),
        curate::feedback(),
        curate::config(),
    ]
}

/// Runs the bot until `shutdown` completes (Ctrl-C, SIGTERM, or a test's signal), then closes
/// the gateway connection cleanly. Returns an error, so that a supervisor restarts the process,
/// when the commands cannot be registered after the configured retries: a bot that cannot
/// register would be alive but deaf.
pub async fn run(
    config: BotConfig,
    curator: Arc<Curator>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BotError> {
    let guild = config.guild_id;
    let moderator_channels = config.moderator_channels.clone();
    let loopback_attachments = config.test_endpoint.is_some();
    let retry = config.registration;
    let shard_plan = config.shards.clone();
    // Other processes' changes to servers' articles (and this one's) reach the live library.
    let follower = tokio::spawn(curator.clone().follow(std::future::pending()));
    let bot_curator = curator.clone();
    let (fatal_tx, fatal_rx) = tokio::sync::oneshot::channel::<String>();
    let fatal_tx = std::sync::Mutex::new(Some(fatal_tx));
    let framework = poise::Framework::<Data, Error>::builder()
        .options(poise::FrameworkOptions {
            commands: commands(),
            on_error: |err| Box::pin(on_error(err)),
            event_handler: |framework, event| Box::pin(components::on_event(framework, event)),
            allowed_mentions: Some(render::no_mentions()),
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let cmds = &framework.options().commands;
                if let Err(e) = register(ctx, cmds, guild, retry).await {
                    let line = match guild {
                        Some(id) => format!("could not register the commands in server {id} after {} attempts ({e}); is the bot in that server, and is DISCORD_GUILD_ID right?", retry.attempts),
                        None => format!("could not register the commands after {} attempts ({e})", retry.attempts),
                    };
                    if let Some(tx) = fatal_tx.lock().ok().and_then(|mut t| t.take()) {
                        let _ = tx.send(line.clone());
                    }
                    return Err(line.into());
                }
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                let mut data = Data::new(bot_curator, moderator_channels);
                data.loopback_attachments = loopback_attachments;
                Ok(data)
            })
        })
        .build();

    let intents = serenity::GatewayIntents::GUILDS;
    let http = serenity::HttpBuilder::new(&config.token)
        .client(https_client(config.test_endpoint.as_ref()).map_err(BotError::Tls)?)
        .build();
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await?;
    let shards = client.shard_manager.clone();
    // Whatever state the client is in (connecting, retrying, connected), a shutdown or a fatal
    // error ends it: the client's future is dropped rather than awaited.
    let start = async {
        match &shard_plan {
            Some(s) => {
                tracing::info!(
                    total = s.total,
                    first = s.range.start,
                    last = s.range.end - 1,
                    "starting shards"
                );
                client.start_shard_range(s.range.clone(), s.total).await
            }
            None => client.start().await,
        }
    };
    let outcome = tokio::select! {
        result = start => result.map_err(BotError::from),
        () = shutdown => {
            tracing::info!("shutting down");
            Ok(())
        }
        Ok(line) = fatal_rx => Err(BotError::Registration(line)),
    };
    follower.abort();
    if tokio::time::timeout(SHUTDOWN_GRACE, shards.shutdown_all())
        .await
        .is_err()
    {
        tracing::warn!("the gateway did not close within {SHUTDOWN_GRACE:?}; leaving anyway");
    }
    outcome
}

/// The HTTPS client every Discord request goes through, serenity's rate limiter included. In
/// production it trusts the usual web roots. With a test endpoint (tests only), `discord.com`
/// resolves to that loopback address and only the test certificate authority is trusted: the
/// requests still go to `https://discord.com/api/v10/...` on the same code path.
fn https_client(endpoint: Option<&TestEndpoint>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder().use_rustls_tls();
    if let Some(ep) = endpoint {
        tracing::warn!(
            address = %ep.addr,
            "CAIRN_DISCORD_ADDR is set: discord.com is reached at this address, trusting only CAIRN_DISCORD_CA. This is for tests only."
        );
        let ca = reqwest::Certificate::from_pem(&ep.ca_pem)
            .map_err(|e| format!("CAIRN_DISCORD_CA: {e}"))?;
        builder = builder
            .resolve("discord.com", ep.addr)
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca);
    }
    builder.build().map_err(|e| e.to_string())
}

/// How long a clean gateway close may take before cairn leaves anyway.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Registers the commands (in one server, or globally), retrying with doubling pauses.
async fn register(
    ctx: &serenity::Context,
    cmds: &[poise::Command<Data, Error>],
    guild: Option<u64>,
    retry: Retry,
) -> Result<(), serenity::Error> {
    let mut pause = retry.backoff;
    for attempt in 1..=retry.attempts.max(1) {
        let result = match guild {
            Some(id) => {
                poise::builtins::register_in_guild(ctx, cmds, serenity::GuildId::new(id)).await
            }
            None => poise::builtins::register_globally(ctx, cmds).await,
        };
        match result {
            Ok(()) => {
                match guild {
                    Some(id) => tracing::info!(
                        guild = id,
                        "registered {} commands in the guild",
                        cmds.len()
                    ),
                    None => tracing::info!("registered {} commands globally", cmds.len()),
                }
                return Ok(());
            }
            Err(e) if attempt < retry.attempts => {
                tracing::warn!(
                    attempt,
                    "registering the commands failed ({e}); retrying in {pause:?}"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_BACKOFF);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(30);

/// The one place that decides what a member sees when something fails.
async fn on_error(err: poise::FrameworkError<'_, Data, Error>) {
    match err {
        poise::FrameworkError::Setup { error, .. } => {
            tracing::error!("setup failed: {error}");
        }
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, "command failed: {error}");
            commands::reply_kind_error(ctx).await;
        }
        poise::FrameworkError::ArgumentParse { error, ctx, .. } => {
            // The error may quote what the member typed: log only which command it was.
            let _ = error;
            tracing::warn!(command = %ctx.command().qualified_name, "bad arguments");
            commands::reply_kind_error(ctx).await;
        }
        poise::FrameworkError::GuildOnly { ctx, .. } => {
            let note = poise::CreateReply::default()
                .content("cairn answers inside the support group's server it was added to. Please use its commands there.")
                .ephemeral(true)
                .allowed_mentions(render::no_mentions());
            if let Err(e) = ctx.send(note).await {
                tracing::error!("could not answer a direct message: {e}");
            }
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!("error while handling an error: {e}");
            }
        }
    }
}
