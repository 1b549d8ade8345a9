//! One error type for every subcommand, and the exit code each kind ends with.
//!
//! | exit | meaning |
//! |------|---------|
//! | 0 | success |
//! | 1 | a check disagrees: `nn gradcheck` beyond its tolerance, `nn verify-device` device ≠ host |
//! | 2 | bad input: a file, value or option is wrong |
//! | 3 | training diverged; the last good parameters were written |
//! | 130 | `nn train` interrupted (Ctrl-C); the parameters at the last batch boundary (or the best epoch's, with `--early-stopping`) were written |

use std::fmt;
use std::io;
use std::path::Path;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code of a check that disagrees (`nn gradcheck`, `nn verify-device`).
pub const EXIT_DISAGREE: u8 = 1;
/// Exit code of every bad file, value or option.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code of a training run that diverged.
pub const EXIT_DIVERGED: u8 = 3;
/// Exit code of a training run stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Why a command failed. The message is one line, ready for `error: …` on stderr.
#[derive(Debug)]
#[non_exhaustive]
pub enum CliError {
    /// A file, value or option is wrong; the message names the file, the place in it and
    /// what was expected.
    BadInput(String),
    /// A check disagrees: `nn gradcheck` beyond its tolerance, `nn verify-device` device ≠ host.
    Disagree(String),
    /// Training produced a non-finite value and stopped; the last good parameters were kept.
    Diverged(String),
    /// Training was interrupted (Ctrl-C); the parameters were written.
    Interrupted(String),
    /// Standard output was closed by the reader (`nn predict … | head`): stop quietly.
    BrokenPipe,
}

impl CliError {
    /// A bad-input error with `message` as it stands.
    pub fn bad(message: impl Into<String>) -> Self {
        CliError::BadInput(message.into())
    }

    /// A bad-input error about `file` as a whole: `file: message`.
    pub fn in_file(file: &Path, message: impl fmt::Display) -> Self {
        CliError::BadInput(format!("{}: {message}", file.display()))
    }

    /// A bad-input error at a place in `file`: `file:line:column: message`.
    pub fn at(file: &Path, line: usize, column: usize, message: impl fmt::Display) -> Self {
        CliError::BadInput(format!("{}:{line}:{column}: {message}", file.display()))
    }

    /// A file that could not be read.
    pub fn read(file: &Path, e: &io::Error) -> Self {
        CliError::in_file(file, format!("cannot read the file: {}", describe_io(e)))
    }

    /// An output file that could not be written.
    pub fn write(file: &Path, e: &io::Error) -> Self {
        CliError::in_file(file, format!("cannot write the file: {}", describe_io(e)))
    }

    /// A failed write to standard output.
    pub fn stdout(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::BadInput(format!("cannot write to standard output: {}", describe_io(&e)))
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) => EXIT_BAD_INPUT,
            CliError::Disagree(_) => EXIT_DISAGREE,
            CliError::Diverged(_) => EXIT_DIVERGED,
            CliError::Interrupted(_) => EXIT_INTERRUPTED,
            CliError::BrokenPipe => EXIT_OK,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadInput(m) | CliError::Disagree(m) | CliError::Diverged(m) | CliError::Interrupted(m) => {
                // One line whatever a file held: a newline or other control character
                // quoted from a file (a CSV cell, a JSON string) is shown escaped.
                for c in m.chars() {
                    if c.is_control() {
                        write!(f, "{}", c.escape_default())?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                Ok(())
            }
            CliError::BrokenPipe => f.write_str("standard output was closed"),
        }
    }
}

impl std::error::Error for CliError {}

/// An I/O error in words, without the `(os error N)` suffix.
pub fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        io::ErrorKind::NotADirectory => "a part of the path is not a directory".into(),
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        io::ErrorKind::StorageFull => "no space left on the device".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

/// Writes a line to a command's output, turning an I/O failure into a [`CliError`].
#[macro_export]
macro_rules! outln {
    ($out:expr) => {
        writeln!($out).map_err($crate::error::CliError::stdout)?
    };
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err($crate::error::CliError::stdout)?
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `model_json` and `data_csv` fuzz targets: a newline in a JSON key or
    /// a quoted CSV cell made a message of two lines.
    #[test]
    fn messages_are_one_line_whatever_the_file_held() {
        let e = CliError::at(Path::new("d.csv"), 2, 3, "\"a\nb\" is not a number");
        assert_eq!(e.to_string(), "d.csv:2:3: \"a\\nb\" is not a number");
    }
}
