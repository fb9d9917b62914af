//! The slash commands members use: `/ask`, `/article show`, `/topics`, `/about`. Each is an
//! annotated function whose doc comment is its description: it defers (so Discord's 3-second
//! window is always met), calls the core off the async runtime, and edits in the rendered reply.

use super::render::{self, EmbedText};
use super::state::Session;
use super::{Context, Error};
use crate::answer::truncate_words;
use crate::corpus::Condition;
use poise::serenity_prelude as serenity;
use serenity::{CreateActionRow, CreateEmbed, EditInteractionResponse};

/// The conditions a member can filter by (mirrors `corpus::Condition`).
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ConditionChoice {
    #[name = "ME/CFS"]
    Mecfs,
    #[name = "Fibromyalgia"]
    Fibromyalgia,
    #[name = "Long COVID"]
    LongCovid,
    #[name = "IBS"]
    Ibs,
    #[name = "SIBO"]
    Sibo,
    #[name = "POTS"]
    Pots,
    #[name = "Gut health"]
    GutHealth,
    #[name = "General"]
    General,
}

impl From<ConditionChoice> for Condition {
    fn from(c: ConditionChoice) -> Condition {
        match c {
            ConditionChoice::Mecfs => Condition::Mecfs,
            ConditionChoice::Fibromyalgia => Condition::Fibromyalgia,
            ConditionChoice::LongCovid => Condition::LongCovid,
            ConditionChoice::Ibs => Condition::Ibs,
            ConditionChoice::Sibo => Condition::Sibo,
            ConditionChoice::Pots => Condition::Pots,
            ConditionChoice::GutHealth => Condition::GutHealth,
            ConditionChoice::General => Condition::General,
        }
    }
}

/// Ask the library a health question; the answer cites its sources
#[poise::command(slash_command, guild_only)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, in your own words"]
    #[max_length = 1000]
    question: String,
    #[description = "Only articles about this condition"] condition: Option<ConditionChoice>,
    #[description = "Show the answer only to you"] private: Option<bool>,
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let data = ctx.data();
    let guild = ctx.guild_id().map(|g| g.get());
    // The rules are instant: they decide before the reply is deferred whether it is private.
    // The encoder's net, if any, runs after, on the bounded pool.
    let mut lexical = data.library().screen_lexical(&question);
    let settings = data.settings(guild).await;
    let urgent = lexical.crisis || lexical.emergency.is_some();
    // A server may limit the channels cairn answers in; a crisis or an emergency is answered
    // (privately) wherever it is written.
    if !urgent && !settings.answers_in(ctx.channel_id().get()) {
        let channels = settings
            .channels
            .iter()
            .map(|c| format!("<#{c}>"))
            .collect::<Vec<_>>()
            .join(" ");
        return say_privately(
            ctx,
            format!("In this server, cairn answers in {channels}. Please ask there."),
        )
        .await;
    }
    // A crisis or an emergency is never held back by the cooldown. Before a too-fast repeat is
    // turned away, the encoder's net also gets a brief look (the 3-second window must be met).
    if !urgent {
        if let Some(wait) = data
            .cooldown
            .check(ctx.author().id.get(), settings.cooldown)
        {
            match tokio::time::timeout(NET_WAIT, data.screen(&question)).await {
                Ok(Ok(full)) if full.crisis => lexical = full,
                _ => {
                    return say_privately(
                        ctx,
                        format!(
                            "You asked a moment ago. Please try again in {} second(s), so that everyone gets a turn.",
                            wait.as_secs().max(1)
                        ),
                    )
                    .await
                }
            }
        }
    }
    let private = private.unwrap_or(settings.private_answers) || lexical.crisis;
    defer(ctx, private).await?;

    let condition = condition.map(Condition::from);
    let (answer, anyway) = data.ask(&question, condition, guild, &settings).await?;
    let session = Session {
        answer,
        anyway,
        page_size: settings.citations,
        guild,
        asker: data.sessions.member_key(ctx.author().id.get()),
    };
    let first = session.answer.page(0, settings.citations);
    let id = data.remember(session).await;
    tracing::info!(
        command = "ask",
        guild,
        ms = started.elapsed().as_millis() as u64,
        results = first.citations.len(),
        "answered"
    );
    if first.search_withheld {
        let can_alert = data.moderator_channel(guild).is_some();
        let embed = render::crisis_embed(&first, can_alert).build();
        let buttons = render::crisis_buttons(id, first.screening.results_on_request(), can_alert);
        if private {
            return edit(ctx, embed, buttons).await;
        }
        // Only the encoder's net saw the crisis, after a public "thinking...": take that away
        // and answer privately instead.
        return answer_privately_instead(ctx, embed, buttons).await;
    }
    let buttons = if first.citations.is_empty() {
        Vec::new()
    } else {
        render::answer_buttons(id, 0, first.next_offset())
    };
    edit(ctx, render::answer_embed(&first).build(), buttons).await
}

/// What cairn keeps about members and their questions, and for how long
#[poise::command(slash_command, guild_only)]
pub async fn privacy(ctx: Context<'_>) -> Result<(), Error> {
    defer(ctx, true).await?;
    let settings = ctx.data().settings(ctx.guild_id().map(|g| g.get())).await;
    let cooldown = settings.cooldown.as_secs();
    edit(ctx, render::privacy_embed(cooldown).build(), Vec::new()).await
}

/// How long the encoder's net may look at a question that the cooldown would turn away.
const NET_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// A private one-line reply as the first response (no defer needed).
pub(super) async fn say_privately(ctx: Context<'_>, text: String) -> Result<(), Error> {
    ctx.send(
        poise::CreateReply::default()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(render::no_mentions()),
    )
    .await?;
    Ok(())
}

/// Articles in the library; moderators add, edit and retire this server's own
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "show",
        "super::curate::add",
        "super::curate::edit_article",
        "super::curate::remove",
        "super::curate::list",
        "super::curate::history",
        "super::curate::review",
        "super::curate::export",
        "super::curate::import"
    ),
    subcommand_required
)]
pub async fn article(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Show one article's summary, source and dates
#[poise::command(slash_command, guild_only)]
pub async fn show(
    ctx: Context<'_>,
    #[description = "The article: start typing its title"]
    #[autocomplete = "autocomplete_article"]
    id: String,
) -> Result<(), Error> {
    let lib = &ctx.data().library();
    let guild = ctx.guild_id().map(|g| g.get());
    // This server's own article first, then the shared library's.
    let own = guild.and_then(|g| lib.server_article(g, id.trim()));
    let Some(article) = own.as_deref().or_else(|| lib.article(id.trim())) else {
        defer(ctx, true).await?;
        let text = EmbedText {
            title: "No such article".into(),
            description: "Start typing a title and pick an article from the list.".into(),
            ..EmbedText::default()
        };
        return edit(ctx, text.build(), Vec::new()).await;
    };
    defer(ctx, false).await?;
    let today = chrono::Local::now().date_naive();
    let settings = ctx.data().settings(guild).await;
    let disclaimer = settings
        .disclaimer
        .unwrap_or_else(|| crate::answer::DEFAULT_DISCLAIMER.to_string());
    let embed = render::article_embed(article, article.review_overdue(today), &disclaimer);
    edit(ctx, embed.build(), Vec::new()).await
}

/// Titles matching what the member has typed. The cheap path: titles, ids and tags only, never
/// the search pipeline or the encoder, so typing costs next to nothing.
async fn autocomplete_article(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let guild = ctx.guild_id().map(|g| g.get());
    let lib = &ctx.data().library();
    // This server's own articles first; never another server's.
    let own = guild.map(|g| lib.server_articles(g)).unwrap_or_default();
    let own = crate::library::titles_matching(own.iter().map(|a| &**a), partial, render::CHOICES);
    let choices = own
        .into_iter()
        .chain(lib.titles_matching(partial, render::CHOICES))
        .take(render::CHOICES)
        .map(|a| {
            serenity::AutocompleteChoice::new(
                truncate_words(&a.title, render::CHOICE_NAME),
                a.id.clone(),
            )
        })
        .collect::<Vec<_>>();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// The conditions and tags the library covers, with counts
#[poise::command(slash_command, guild_only)]
pub async fn topics(ctx: Context<'_>) -> Result<(), Error> {
    defer(ctx, false).await?;
    let topics = ctx.data().library().topics();
    let (conds, tags) = (topics.conditions, topics.tags);
    let conditions = conds
        .iter()
        .map(|(c, n)| format!("**{}**: {n}", c.label()))
        .collect::<Vec<_>>()
        .join("\n");
    let tags = tags
        .iter()
        .take(40)
        .map(|(t, n)| format!("{} ({n})", render::escape(t)))
        .collect::<Vec<_>>()
        .join(", ");
    let text = EmbedText {
        title: "Topics in the cairn library".into(),
        description: format!(
            "{} articles. Ask about any of these with /ask.",
            ctx.data().library().articles().count()
        ),
        fields: vec![
            ("Conditions".into(), conditions),
            ("Most common tags".into(), tags),
        ],
        footer: crate::answer::DEFAULT_DISCLAIMER.into(),
        warning: false,
    };
    edit(ctx, text.build(), Vec::new()).await
}

/// What cairn is, who keeps the library, and how to report a problem
#[poise::command(slash_command, guild_only)]
pub async fn about(ctx: Context<'_>) -> Result<(), Error> {
    defer(ctx, true).await?;
    let text = EmbedText {
        title: "About cairn".into(),
        description: "cairn is a librarian for patient support groups (ME/CFS, fibromyalgia, long COVID, gut health). It searches a small library of articles and answers with short excerpts, each citing its source, its dates and how strong the evidence is. It is not a doctor and never diagnoses.".into(),
        fields: vec![
            ("Who maintains the library".into(), "The cairn maintainers and this server's moderators. Every article is a plain-language summary, in our own words, of one named source: a guideline, a journal article or a health organisation's page.".into()),
            ("How articles are chosen".into(), "Sources must be real and checkable (with a link or DOI). Each excerpt shows its own source and what kind of study it is in plain words, from clinical guideline to study in mice. Articles are due for review every 6 to 36 months depending on how fast their topic moves; one that nobody but its writer has checked says \"Not yet independently reviewed\", and overdue ones are flagged and ranked lower.".into()),
            ("No ads, no tracking".into(), "cairn shows no ads and sells nothing. Questions are not stored with your user id, and feedback is counted per article, never per person.".into()),
            ("Report a problem".into(), "Something wrong, outdated or upsetting? Tell this server's moderators, or open an issue in the cairn project's repository.".into()),
        ],
        footer: crate::answer::DEFAULT_DISCLAIMER.into(),
        warning: false,
    };
    edit(ctx, text.build(), Vec::new()).await
}

/// Acknowledges the interaction at once (type 5), privately or not.
pub(super) async fn defer(ctx: Context<'_>, private: bool) -> Result<(), Error> {
    if private {
        ctx.defer_ephemeral().await?;
    } else {
        ctx.defer().await?;
    }
    Ok(())
}

/// Deletes the public deferred response and sends the reply as a private follow-up.
async fn answer_privately_instead(
    ctx: Context<'_>,
    embed: CreateEmbed,
    components: Vec<CreateActionRow>,
) -> Result<(), Error> {
    let interaction = slash_interaction(ctx)?;
    interaction.delete_response(ctx.http()).await?;
    interaction
        .create_followup(
            ctx.http(),
            serenity::CreateInteractionResponseFollowup::new()
                .embed(embed)
                .components(components)
                .ephemeral(true)
                .allowed_mentions(render::no_mentions()),
        )
        .await?;
    Ok(())
}

/// The slash-command interaction behind a context.
pub(super) fn slash_interaction(ctx: Context<'_>) -> Result<&serenity::CommandInteraction, Error> {
    match ctx {
        poise::Context::Application(app) => Ok(app.interaction),
        _ => Err("cairn only answers slash commands".into()),
    }
}

/// Replaces the deferred "thinking..." message with the reply.
pub(super) async fn edit(
    ctx: Context<'_>,
    embed: CreateEmbed,
    components: Vec<CreateActionRow>,
) -> Result<(), Error> {
    slash_interaction(ctx)?
        .edit_response(
            ctx.http(),
            EditInteractionResponse::new()
                .embed(embed)
                .components(components)
                .allowed_mentions(render::no_mentions()),
        )
        .await?;
    Ok(())
}

/// The short, kind message a member sees when a command fails (details are in the log).
pub const SORRY: &str = "Sorry, something went wrong on my side while answering. Please try again in a moment; if it keeps happening, let a moderator know.";

pub async fn reply_kind_error(ctx: Context<'_>) {
    let poise::Context::Application(app) = ctx else {
        return;
    };
    let deferred = app
        .has_sent_initial_response
        .load(std::sync::atomic::Ordering::SeqCst);
    let result = if deferred {
        app.interaction
            .edit_response(
                ctx.http(),
                EditInteractionResponse::new()
                    .content(SORRY)
                    .embeds(Vec::new())
                    .components(Vec::new())
                    .allowed_mentions(render::no_mentions()),
            )
            .await
            .map(|_| ())
    } else {
        app.interaction
            .create_response(
                ctx.http(),
                serenity::CreateInteractionResponse::Message(
                    serenity::CreateInteractionResponseMessage::new()
                        .content(SORRY)
                        .ephemeral(true)
                        .allowed_mentions(render::no_mentions()),
                ),
            )
            .await
    };
    if let Err(e) = result {
        tracing::error!("could not send the error reply: {e}");
    }
}
