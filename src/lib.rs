//! cairn: a librarian for patient support groups. It searches a curated library of health
//! articles and answers with cited excerpts, their sources and dates, the evidence level and a
//! disclaimer. The core (`corpus`, `search`, `answer`, `library`, `safety`) knows nothing of
//! Discord; `store` keeps settings, feedback, servers' own articles and the audit log; `cli` and
//! `discord` render its [`answer::Answer`].

pub mod answer;
#[cfg(feature = "app")]
pub mod bench;
pub mod buttons;
#[cfg(feature = "app")]
pub mod cli;
pub mod corpus;
#[cfg(feature = "app")]
pub mod curation;
#[cfg(feature = "app")]
pub mod discord;
pub mod eval;
pub mod library;
pub mod privacy;
pub mod safety;
pub mod search;
pub mod settings;
#[cfg(feature = "app")]
pub mod store;

pub use answer::{Answer, Citation, Notice};
pub use library::{AskOptions, Library, LibraryConfig};
