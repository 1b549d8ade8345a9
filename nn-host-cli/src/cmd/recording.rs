//! `nn recording info FILE`: what a recording file holds (axes, units, rate, duration,
//! sessions, samples per label), after checking all of it.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::error::CliError;
use crate::model_file::count;
use crate::outln;
use crate::output::sig;
use crate::recording::Recording;

/// Arguments of `nn recording`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with the recording.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions of `nn recording`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Check a recording file and show its axes, units, rate, duration, sessions and labels.
    Info(InfoArgs),
}

/// Arguments of `nn recording info`.
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// The recording file (docs/recording-format.md).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    file: String,
    rate_hz: f64,
    samples: usize,
    duration_s: f64,
    sessions: usize,
    axes: Vec<AxisReport>,
    range: Option<[i32; 2]>,
    labels: Vec<LabelReport>,
}

#[derive(Serialize)]
struct AxisReport {
    name: String,
    unit: &'static str,
    per_count: f64,
    /// Smallest and largest count.
    min_count: i32,
    max_count: i32,
    /// Samples at either end of the declared range (saturated), when one is declared.
    at_range_ends: Option<usize>,
}

#[derive(Serialize)]
struct LabelReport {
    label: String,
    samples: usize,
    /// Sessions with at least one sample of this label.
    sessions: usize,
}

/// Runs `nn recording`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    match &args.action {
        Action::Info(a) => info(a, out),
    }
}

fn info(args: &InfoArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let r = Recording::load(&args.file)?;
    let sessions = r.sessions();
    let counts = r.label_counts();
    let labels: Vec<LabelReport> = r
        .labels
        .iter()
        .zip(&counts)
        .enumerate()
        .map(|(k, (name, &samples))| LabelReport {
            label: name.clone(),
            samples,
            sessions: sessions
                .iter()
                .filter(|s| r.samples.get(s.samples.clone()).is_some_and(|v| v.iter().any(|x| x.label == k)))
                .count(),
        })
        .collect();
    let report = Report {
        file: args.file.display().to_string(),
        rate_hz: r.rate_hz,
        samples: r.samples.len(),
        duration_s: r.duration_s(),
        sessions: sessions.len(),
        axes: r
            .axes
            .iter()
            .enumerate()
            .map(|(k, a)| {
                let counts = || r.samples.iter().filter_map(move |s| s.counts.get(k).copied());
                AxisReport {
                    name: a.name.clone(),
                    unit: a.unit.name(),
                    per_count: a.per_count,
                    min_count: counts().min().unwrap_or(0),
                    max_count: counts().max().unwrap_or(0),
                    at_range_ends: r.range.map(|c| counts().filter(|&v| v == c.min || v == c.max).count()),
                }
            })
            .collect(),
        range: r.range.map(|c| [c.min, c.max]),
        labels,
    };
    if args.json {
        let text = serde_json::to_string(&report).map_err(|e| CliError::bad(e.to_string()))?;
        outln!(out, "{text}");
        return Ok(());
    }
    outln!(
        out,
        "{}: {} at {} Hz ({} s), {}",
        report.file,
        count(report.samples, "sample"),
        sig(report.rate_hz, 6),
        sig(report.duration_s, 4),
        count(report.sessions, "session")
    );
    match report.range {
        Some([min, max]) => outln!(out, "axes (declared range {min}..{max} counts):"),
        None => outln!(out, "axes:"),
    }
    let width = r.axes.iter().map(|a| a.header().chars().count()).max().unwrap_or(0);
    for (a, x) in r.axes.iter().zip(&report.axes) {
        let saturated = match x.at_range_ends {
            Some(n) => format!(", {n} at the range's ends"),
            None => String::new(),
        };
        outln!(
            out,
            "  {:<width$}  counts {}..{} = {}..{} {}{saturated}",
            a.header(),
            x.min_count,
            x.max_count,
            sig(f64::from(x.min_count) * a.per_count, 4),
            sig(f64::from(x.max_count) * a.per_count, 4),
            a.unit.name()
        );
    }
    let width = report.labels.iter().map(|l| l.label.chars().count()).max().unwrap_or(0);
    outln!(out, "labels (samples, sessions):");
    for l in &report.labels {
        outln!(out, "  {:<width$}  {:>8}  {:>5}", l.label, l.samples, l.sessions);
    }
    Ok(())
}
