//! The Discord bot: the only module that imports serenity and poise. It reads its settings,
//! registers the slash commands, and for each interaction parses the input, calls the core
//! (`Library::ask` through `spawn_blocking`) and renders the answer as an embed. One error path
//! (`on_error`) decides what a member sees when something fails: a short, kind message, with the
//! details in the log only.

mod commands;
mod components;
mod config;
pub mod render;
mod state;

pub use config::{BotConfig, ConfigError};

use crate::feedback::FeedbackStore;
use crate::library::Library;
use poise::serenity_prelude as serenity;
pub use state::Data;
use std::future::Future;
use std::sync::Arc;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("could not start the Discord client: {0}")]
    Client(#[from] serenity::Error),
}

/// The commands members use, as registered with Discord.
pub fn commands() -> Vec<poise::Command<Data, Error>> {
    vec![
        commands::ask(),
        commands::article(),
        commands::topics(),
        commands::about(),
        commands::privacy(),
    ]
}

/// Runs the bot until `shutdown` completes (Ctrl-C, SIGTERM, or a test's signal), then closes
/// the gateway connection cleanly.
pub async fn run(
    config: BotConfig,
    library: Arc<Library>,
    feedback: Arc<FeedbackStore>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BotError> {
    let guild = config.guild_id;
    let country = config.country.clone();
    let moderator_channels = config.moderator_channels.clone();
    let cooldown = config.cooldown;
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
                match guild {
                    Some(id) => {
                        poise::builtins::register_in_guild(ctx, cmds, serenity::GuildId::new(id))
                            .await?;
                        tracing::info!(guild = id, "registered {} commands in the guild", cmds.len());
                    }
                    None => {
                        poise::builtins::register_globally(ctx, cmds).await?;
                        tracing::info!("registered {} commands globally", cmds.len());
                    }
                }
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                Ok(Data::new(
                    library,
                    feedback,
                    country,
                    moderator_channels,
                    cooldown,
                ))
            })
        })
        .build();

    let intents = serenity::GatewayIntents::GUILDS;
    let mut http = serenity::HttpBuilder::new(&config.token);
    if let Some(proxy) = &config.api_proxy {
        // The serenity ratelimiter ignores the proxy (serenity #1739): turn it off with one.
        http = http.proxy(proxy).ratelimiter_disabled(true);
    }
    let mut client = serenity::ClientBuilder::new_with_http(http.build(), intents)
        .framework(framework)
        .await?;
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down");
        shards.shutdown_all().await;
    });
    client.start().await?;
    Ok(())
}

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
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!("error while handling an error: {e}");
            }
        }
    }
}
