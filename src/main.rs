//! The `cairn` binary: parse the command line and hand over to `cairn::cli`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Settings may come from a .env file; real environment variables win.
    let _ = dotenvy::dotenv();
    let cli = cairn::cli::Cli::parse();
    cairn::cli::run(cli)
}
