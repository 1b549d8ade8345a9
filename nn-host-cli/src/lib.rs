//! # nn-host-cli
//!
//! The `nn` command: train, evaluate, verify and export nn-core models on the host. It
//! runs nn-core's runtime-shaped path — the same kernels as the device — and implements
//! no math of its own: forward passes, losses, gradients, training, gradient checks,
//! Hessians, eigenvalues and the binary codec all come from nn-core. This crate is about
//! files and people: reading models and data with precise error messages, writing
//! outputs atomically, and showing what happened.
//!
//! The binary's `main` calls [`main_with_args`]; the library exists so the pieces can be
//! tested and reused.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub mod cmd;
pub mod data_file;
pub mod error;
pub mod json;
pub mod metrics;
pub mod model_file;
pub mod options;
pub mod output;
pub mod plot;
pub mod recording;

use error::CliError;

/// Train, evaluate, verify and export nn-core models on the host.
#[derive(Debug, Parser)]
#[command(
    name = "nn",
    version,
    about = "Train, evaluate, verify and export nn-core models on the host",
    long_about = "Train, evaluate, verify and export nn-core models on the host, with the same kernels as the \
                  device.\n\nExit codes: 0 success, 1 a check disagrees (gradcheck, verify-device), 2 bad input (file, \
                  value or option), 3 training diverged (the last good parameters are kept), 130 training \
                  interrupted by Ctrl-C (the parameters at the last batch boundary, or the best epoch's, are kept).",
    arg_required_else_help = true
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: cmd::Command,
}

/// Runs `nn` with `args` (the first is the program name), writing results to standard
/// output and one `error: …` line to standard error on failure.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = cmd::run(cli.command, &mut out).and_then(|()| out.flush().map_err(CliError::stdout));
    match result {
        Ok(()) | Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Help and version go to standard output with exit 0; usage errors become one line on
/// standard error with exit 2.
fn clap_exit(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(std::io::stdout(), "{}", e.render());
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(std::io::stderr(), "{}", e.render());
            ExitCode::from(error::EXIT_BAD_INPUT)
        }
        _ => {
            let _ = writeln!(std::io::stderr(), "{}", one_line(&e.render().to_string()));
            ExitCode::from(error::EXIT_BAD_INPUT)
        }
    }
}

/// clap's multi-line usage error folded into one line.
pub fn one_line(rendered: &str) -> String {
    let mut head = String::new();
    let mut usage = String::new();
    let mut after_argument = false;
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("For more information") {
            continue;
        }
        let argument = line.starts_with(['-', '<', '[']);
        if let Some(u) = line.strip_prefix("Usage:") {
            usage = u.trim().to_string();
        } else if head.is_empty() {
            head = line.to_string();
        } else if argument && after_argument {
            head = format!("{head}, {line}");
        } else if argument || head.ends_with(':') {
            head = format!("{head} {line}");
        } else {
            head = format!("{head}; {line}");
        }
        after_argument = argument;
    }
    if !head.starts_with("error:") {
        head = format!("error: {head}");
    }
    if usage.is_empty() {
        head
    } else {
        format!("{head} (usage: {usage})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_fold_into_one_line() {
        let text = "error: the following required arguments were not provided:\n  --data <FILE>\n  --loss <LOSS>\n\n\
                    Usage: nn eval --model <FILE> --data <FILE> --loss <LOSS>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(text),
            "error: the following required arguments were not provided: --data <FILE>, --loss <LOSS> \
             (usage: nn eval --model <FILE> --data <FILE> --loss <LOSS>)"
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
