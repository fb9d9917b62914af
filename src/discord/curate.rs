//! What moderators and admins do from Discord: `/article add|edit|remove|list|history|review|
//! export|import`, `/feedback` and `/config show|set|reset`. All of it goes through
//! [`crate::curation::Curator`], as the CLI does. Every use is checked against the member's
//! permissions in that server (Discord's `default_member_permissions` only hides commands), and
//! every reply is private. A moderator only ever reaches their own server's articles.

use super::commands::{defer, edit, say_privately};
use super::render::{self, EmbedText};
use super::state::Data;
use super::{Context, Error};
use crate::corpus::Evidence;
use crate::curation::{body_of, ArticleForm, CurationError, Curator};
use crate::settings::{ServerSettings, SETTINGS};
use crate::store::ArticleWriteError;
use poise::serenity_prelude as serenity;
use serenity::{
    CreateActionRow, CreateButton, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateModal, EditInteractionResponse, InputTextStyle,
};
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a moderator has to fill in a form or confirm a removal.
const FORM_TTL: Duration = Duration::from_secs(30 * 60);
/// Discord's limit on a text input's length.
const INPUT_MAX: usize = 4000;

/// Evidence levels a moderator can choose (mirrors `corpus::Evidence`).
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum EvidenceChoice {
    #[name = "Clinical guideline"]
    Guideline,
    #[name = "Systematic review"]
    SystematicReview,
    #[name = "Randomised controlled trial"]
    Rct,
    #[name = "Observational study"]
    Observational,
    #[name = "News report"]
    News,
    #[name = "Patient guide"]
    PatientGuide,
    #[name = "Expert opinion"]
    ExpertOpinion,
    #[name = "Personal story"]
    PersonalStory,
}

impl EvidenceChoice {
    /// The front-matter key, as `corpus::Evidence` spells it.
    fn key(self) -> &'static str {
        match self {
            EvidenceChoice::Guideline => Evidence::Guideline,
            EvidenceChoice::SystematicReview => Evidence::SystematicReview,
            EvidenceChoice::Rct => Evidence::Rct,
            EvidenceChoice::Observational => Evidence::Observational,
            EvidenceChoice::News => Evidence::News,
            EvidenceChoice::PatientGuide => Evidence::PatientGuide,
            EvidenceChoice::ExpertOpinion => Evidence::ExpertOpinion,
            EvidenceChoice::PersonalStory => Evidence::PersonalStory,
        }
        .key()
    }
}

/// What a pending form or confirmation will do.
#[derive(Debug, Clone)]
enum Intent {
    /// The modal's fields complete this form.
    Write {
        form: Box<ArticleForm>,
        edit: Option<String>,
    },
    /// Removing this article, once confirmed.
    Remove { id: String },
}

#[derive(Debug, Clone)]
struct PendingItem {
    guild: u64,
    actor: u64,
    intent: Intent,
    created: Instant,
}

/// Moderator forms (modals) and removal confirmations waiting for the moderator, under
/// unguessable ids, for [`FORM_TTL`].
#[derive(Default)]
pub struct Pending {
    inner: Mutex<(u64, HashMap<u64, PendingItem>)>,
    key: RandomState,
}

impl Pending {
    fn insert(&self, item: PendingItem) -> u64 {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.1.retain(|_, p| p.created.elapsed() < FORM_TTL);
        loop {
            inner.0 += 1;
            let id = self.key.hash_one(("form", inner.0, Instant::now()));
            if id != 0 && !inner.1.contains_key(&id) {
                inner.1.insert(id, item);
                return id;
            }
        }
    }

    /// Takes the item, if it is this member's, in this server, and not expired.
    fn take(&self, id: u64, guild: u64, actor: u64) -> Option<PendingItem> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let item = inner.1.get(&id)?;
        if item.guild != guild || item.actor != actor || item.created.elapsed() >= FORM_TTL {
            return None;
        }
        inner.1.remove(&id)
    }
}

// ------------------------------------------------------------------ permissions

/// The member's permissions and roles in this server, from the interaction.
async fn member(ctx: Context<'_>) -> (serenity::Permissions, Vec<u64>) {
    match ctx.author_member().await {
        Some(m) => (
            m.permissions.unwrap_or_else(serenity::Permissions::empty),
            m.roles.iter().map(|r| r.get()).collect(),
        ),
        None => (serenity::Permissions::empty(), Vec::new()),
    }
}

fn may_curate(perms: serenity::Permissions, roles: &[u64], settings: &ServerSettings) -> bool {
    perms.administrator()
        || perms.manage_messages()
        || roles.iter().any(|r| settings.moderator_roles.contains(r))
}

const NOT_A_MODERATOR: &str = "Only this server's moderators can do that: members with one of the moderator roles (`/config set moderator-roles`) or the Manage Messages permission.";
const NOT_AN_ADMIN: &str =
    "Only members with the Manage Server permission can change cairn's settings here.";

/// As [`moderator`], then defers the reply privately.
async fn moderator_deferred(ctx: Context<'_>) -> Result<Option<(u64, u64)>, Error> {
    let who = moderator(ctx).await?;
    if who.is_some() {
        defer(ctx, true).await?;
    }
    Ok(who)
}

/// As [`admin`], then defers the reply privately.
async fn admin_deferred(ctx: Context<'_>) -> Result<Option<(u64, u64)>, Error> {
    let who = admin(ctx).await?;
    if who.is_some() {
        defer(ctx, true).await?;
    }
    Ok(who)
}

/// The server and the moderator, or a private refusal (already sent) and `None`.
async fn moderator(ctx: Context<'_>) -> Result<Option<(u64, u64)>, Error> {
    let Some(guild) = ctx.guild_id().map(|g| g.get()) else {
        return Ok(None);
    };
    let settings = ctx.data().settings(Some(guild)).await;
    let (perms, roles) = member(ctx).await;
    if !may_curate(perms, &roles, &settings) {
        tracing::info!(guild, command = %ctx.command().qualified_name, "refused: not a moderator");
        say_privately(ctx, NOT_A_MODERATOR.into()).await?;
        return Ok(None);
    }
    Ok(Some((guild, ctx.author().id.get())))
}

async fn admin(ctx: Context<'_>) -> Result<Option<(u64, u64)>, Error> {
    let Some(guild) = ctx.guild_id().map(|g| g.get()) else {
        return Ok(None);
    };
    let (perms, _) = member(ctx).await;
    if !(perms.administrator() || perms.manage_guild()) {
        tracing::info!(guild, command = %ctx.command().qualified_name, "refused: not an admin");
        say_privately(ctx, NOT_AN_ADMIN.into()).await?;
        return Ok(None);
    }
    Ok(Some((guild, ctx.author().id.get())))
}

// ------------------------------------------------------------------ replies

/// A private embed reply (the command was deferred privately).
async fn reply(ctx: Context<'_>, title: &str, description: String) -> Result<(), Error> {
    let text = EmbedText {
        title: title.into(),
        description,
        ..EmbedText::default()
    };
    edit(ctx, text.fit().build(), Vec::new()).await
}

/// Tells the moderator why something failed (the command was deferred privately).
async fn refuse(ctx: Context<'_>, e: &CurationError) -> Result<(), Error> {
    let (title, text) = explain(e);
    reply(ctx, &title, text).await
}

fn missing(id: impl Into<String>) -> CurationError {
    CurationError::Write(ArticleWriteError::Missing(id.into()))
}

/// What a moderator is told when a write fails: every problem, or why.
pub(super) fn explain(e: &CurationError) -> (String, String) {
    match e {
        CurationError::Invalid(problems) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("- line {}: {}", p.line, render::escape(&p.message)))
                .collect();
            (
                format!("Not saved: {} problem(s)", problems.len()),
                format!(
                    "Nothing was changed. Fix these and try again:\n{}",
                    lines.join("\n")
                ),
            )
        }
        CurationError::Write(ArticleWriteError::Exists(id)) => (
            "Not saved".into(),
            format!("This server already has an article `{}`. Use /article edit, or give the new one another title.", render::escape(id)),
        ),
        CurationError::Write(ArticleWriteError::Missing(id)) => (
            "No such article".into(),
            format!(
                "This server has no article `{}`. /article list shows them.",
                render::escape(id)
            ),
        ),
        CurationError::Setting(s) => ("Not changed".into(), render::escape(&s.to_string())),
        other => {
            tracing::error!(error = %other, "a moderator's change failed");
            ("Not saved".into(), super::commands::SORRY.into())
        }
    }
}

// ------------------------------------------------------------------ /article add, edit

fn modal(id: u64, title: &str, form: &ArticleForm) -> CreateInteractionResponse {
    let input = |label: &str, key: &str, style: InputTextStyle, max: usize, value: &str| {
        let mut t = CreateInputText::new(style, label, key).max_length(max as u16);
        if !value.is_empty() {
            t = t.value(crate::answer::truncate_words(value, max));
        }
        CreateActionRow::InputText(t)
    };
    CreateInteractionResponse::Modal(
        CreateModal::new(format!("cairn:form:{id}"), title).components(vec![
            input("Title", "title", InputTextStyle::Short, 200, &form.title),
            input(
                "Summary (one sentence)",
                "summary",
                InputTextStyle::Paragraph,
                300,
                &form.summary,
            ),
            input(
                "Source: who published it (and author, year)",
                "source_name",
                InputTextStyle::Short,
                200,
                &form.source_name,
            ),
            input(
                "Source: link (https://...)",
                "source_url",
                InputTextStyle::Short,
                500,
                &form.source_url,
            ),
            input(
                "Article text (Markdown, full sentences)",
                "body",
                InputTextStyle::Paragraph,
                INPUT_MAX,
                &form.body,
            ),
        ]),
    )
}

/// Add an article to this server's library (moderators)
#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "How strong the source's evidence is"] evidence: EvidenceChoice,
    #[description = "Conditions, e.g. mecfs, long-covid, pots, fibromyalgia, gut-health"]
    #[max_length = 200]
    conditions: String,
    #[description = "When the source was published: YYYY-MM-DD, YYYY-MM or YYYY"]
    #[max_length = 10]
    published: String,
) -> Result<(), Error> {
    let Some((guild, actor)) = moderator(ctx).await? else {
        return Ok(());
    };
    let form = ArticleForm {
        evidence: evidence.key().into(),
        conditions,
        published,
        written: chrono::Local::now().date_naive(),
        writer: ctx.author().name.clone(),
        ..ArticleForm::default()
    };
    open_form(ctx, guild, actor, form, None, "New article").await
}

/// Edit one of this server's articles (moderators)
#[poise::command(slash_command, guild_only, rename = "edit")]
pub async fn edit_article(
    ctx: Context<'_>,
    #[description = "The article: start typing its title"]
    #[autocomplete = "autocomplete_own"]
    id: String,
    #[description = "A new evidence level (unchanged if left out)"] evidence: Option<
        EvidenceChoice,
    >,
    #[description = "New conditions (unchanged if left out)"]
    #[max_length = 200]
    conditions: Option<String>,
    #[description = "A new publication date (unchanged if left out)"]
    #[max_length = 10]
    published: Option<String>,
) -> Result<(), Error> {
    let Some((guild, actor)) = moderator(ctx).await? else {
        return Ok(());
    };
    let curator = &ctx.data().curator;
    let id = id.trim().to_string();
    let (Some(article), Ok(stored)) = (
        ctx.data().library().server_article(guild, &id),
        curator.export(guild, &id).await,
    ) else {
        defer(ctx, true).await?;
        return refuse(ctx, &missing(id)).await;
    };
    if body_of(&stored.markdown).chars().count() > INPUT_MAX {
        defer(ctx, true).await?;
        return reply(ctx, "Too long to edit here", format!("The article's text is longer than Discord's {INPUT_MAX}-character form field. Use /article export, edit the file, then /article import with replace.")).await;
    }
    if article.sources.len() > 1 {
        defer(ctx, true).await?;
        return reply(ctx, "Edit its file instead", format!("This article cites {} sources, and the form holds one. Use /article export, edit the file, then /article import with replace.", article.sources.len())).await;
    }
    let mut form = ArticleForm::from_article(&article, &stored.markdown);
    // An edit is a rewrite: written today, by this moderator (a later review must be by
    // someone else).
    form.written = chrono::Local::now().date_naive();
    form.writer = ctx.author().name.clone();
    if let Some(e) = evidence {
        form.evidence = e.key().into();
    }
    if let Some(c) = conditions {
        form.conditions = c;
    }
    if let Some(p) = published {
        form.published = p;
    }
    open_form(ctx, guild, actor, form, Some(id), "Edit article").await
}

async fn open_form(
    ctx: Context<'_>,
    guild: u64,
    actor: u64,
    form: ArticleForm,
    edit_id: Option<String>,
    title: &str,
) -> Result<(), Error> {
    let poise::Context::Application(app) = ctx else {
        return Ok(());
    };
    let id = ctx.data().forms.insert(PendingItem {
        guild,
        actor,
        intent: Intent::Write {
            form: Box::new(form.clone()),
            edit: edit_id,
        },
        created: Instant::now(),
    });
    app.interaction
        .create_response(ctx.http(), modal(id, title, &form))
        .await?;
    app.has_sent_initial_response
        .store(true, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

/// A moderator submitted an article form: validate, store, index, and say what happened.
pub(super) async fn on_form(
    ctx: &serenity::Context,
    data: &Data,
    submit: &serenity::ModalInteraction,
    id: u64,
) -> Result<(), Error> {
    let defer = CreateInteractionResponseMessage::new().ephemeral(true);
    submit
        .create_response(&ctx.http, CreateInteractionResponse::Defer(defer))
        .await?;
    let guild = submit.guild_id.map(|g| g.get()).unwrap_or(0);
    let (title, text) = match data.forms.take(id, guild, submit.user.id.get()) {
        None => (
            "This form has expired".to_string(),
            "Please run the command again.".to_string(),
        ),
        Some(PendingItem {
            intent: Intent::Write { mut form, edit },
            actor,
            ..
        }) => {
            for row in &submit.data.components {
                for c in &row.components {
                    if let serenity::ActionRowComponent::InputText(t) = c {
                        let v = t.value.clone().unwrap_or_default();
                        match t.custom_id.as_str() {
                            "title" => form.title = v,
                            "summary" => form.summary = v,
                            "source_name" => form.source_name = v,
                            "source_url" => form.source_url = v,
                            "body" => form.body = v,
                            _ => {}
                        }
                    }
                }
            }
            if edit.is_none() {
                form.id = Some(free_id(&data.curator, guild, &form.title));
            }
            let markdown = form.to_markdown();
            let result = match &edit {
                Some(id) => data.curator.edit(guild, id, &markdown, actor).await,
                None => data.curator.add(guild, &markdown, actor).await,
            };
            match result {
                Ok(article) => {
                    tracing::info!(
                        guild,
                        action = if edit.is_some() { "edit" } else { "add" },
                        "article saved"
                    );
                    (
                        if edit.is_some() {
                            "Article updated"
                        } else {
                            "Article added"
                        }
                        .to_string(),
                        format!(
                            "**{}** (`{}`) is in this server's library and answers questions now.",
                            render::escape(&article.title),
                            article.id
                        ),
                    )
                }
                Err(e) => explain(&e),
            }
        }
        Some(_) => (
            "This form has expired".to_string(),
            "Please run the command again.".to_string(),
        ),
    };
    let text = EmbedText {
        title,
        description: text,
        ..EmbedText::default()
    };
    submit
        .edit_response(
            &ctx.http,
            EditInteractionResponse::new()
                .embed(text.fit().build())
                .allowed_mentions(render::no_mentions()),
        )
        .await?;
    Ok(())
}

/// An id made from the title that this server does not use yet.
fn free_id(curator: &Curator, guild: u64, title: &str) -> String {
    let base = crate::curation::slug(title);
    let lib = curator.library();
    let taken = |id: &str| lib.server_article(guild, id).is_some() || lib.article(id).is_some();
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or(base)
}

// ------------------------------------------------------------------ /article remove

/// Retire one of this server's articles (moderators; asks to confirm)
#[poise::command(slash_command, guild_only)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The article: start typing its title"]
    #[autocomplete = "autocomplete_own"]
    id: String,
) -> Result<(), Error> {
    let Some((guild, actor)) = moderator_deferred(ctx).await? else {
        return Ok(());
    };
    let id = id.trim().to_string();
    let Some(article) = ctx.data().library().server_article(guild, &id) else {
        return refuse(ctx, &missing(id)).await;
    };
    let nonce = ctx.data().forms.insert(PendingItem {
        guild,
        actor,
        intent: Intent::Remove { id: id.clone() },
        created: Instant::now(),
    });
    let text = EmbedText {
        title: "Remove this article?".into(),
        description: format!(
            "**{}** (`{id}`) will stop answering questions in this server. Its history is kept, and /article export can save it first.",
            render::escape(&article.title)
        ),
        warning: true,
        ..EmbedText::default()
    };
    let buttons = vec![CreateActionRow::Buttons(vec![
        CreateButton::new(format!("cairn:remove-yes:{nonce}"))
            .label("Remove it")
            .style(serenity::ButtonStyle::Danger),
        CreateButton::new(format!("cairn:remove-no:{nonce}"))
            .label("Keep it")
            .style(serenity::ButtonStyle::Secondary),
    ])];
    edit(ctx, text.fit().build(), buttons).await
}

/// The moderator pressed "Remove it" or "Keep it".
pub(super) async fn on_confirm(
    ctx: &serenity::Context,
    data: &Data,
    press: &serenity::ComponentInteraction,
    nonce: u64,
    yes: bool,
) -> Result<(), Error> {
    press
        .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
        .await?;
    let guild = press.guild_id.map(|g| g.get()).unwrap_or(0);
    let text = match data.forms.take(nonce, guild, press.user.id.get()) {
        Some(PendingItem {
            intent: Intent::Remove { id },
            actor,
            ..
        }) if yes => match data.curator.remove(guild, &id, actor).await {
            Ok(()) => {
                tracing::info!(guild, action = "remove", "article removed");
                format!("Removed `{id}`. It no longer answers questions.")
            }
            Err(e) => explain(&e).1,
        },
        Some(_) => "Kept: nothing was changed.".to_string(),
        None => "This confirmation has expired; nothing was changed.".to_string(),
    };
    press
        .edit_response(
            &ctx.http,
            EditInteractionResponse::new()
                .content(text)
                .embeds(Vec::new())
                .components(Vec::new())
                .allowed_mentions(render::no_mentions()),
        )
        .await?;
    Ok(())
}

// ------------------------------------------------------------------ list, history, review, export, import

/// List this server's own articles (moderators)
#[poise::command(slash_command, guild_only)]
pub async fn list(
    ctx: Context<'_>,
    #[description = "Only those due for review"] overdue: Option<bool>,
    #[description = "Page number"]
    #[min = 1]
    #[max = 1000]
    page: Option<u32>,
) -> Result<(), Error> {
    let Some((guild, _)) = moderator_deferred(ctx).await? else {
        return Ok(());
    };
    let today = chrono::Local::now().date_naive();
    let all: Vec<_> = ctx
        .data()
        .library()
        .server_articles(guild)
        .into_iter()
        .filter(|a| !overdue.unwrap_or(false) || a.review_overdue(today))
        .collect();
    const PER_PAGE: usize = 20;
    let pages = all.len().div_ceil(PER_PAGE).max(1);
    let page = (page.unwrap_or(1) as usize).clamp(1, pages);
    let lines: Vec<String> = all
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|a| {
            let due = if a.review_overdue(today) {
                " (review overdue)"
            } else {
                ""
            };
            let reviewed = a.review_state();
            format!(
                "`{}` {} · {reviewed} · due {}{due}",
                a.id,
                render::escape(&a.title),
                a.review_due()
            )
        })
        .collect();
    let title = format!(
        "This server's articles ({}), page {page} of {pages}",
        all.len()
    );
    let text = if lines.is_empty() {
        "None yet. /article add writes one; /article import takes a Markdown file.".to_string()
    } else {
        lines.join("\n")
    };
    reply(ctx, &title, text).await
}

/// Who changed one of this server's articles, what and when (moderators)
#[poise::command(slash_command, guild_only)]
pub async fn history(
    ctx: Context<'_>,
    #[description = "The article's id"]
    #[autocomplete = "autocomplete_own"]
    id: String,
) -> Result<(), Error> {
    let Some((guild, _)) = moderator_deferred(ctx).await? else {
        return Ok(());
    };
    let id = id.trim().to_string();
    let entries = match ctx.data().curator.history(guild, &id).await {
        Ok(e) => e,
        Err(e) => return refuse(ctx, &e).await,
    };
    if entries.is_empty() {
        return refuse(ctx, &missing(id)).await;
    }
    let lines: Vec<String> = entries
        .iter()
        .rev()
        .take(25)
        .map(|e| {
            let what = crate::curation::changed_parts(e.before.as_deref(), e.after.as_deref());
            format!("<t:{}:f> · <@{}> · {}{}", e.at, e.actor, e.action, what)
        })
        .collect();
    reply(
        ctx,
        &format!("History of `{id}` (newest first)"),
        lines.join("\n"),
    )
    .await
}

/// Record that you checked an article against its sources today (moderators; not its writer)
#[poise::command(slash_command, guild_only)]
pub async fn review(
    ctx: Context<'_>,
    #[description = "The article's id"]
    #[autocomplete = "autocomplete_own"]
    id: String,
) -> Result<(), Error> {
    let Some((guild, actor)) = moderator_deferred(ctx).await? else {
        return Ok(());
    };
    let today = chrono::Local::now().date_naive();
    match ctx
        .data()
        .curator
        .review(guild, id.trim(), actor, &ctx.author().name, today)
        .await
    {
        Ok(a) => {
            reply(
                ctx,
                "Review recorded",
                format!(
                    "`{}` is marked as checked against its sources on {today}, by you. The next review is due on {}.",
                    a.id,
                    a.review_due()
                ),
            )
            .await
        }
        Err(e) => refuse(ctx, &e).await,
    }
}

/// Get one of this server's articles as a library-format Markdown file (moderators)
#[poise::command(slash_command, guild_only)]
pub async fn export(
    ctx: Context<'_>,
    #[description = "The article's id"]
    #[autocomplete = "autocomplete_own"]
    id: String,
) -> Result<(), Error> {
    let Some((guild, _)) = moderator_deferred(ctx).await? else {
        return Ok(());
    };
    let stored = match ctx.data().curator.export(guild, id.trim()).await {
        Ok(s) => s,
        Err(e) => return refuse(ctx, &e).await,
    };
    let file = serenity::CreateAttachment::bytes(
        stored.markdown.into_bytes(),
        format!("{}.md", stored.id),
    );
    super::commands::slash_interaction(ctx)?
        .edit_response(
            ctx.http(),
            EditInteractionResponse::new()
                .content(format!("`{}.md`, in the library's format: it can be proposed for the shared library by pull request.", stored.id))
                .new_attachment(file)
                .allowed_mentions(render::no_mentions()),
        )
        .await?;
    Ok(())
}

/// Add (or replace) an article from a library-format Markdown file (moderators)
#[poise::command(slash_command, guild_only)]
pub async fn import(
    ctx: Context<'_>,
    #[description = "A Markdown file in the library's format (front matter, then the text)"]
    file: serenity::Attachment,
    #[description = "Replace this server's article with the same id"] replace: Option<bool>,
) -> Result<(), Error> {
    let Some((guild, actor)) = moderator_deferred(ctx).await? else {
        return Ok(());
    };
    let data = ctx.data();
    let limit = crate::corpus::DEFAULT_MAX_ARTICLE_BYTES;
    if u64::from(file.size) > limit {
        return reply(
            ctx,
            "Not imported",
            format!(
                "The file is {} KB; articles may be at most {} KB. Nothing was changed.",
                file.size / 1024,
                limit / 1024
            ),
        )
        .await;
    }
    if !data.attachment_allowed(&file.url) {
        tracing::warn!("an attachment URL outside Discord's CDN was refused");
        return reply(
            ctx,
            "Not imported",
            "That file could not be fetched from Discord. Nothing was changed.".into(),
        )
        .await;
    }
    let bytes = match file.download().await {
        Ok(b) if b.len() as u64 <= limit => b,
        Ok(_) => {
            return reply(
                ctx,
                "Not imported",
                format!(
                    "Articles may be at most {} KB. Nothing was changed.",
                    limit / 1024
                ),
            )
            .await
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not download an attachment");
            return reply(ctx, "Not imported", "That file could not be fetched from Discord. Please try again. Nothing was changed.".into()).await;
        }
    };
    let Ok(markdown) = String::from_utf8(bytes) else {
        return reply(ctx, "Not imported", "The file is not UTF-8 text. Save it as UTF-8 Markdown and try again. Nothing was changed.".into()).await;
    };
    let curator = &data.curator;
    let result = match curator.validate(&markdown) {
        Err(e) => Err(e),
        Ok(a)
            if replace.unwrap_or(false)
                && data.library().server_article(guild, &a.id).is_some() =>
        {
            curator.edit(guild, &a.id, &markdown, actor).await
        }
        Ok(_) => curator.add(guild, &markdown, actor).await,
    };
    match result {
        Ok(a) => {
            tracing::info!(guild, action = "import", "article saved");
            reply(
                ctx,
                "Article imported",
                format!(
                    "**{}** (`{}`) is in this server's library and answers questions now.",
                    render::escape(&a.title),
                    a.id
                ),
            )
            .await
        }
        Err(e) => refuse(ctx, &e).await,
    }
}

/// This server's own articles for a typed title or id.
async fn autocomplete_own(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let Some(guild) = ctx.guild_id().map(|g| g.get()) else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let own = ctx.data().library().server_articles(guild);
    let choices =
        crate::library::titles_matching(own.iter().map(|a| &**a), partial, render::CHOICES)
            .into_iter()
            .map(|a| {
                serenity::AutocompleteChoice::new(
                    crate::answer::truncate_words(
                        &format!("{} ({})", a.title, a.id),
                        render::CHOICE_NAME,
                    ),
                    a.id.clone(),
                )
            })
            .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

// ------------------------------------------------------------------ /feedback

/// Helpful and not-helpful counts per article in this server, least helpful first (moderators)
#[poise::command(slash_command, guild_only)]
pub async fn feedback(ctx: Context<'_>) -> Result<(), Error> {
    let Some((guild, _)) = moderator_deferred(ctx).await? else {
        return Ok(());
    };
    let counts = ctx.data().curator.store.feedback(Some(guild)).await?;
    let lib = ctx.data().library();
    let lines: Vec<String> = counts
        .iter()
        .take(25)
        .map(|(id, c)| {
            let title = lib
                .server_article(guild, id)
                .map(|a| a.title.clone())
                .or_else(|| lib.article(id).map(|a| a.title.clone()))
                .unwrap_or_else(|| "(no longer in the library)".into());
            format!(
                "👎 {} · 👍 {} · `{id}` {}",
                c.not_helpful,
                c.helpful,
                render::escape(&title)
            )
        })
        .collect();
    let text = if lines.is_empty() {
        "No votes yet in this server.".to_string()
    } else {
        format!(
            "Least helpful first: these are the articles to improve.\n{}",
            lines.join("\n")
        )
    };
    reply(ctx, "Feedback in this server", text).await
}

// ------------------------------------------------------------------ /config

/// cairn's settings for this server (Manage Server)
#[poise::command(
    slash_command,
    guild_only,
    subcommands("config_show", "config_set", "config_reset"),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD"
)]
pub async fn config(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Show every setting and its value here
#[poise::command(slash_command, guild_only, rename = "show")]
pub async fn config_show(ctx: Context<'_>) -> Result<(), Error> {
    let Some((guild, _)) = admin_deferred(ctx).await? else {
        return Ok(());
    };
    let settings = ctx.data().curator.settings(guild).await?;
    show_settings(ctx, &settings, "cairn's settings in this server").await
}

async fn show_settings(ctx: Context<'_>, s: &ServerSettings, title: &str) -> Result<(), Error> {
    let fields = s
        .shown()
        .into_iter()
        .map(|(name, value)| {
            // Role and channel mentions are cairn's own text (ids only) and render as names;
            // the disclaimer is the admin's text and is escaped.
            let value = if name == "disclaimer" {
                render::escape(&value)
            } else {
                value
            };
            (name.to_string(), value)
        })
        .collect();
    let text = EmbedText {
        title: title.into(),
        description: "Change one with /config set; /config reset puts it back to its default."
            .into(),
        fields,
        ..EmbedText::default()
    };
    edit(ctx, text.fit().build(), Vec::new()).await
}

/// Change one setting
#[poise::command(slash_command, guild_only, rename = "set")]
pub async fn config_set(
    ctx: Context<'_>,
    #[description = "The setting"]
    #[autocomplete = "autocomplete_setting"]
    setting: String,
    #[description = "Its new value"]
    #[max_length = 600]
    value: String,
) -> Result<(), Error> {
    let Some((guild, actor)) = admin_deferred(ctx).await? else {
        return Ok(());
    };
    let curator = &ctx.data().curator;
    match curator.set(guild, &setting, &value, actor).await {
        Ok((name, _)) => {
            tracing::info!(guild, setting = name, "setting changed");
            let settings = curator.settings(guild).await?;
            show_settings(
                ctx,
                &settings,
                &format!("`{name}` changed; it applies to the next question"),
            )
            .await
        }
        Err(e) => refuse(ctx, &e).await,
    }
}

/// Put one setting (or all of them) back to the default
#[poise::command(slash_command, guild_only, rename = "reset")]
pub async fn config_reset(
    ctx: Context<'_>,
    #[description = "The setting (all of them if left out)"]
    #[autocomplete = "autocomplete_setting"]
    setting: Option<String>,
) -> Result<(), Error> {
    let Some((guild, actor)) = admin_deferred(ctx).await? else {
        return Ok(());
    };
    let curator = &ctx.data().curator;
    match curator.reset(guild, setting.as_deref(), actor).await {
        Ok(n) => {
            let settings = curator.settings(guild).await?;
            show_settings(
                ctx,
                &settings,
                &format!("{n} setting(s) back to the default"),
            )
            .await
        }
        Err(e) => refuse(ctx, &e).await,
    }
}

async fn autocomplete_setting(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let typed = partial.trim().to_ascii_lowercase();
    let choices = SETTINGS
        .iter()
        .filter(|s| s.name.contains(&typed))
        .map(|s| {
            serenity::AutocompleteChoice::new(
                crate::answer::truncate_words(
                    &format!("{}: {}", s.name, s.accepts),
                    render::CHOICE_NAME,
                ),
                s.name,
            )
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curators_are_moderators_by_role_or_permission() {
        let mut s = ServerSettings::default();
        let none = serenity::Permissions::empty();
        assert!(!may_curate(none, &[5], &s));
        assert!(may_curate(serenity::Permissions::MANAGE_MESSAGES, &[], &s));
        assert!(may_curate(serenity::Permissions::ADMINISTRATOR, &[], &s));
        s.moderator_roles = vec![5];
        assert!(may_curate(none, &[4, 5], &s));
        assert!(!may_curate(serenity::Permissions::MANAGE_GUILD, &[4], &s));
    }

    #[test]
    fn pending_items_belong_to_one_member_in_one_server() {
        let p = Pending::default();
        let item = PendingItem {
            guild: 1,
            actor: 2,
            intent: Intent::Remove { id: "x".into() },
            created: Instant::now(),
        };
        let id = p.insert(item.clone());
        assert!(p.take(id, 1, 3).is_none(), "another member");
        assert!(p.take(id, 9, 2).is_none(), "another server");
        assert!(p.take(id, 1, 2).is_some());
        assert!(p.take(id, 1, 2).is_none(), "used once");
    }
}
