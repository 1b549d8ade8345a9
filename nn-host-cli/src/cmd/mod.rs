//! The subcommands, one module each.

use std::io::Write;

use clap::Subcommand;

use crate::error::CliError;

pub mod bench;
pub mod demo;
pub mod eval;
pub mod example;
pub mod export;
pub mod gradcheck;
pub mod hessian;
pub mod init;
pub mod predict;
pub mod record;
pub mod recording;
pub mod replay;
pub mod train;
pub mod verify_device;

/// Every subcommand of `nn`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a new model with seeded random weights.
    Init(init::Args),
    /// Train a model on a CSV data set.
    Train(Box<train::Args>),
    /// Loss (and accuracy for classifiers) of a model on a data set.
    Eval(eval::Args),
    /// The model's outputs for each row of a data set, as CSV.
    Predict(predict::Args),
    /// Backprop against numeric differences on the whole data set.
    Gradcheck(gradcheck::Args),
    /// The Hessian, its eigenvalue range, and a Taylor check.
    Hessian(hessian::Args),
    /// Replay the seed documents' worked examples with the correct numbers.
    Example(example::Args),
    /// Export a model for flashing: a Rust const, a C header with a predict function or nn-core's binary codec.
    Export(export::Args),
    /// Train XOR and the documents' examples, and show what happened (no files needed).
    Demo(demo::Args),
    /// Train one of the C baseline's networks and report steps per second (JSON last).
    Bench(bench::Args),
    /// Run the firmware under QEMU and compare its parameters with the host's bit for bit.
    VerifyDevice(verify_device::Args),
    /// Turn a device log (`nnrec` lines, as `probe-rs run` prints them) into a recording file.
    Record(record::Args),
    /// Check a recording file and show what it holds.
    Recording(recording::Args),
    /// Run the on-device learner on a recording, as the device would: held-out accuracy, confusion matrix.
    Replay(replay::Args),
}

/// Runs `command`, writing its results to `out`.
pub fn run(command: Command, out: &mut dyn Write) -> Result<(), CliError> {
    match command {
        Command::Init(a) => init::run(&a, out),
        Command::Train(a) => train::run(&a, out),
        Command::Eval(a) => eval::run(&a, out),
        Command::Predict(a) => predict::run(&a, out),
        Command::Gradcheck(a) => gradcheck::run(&a, out),
        Command::Hessian(a) => hessian::run(&a, out),
        Command::Example(a) => example::run(&a, out),
        Command::Export(a) => export::run(&a, out),
        Command::Demo(a) => demo::run(&a, out),
        Command::Bench(a) => bench::run(&a, out),
        Command::VerifyDevice(a) => verify_device::run(&a, out),
        Command::Record(a) => record::run(&a, out),
        Command::Recording(a) => recording::run(&a, out),
        Command::Replay(a) => replay::run_command(&a, out),
    }
}
