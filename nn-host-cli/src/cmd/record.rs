//! `nn record --from-log LOG -o OUT.csv`: a device log (what `probe-rs run` prints for the
//! micro:bit's recording mode, or QEMU's semihosting output) turned into a recording file.
//! The output is written atomically: a bad log leaves no file behind.

use std::io::Write;
use std::path::PathBuf;

use crate::error::CliError;
use crate::model_file::count;
use crate::outln;
use crate::output::{self, sig};
use crate::recording;

/// Arguments of `nn record`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The device log: `nnrec` lines anywhere among other output (docs/recording-format.md).
    #[arg(long, value_name = "LOG")]
    pub from_log: PathBuf,
    /// Where to write the recording file (CSV).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: PathBuf,
}

/// Converts the log and writes the recording.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    output::check_distinct(&[("--from-log", Some(&args.from_log)), ("--out", Some(&args.out))])?;
    let bytes = output::read_input(&args.from_log)?;
    let recording = recording::from_log(&args.from_log, &bytes)?;
    output::write_atomic(&args.out, recording.to_csv().as_bytes())?;
    outln!(
        out,
        "wrote {}: {} of {} at {} Hz ({} s) in {}, labels {}",
        args.out.display(),
        count(recording.samples.len(), "sample"),
        match recording.axes.len() {
            1 => "1 axis".to_string(),
            n => format!("{n} axes"),
        },
        sig(recording.rate_hz, 6),
        sig(recording.duration_s(), 4),
        count(recording.sessions().len(), "session"),
        recording.labels.join(",")
    );
    Ok(())
}
