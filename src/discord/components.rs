//! Buttons under an answer ("More results", "Helpful", "Not helpful") and under a crisis reply
//! ("Show library results", "Let a moderator know I could use support"). Custom ids are
//! `cairn:<action>:<session>[:<offset>]`; the sessions they refer to live in `state`.

use super::commands::SORRY;
use super::render;
use super::state::{Data, Session};
use super::Error;
use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, CreateInteractionResponse, CreateInteractionResponseMessage,
    CreateMessage, EditInteractionResponse, FullEvent, Interaction,
};

pub(super) use crate::buttons::{parse_custom_id, Action};

/// poise's event hook: handles cairn's buttons; every other event is ignored.
pub async fn on_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &FullEvent,
) -> Result<(), Error> {
    let ctx = framework.serenity_context;
    let data = framework.user_data;
    let press = match event {
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(press),
        } => press,
        FullEvent::InteractionCreate {
            interaction: Interaction::Modal(submit),
        } => {
            let Some(id) = submit
                .data
                .custom_id
                .strip_prefix("cairn:form:")
                .and_then(|n| n.parse().ok())
            else {
                return Ok(());
            };
            if let Err(e) = super::curate::on_form(ctx, data, submit, id).await {
                tracing::error!("a moderator's form failed: {e}");
                let reply = EditInteractionResponse::new()
                    .content(SORRY)
                    .allowed_mentions(render::no_mentions());
                let _ = submit.edit_response(&ctx.http, reply).await;
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    let Some(action) = parse_custom_id(&press.data.custom_id) else {
        return Ok(());
    };
    if let Err(e) = on_button(ctx, data, press, action).await {
        tracing::error!("button failed: {e}");
        let reply = EditInteractionResponse::new()
            .content(SORRY)
            .allowed_mentions(render::no_mentions());
        if press.edit_response(&ctx.http, reply).await.is_err() {
            let msg = CreateInteractionResponseMessage::new()
                .content(SORRY)
                .ephemeral(true)
                .allowed_mentions(render::no_mentions());
            let _ = press
                .create_response(&ctx.http, CreateInteractionResponse::Message(msg))
                .await;
        }
    }
    Ok(())
}

async fn on_button(
    ctx: &serenity::Context,
    data: &Data,
    press: &ComponentInteraction,
    action: Action,
) -> Result<(), Error> {
    let session_id = match action {
        Action::More { session, .. }
        | Action::Vote { session, .. }
        | Action::Anyway { session }
        | Action::Support { session } => session,
        Action::Confirm { nonce, yes } => {
            return super::curate::on_confirm(ctx, data, press, nonce, yes).await
        }
    };
    let Some(session) = data.session(session_id).await else {
        let msg = CreateInteractionResponseMessage::new()
            .content("These results have expired. Please ask again with /ask.")
            .ephemeral(true)
            .allowed_mentions(render::no_mentions());
        press
            .create_response(&ctx.http, CreateInteractionResponse::Message(msg))
            .await?;
        return Ok(());
    };
    match action {
        Action::More { offset, .. } => {
            if data.sessions.member_key(press.user.id.get()) == session.asker {
                // The asker: acknowledge (type 6), then edit the answer in place.
                press
                    .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
                    .await?;
            } else {
                // Anyone else gets the next page privately; the public answer stays as it is.
                defer_privately(ctx, press).await?;
            }
            // Result pages of a crisis session exist only after the member asked to see them.
            show_page(ctx, press, session_id, &session, offset).await?;
        }
        Action::Vote {
            offset, helpful, ..
        } => {
            defer_privately(ctx, press).await?;
            let articles: Vec<String> = session
                .page(offset)
                .citations
                .into_iter()
                .map(|c| c.article_id)
                .collect();
            let text = if articles.is_empty() {
                "These results have expired. Please ask again with /ask.".to_string()
            } else if !data
                .sessions
                .first_vote(session_id, offset, press.user.id.get())
            {
                "You have already given feedback on these results. Thank you!".to_string()
            } else {
                let guild = press.guild_id.map(|g| g.get()).or(session.guild);
                data.curator
                    .store
                    .vote(guild.unwrap_or(0), &articles, helpful)
                    .await?;
                format!(
                    "Thank you! Your feedback was counted for the {} article(s) shown. It is stored per article, never with your name.",
                    articles.len()
                )
            };
            say(ctx, press, text).await?;
        }
        Action::Anyway { .. } => {
            defer_privately(ctx, press).await?;
            show_page(ctx, press, session_id, &session, 0).await?;
        }
        // Answered before any session was looked up.
        Action::Confirm { .. } => {}
        Action::Support { .. } => {
            defer_privately(ctx, press).await?;
            let text = alert_moderators(ctx, data, press, session_id, &session).await?;
            say(ctx, press, text).await?;
        }
    }
    Ok(())
}

/// Acknowledges a press with a private "thinking..." reply (type 5, ephemeral).
async fn defer_privately(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
) -> Result<(), Error> {
    let defer = CreateInteractionResponseMessage::new().ephemeral(true);
    press
        .create_response(&ctx.http, CreateInteractionResponse::Defer(defer))
        .await?;
    Ok(())
}

/// Edits a line of text into the deferred reply.
async fn say(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    text: String,
) -> Result<(), Error> {
    let reply = EditInteractionResponse::new()
        .content(text)
        .allowed_mentions(render::no_mentions());
    press.edit_response(&ctx.http, reply).await?;
    Ok(())
}

/// Posts in the server's moderators' channel that this member asked for someone to reach out.
/// Only ever called on the member's own press; the post never includes the question. Returns
/// what the member is told.
async fn alert_moderators(
    ctx: &serenity::Context,
    data: &Data,
    press: &ComponentInteraction,
    session_id: u64,
    session: &Session,
) -> Result<String, Error> {
    let guild = press.guild_id.map(|g| g.get()).or(session.guild);
    let Some(channel) = data.moderator_channel(guild) else {
        return Ok(render::NO_MODERATOR_CHANNEL.to_string());
    };
    if !data.sessions.first_alert(session_id) {
        return Ok(render::ALREADY_ALERTED.to_string());
    }
    let post = CreateMessage::new()
        .content(render::moderator_alert(press.user.id.get()))
        .allowed_mentions(render::no_mentions());
    serenity::ChannelId::new(channel)
        .send_message(&ctx.http, post)
        .await?;
    tracing::info!(guild, "a member asked the moderators for support");
    let country = data.settings(guild).await.country;
    Ok(render::alert_sent(
        data.library().safety().emergency_number(country.as_deref()),
    ))
}

/// Edits one page of a session's answer into the acknowledged response. No search runs: the
/// session holds the answer's pages, so a member pages through the list they were shown.
async fn show_page(
    ctx: &serenity::Context,
    press: &ComponentInteraction,
    session_id: u64,
    session: &Session,
    offset: usize,
) -> Result<(), Error> {
    let answer = session.page(offset);
    let next = answer.next_offset();
    press
        .edit_response(
            &ctx.http,
            EditInteractionResponse::new()
                .embed(render::answer_embed(&answer).build())
                .components(render::answer_buttons(session_id, answer.offset, next))
                .allowed_mentions(render::no_mentions()),
        )
        .await?;
    Ok(())
}
