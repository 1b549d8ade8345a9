//! The `nn` command; everything is in the library (`nn_host_cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    nn_host_cli::main_with_args(std::env::args_os())
}
