//! The `cairn` binary: hand over to `cairn::cli`, which reads `.env`, parses the command line
//! and runs the command.

use std::process::ExitCode;

fn main() -> ExitCode {
    cairn::cli::main()
}
