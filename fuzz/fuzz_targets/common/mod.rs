//! What every loader target checks of a refusal.

use nn_host_cli::error::{CliError, EXIT_BAD_INPUT};

/// A refusal is one line that starts with the file's name and ends in exit code 2.
pub fn assert_refusal(e: &CliError, file: &str) {
    let message = e.to_string();
    assert!(message.starts_with(file), "the message does not name the file: {message}");
    assert!(!message.contains('\n'), "the message is not one line: {message:?}");
    assert_eq!(e.exit_code(), EXIT_BAD_INPUT, "{message}");
}
