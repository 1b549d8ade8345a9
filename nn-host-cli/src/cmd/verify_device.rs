//! `nn verify-device` (issue 5): runs the firmware image under QEMU and compares its
//! parameters with the host's run bit for bit. The protocol between the host and the
//! firmware is the firmware engineer's to define (firmware/README.md); until it is
//! documented this subcommand says so and exits with code 2.

use std::io::Write;

use crate::error::CliError;

/// Arguments of `nn verify-device` (accepted and ignored until the protocol exists).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Arguments for the future subcommand.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Always fails: the host–firmware protocol is not documented yet.
pub fn run(_args: &Args, _out: &mut dyn Write) -> Result<(), CliError> {
    Err(CliError::NotImplemented(
        "nn verify-device is not implemented yet: it needs the firmware's QEMU protocol (issue 5), \
         which firmware/README.md does not document yet"
            .into(),
    ))
}
