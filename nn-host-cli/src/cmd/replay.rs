//! `nn replay FILE`: the on-device learner run on a recording, on the host, exactly as the
//! device runs it: `nn_learn::replay::replay` (windows, features, split, learned scaling,
//! training with early stopping, held-out report), the same crate and the same bits.
//!
//! The device's configuration is fixed at compile time (axes, classes, features, network);
//! the host holds one compiled configuration per number of axes and classes it supports
//! ([`AXES`] × [`CLASSES`]), each the library's general configuration:
//! `FeatureSet::GENERAL`, `GeneralNet<F, C>` (F → 16 tanh → C softmax), `Recipe::ADAM`.

use std::io::Write;
use std::path::PathBuf;

use nn_core::{Model, Network, Scaled};
use nn_learn::classifier::Examples;
use nn_learn::features::{FeatureSet, Quality};
use nn_learn::replay::{self, GeneralNet, Record, ReplayConfig, ReplayReport, Split};
use nn_learn::sensor::{Scale, Unit as SensorUnit};
use nn_learn::stream::{self, Header};
use serde::Serialize;

use crate::error::CliError;
use crate::outln;
use crate::output::{self, sig32};
use crate::recording::{Recording, Unit};

/// Numbers of axes the host replays (each a compiled configuration).
pub const AXES: [usize; 5] = [1, 2, 3, 6, 9];
/// Numbers of classes the host replays.
pub const CLASSES: std::ops::RangeInclusive<usize> = 2..=8;
/// Longest window the host replays, in samples.
pub const MAX_WINDOW: usize = 256;
/// `--hold-out-every`'s default.
const HOLD_OUT_EVERY: u16 = 4;
/// Windows per part (training, held out) the host's buffers hold.
const BUFFER: usize = 8192;

/// Arguments of `nn replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recording file (docs/recording-format.md).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Samples per window [default: two seconds of samples, at most 256].
    #[arg(long, value_name = "SAMPLES")]
    pub window: Option<usize>,
    /// Samples from one window's start to the next [default: half the window].
    #[arg(long, value_name = "SAMPLES")]
    pub hop: Option<usize>,
    /// Hold out every K-th window of each class for the report.
    #[arg(long, value_name = "K", default_value_t = HOLD_OUT_EVERY, conflicts_with = "test_session")]
    pub hold_out_every: u16,
    /// Hold out every window of this session instead (a session the learner never saw).
    #[arg(long, value_name = "ID", conflicts_with = "test")]
    pub test_session: Option<u32>,
    /// Hold out a separate recording instead (same axes, units and rate; its labels among
    /// FILE's): train on all of FILE, report on all of this one.
    #[arg(long, value_name = "FILE", conflicts_with = "hold_out_every")]
    pub test: Option<PathBuf>,
    /// Write every window's features, label and part as CSV (for the scikit-learn reference).
    #[arg(long, value_name = "FILE")]
    pub features_out: Option<PathBuf>,
    /// Also write the recording and this configuration as a replay stream, for the
    /// QEMU firmware's `--replay=FILE` (what `nn verify-device --recording` does).
    #[arg(long, value_name = "FILE")]
    pub device_stream: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The replay's outcome, independent of the compiled configuration.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// The recording file.
    pub file: String,
    /// Axes, rate, classes of the recording.
    pub axes: usize,
    /// Samples per second.
    pub rate_hz: f64,
    /// The class names.
    pub labels: Vec<String>,
    /// Samples per window and hop.
    pub window: usize,
    /// Samples between window starts.
    pub hop: usize,
    /// Features per window.
    pub features: usize,
    /// Samples read, complete windows, refused windows.
    pub samples: u32,
    /// Complete windows.
    pub windows: u32,
    /// Windows the quality check refused.
    pub rejected: u32,
    /// Training windows per class.
    pub train_windows: Vec<u32>,
    /// Held-out windows per class.
    pub test_windows: Vec<u32>,
    /// Epochs run and the epoch kept.
    pub epochs: u32,
    /// The epoch whose parameters were kept.
    pub best_epoch: u32,
    /// Held-out accuracy.
    pub accuracy: f32,
    /// `confusion[truth][predicted]`.
    pub confusion: Vec<Vec<u32>>,
    /// Per-class recall (`None` for a class with no held-out window).
    pub recall: Vec<Option<f32>>,
    /// Parameters of the network.
    pub params: usize,
    /// The network's parameters in nn-core's flat order, then the scaling's means and
    /// scales, as bits (what the device must reproduce).
    #[serde(skip)]
    pub bits: Vec<u32>,
    /// FNV-1a of `bits`.
    pub fingerprint: String,
    /// Every window of both parts: (class, held out, features), for `--features-out`.
    #[serde(skip)]
    pub rows: Vec<(usize, bool, Vec<f32>)>,
    /// The recording and the configuration as a replay stream (`nn_learn::stream`).
    #[serde(skip)]
    pub stream: Vec<u8>,
}

/// How many counts make one unit of the learner's features, and that unit: counts of
/// `per_count` `unit` each (thousandths become wholes: mg → g, mdeg/s → deg/s).
fn counts_per_unit(unit: Unit, per_count: f64) -> (f64, SensorUnit) {
    match unit {
        Unit::G => (1.0 / per_count, SensorUnit::G),
        Unit::MilliG => (1000.0 / per_count, SensorUnit::G),
        Unit::MetrePerSecondSquared => (1.0 / per_count, SensorUnit::MetresPerSecond2),
        Unit::DegreePerSecond => (1.0 / per_count, SensorUnit::DegreesPerSecond),
        Unit::MilliDegreePerSecond => (1000.0 / per_count, SensorUnit::DegreesPerSecond),
        Unit::RadianPerSecond => (1.0 / per_count, SensorUnit::RadiansPerSecond),
        Unit::MicroTesla => (1.0 / per_count, SensorUnit::MicroTesla),
        Unit::MilliGauss => (10.0 / per_count, SensorUnit::MicroTesla),
        _ => (1.0 / per_count, SensorUnit::Other),
    }
}

/// The one [`Scale`] of a recording: every axis must have the same counts per unit (the
/// learner takes one scale per sensor); the unit is theirs when they share one, else
/// [`SensorUnit::Other`] (an accelerometer with a gyroscope).
fn scale_of(rec: &Recording) -> Result<Scale, CliError> {
    let scales: Vec<(f64, SensorUnit)> = rec.axes.iter().map(|a| counts_per_unit(a.unit, a.per_count)).collect();
    let Some(&(first, unit)) = scales.first() else {
        return Err(CliError::in_file(&rec.path, "has no axis"));
    };
    if let Some((i, (c, _))) = scales.iter().enumerate().find(|(_, (c, _))| (c / first - 1.0).abs() > 1e-9) {
        return Err(CliError::in_file(
            &rec.path,
            format!(
                "axis {} has {} counts per unit, axis {} has {}; the learner takes one scale for all axes \
                 (convert the recording to one count size)",
                rec.axes.get(i).map_or("?", |a| a.name.as_str()),
                c,
                rec.axes.first().map_or("?", |a| a.name.as_str()),
                first
            ),
        ));
    }
    let unit = if scales.iter().all(|&(_, u)| u == unit) { unit } else { SensorUnit::Other };
    let scale = Scale { counts_per_unit: first as f32, unit };
    if !scale.is_valid() {
        return Err(CliError::in_file(&rec.path, format!("{first} counts per unit is not a usable scale")));
    }
    Ok(scale)
}

/// Replays `rec` with `config` on the compiled configuration for its axes and classes.
pub fn replay_recording(rec: &Recording, config: ReplayConfig) -> Result<Outcome, CliError> {
    let (axes, classes) = (rec.axes.len(), rec.labels.len());
    macro_rules! dispatch {
        ($($a:literal),+) => {
            match axes {
                $($a => dispatch!(@classes $a; 2, 3, 4, 5, 6, 7, 8),)+
                _ => Err(unsupported(rec)),
            }
        };
        (@classes $a:literal; $($c:literal),+) => {
            match classes {
                $($c => run::<$a, { FeatureSet::GENERAL.len($a) }, $c>(rec, config),)+
                _ => Err(unsupported(rec)),
            }
        };
    }
    dispatch!(1, 2, 3, 6, 9)
}

fn unsupported(rec: &Recording) -> CliError {
    CliError::in_file(
        &rec.path,
        format!(
            "has {} axes and {} classes; nn replay runs recordings of {:?} axes and {} to {} classes \
             (the learner's shapes are fixed when it is compiled)",
            rec.axes.len(),
            rec.labels.len(),
            AXES,
            CLASSES.start(),
            CLASSES.end()
        ),
    )
}

/// Every window's features for `--features-out`, kept while replaying.
fn run<const A: usize, const F: usize, const C: usize>(
    rec: &Recording,
    config: ReplayConfig,
) -> Result<Outcome, CliError> {
    let records: Vec<Record<A>> = rec
        .samples
        .iter()
        .map(|s| {
            let mut sample = [0i32; A];
            sample.iter_mut().zip(&s.counts).for_each(|(d, &c)| *d = c);
            Record { class: s.label as u8, session: s.session, sample }
        })
        .collect();
    let stream = device_stream(&records, &config, C).map_err(|e| CliError::in_file(&rec.path, e))?;
    let mut train = Box::new(Examples::<F, C, BUFFER>::new());
    let mut test = Box::new(Examples::<F, C, BUFFER>::new());
    let mut work = vec![0.0f32; nn_core::train::work_len(GeneralNet::<F, C>::PARAMS, config.recipe.config.optimizer)];
    let mut scratch = vec![0.0f32; Scaled::<GeneralNet<F, C>, [f32; F]>::SCRATCH];
    let (model, report): (Scaled<GeneralNet<F, C>, [f32; F]>, ReplayReport<C>) =
        replay::replay::<GeneralNet<F, C>, A, MAX_WINDOW, F, C, BUFFER>(
            records,
            &config,
            &mut train,
            &mut test,
            &mut work,
            &mut scratch,
        )
        .map_err(|e| CliError::in_file(&rec.path, format!("the learner refused the recording: {e}")))?;
    let mut bits: Vec<u32> = Vec::with_capacity(GeneralNet::<F, C>::PARAMS + 2 * F);
    let net = model.model();
    for l in 0..net.depth() {
        bits.extend(net.weights(l).iter().chain(net.biases(l)).map(|p| p.to_bits()));
    }
    bits.extend(model.scaling().mean().iter().chain(model.scaling().scale()).map(|p| p.to_bits()));
    Ok(Outcome {
        file: rec.path.display().to_string(),
        axes: A,
        rate_hz: rec.rate_hz,
        labels: rec.labels.clone(),
        window: config.window,
        hop: config.hop,
        features: F,
        samples: report.samples,
        windows: report.windows,
        rejected: report.rejected,
        train_windows: report.train_windows.to_vec(),
        test_windows: report.test_windows.to_vec(),
        epochs: report.train.epochs,
        best_epoch: report.train.best_epoch,
        accuracy: report.accuracy(),
        confusion: report.confusion.counts.iter().map(|r| r.to_vec()).collect(),
        recall: report.recall().to_vec(),
        params: GeneralNet::<F, C>::PARAMS,
        fingerprint: format!("0x{:08x}", nn_core::codec::fingerprint(bits.iter().map(|&b| f32::from_bits(b)))),
        bits,
        rows: feature_rows(&train, &test),
        stream,
    })
}

/// `records` and `config` as a replay stream.
fn device_stream<const A: usize>(
    records: &[Record<A>],
    config: &ReplayConfig,
    classes: usize,
) -> Result<Vec<u8>, String> {
    let header = Header {
        axes: u8::try_from(A).map_err(|_| "too many axes for a replay stream")?,
        classes: u8::try_from(classes).map_err(|_| "too many classes for a replay stream")?,
        split: config.split,
        window: u16::try_from(config.window).map_err(|_| "the window is too long for a replay stream")?,
        hop: u16::try_from(config.hop).map_err(|_| "the hop is too long for a replay stream")?,
        counts_per_unit: config.scale.counts_per_unit,
        records: u32::try_from(records.len()).map_err(|_| "too many samples for a replay stream")?,
    };
    let mut bytes = header.encode().to_vec();
    let mut record = vec![0u8; stream::record_len(A)];
    for r in records {
        stream::encode_record(r, &mut record).map_err(|e| e.to_string())?;
        bytes.extend_from_slice(&record);
    }
    Ok(bytes)
}

/// The windows of both parts: (class, held out, features).
fn feature_rows<const F: usize, const C: usize>(
    train: &Examples<F, C, BUFFER>,
    test: &Examples<F, C, BUFFER>,
) -> Vec<(usize, bool, Vec<f32>)> {
    let part = |e: &Examples<F, C, BUFFER>, held: bool| {
        e.as_slice().iter().map(move |x| (usize::from(x.class), held, x.features.to_vec())).collect::<Vec<_>>()
    };
    let mut rows = part(train, false);
    rows.extend(part(test, true));
    rows
}

/// Appends `test`'s samples to `rec` with their sessions renumbered after `rec`'s, and
/// returns the first renumbered session: every window from there on is held out.
fn append_test(rec: &mut Recording, test: &Recording) -> Result<u32, CliError> {
    let same_axes = rec.axes.len() == test.axes.len()
        && rec
            .axes
            .iter()
            .zip(&test.axes)
            .all(|(a, b)| a.name == b.name && a.unit == b.unit && a.per_count == b.per_count);
    if !same_axes {
        let names = |r: &Recording| r.axes.iter().map(|a| a.header()).collect::<Vec<_>>().join(",");
        return Err(CliError::in_file(
            &test.path,
            format!("has the axes {}; the training recording has {} (--test needs the same)", names(test), names(rec)),
        ));
    }
    if rec.rate_hz != test.rate_hz {
        return Err(CliError::in_file(
            &test.path,
            format!("is sampled at {} Hz, the training recording at {} Hz", test.rate_hz, rec.rate_hz),
        ));
    }
    let first = rec.samples.iter().map(|s| s.session).max().map_or(Some(0), |m| m.checked_add(1));
    let last = test.samples.iter().map(|s| s.session).max().unwrap_or(0);
    let Some(first) = first.filter(|f| f.checked_add(last).is_some()) else {
        return Err(CliError::in_file(&test.path, "its session ids cannot be numbered after the training recording's"));
    };
    for (s, line) in test.samples.iter().zip(&test.lines) {
        let name = test.labels.get(s.label).map_or("", |l| l.as_str());
        let Some(label) = rec.labels.iter().position(|l| l == name) else {
            // The label is the row's second cell: after the session id and its comma.
            return Err(CliError::at(
                &test.path,
                *line,
                s.session.to_string().len() + 2,
                format!("label {name:?} is not one of the training recording's ({})", rec.labels.join(",")),
            ));
        };
        rec.samples.push(crate::recording::Sample { session: first + s.session, label, counts: s.counts.clone() });
        rec.lines.push(*line);
    }
    Ok(first)
}

/// The configuration `args` asks for on `rec`.
fn config_for(args: &Args, rec: &Recording) -> Result<ReplayConfig, CliError> {
    let window = match args.window {
        Some(w) => w,
        None => ((2.0 * rec.rate_hz).round() as usize).clamp(4, MAX_WINDOW),
    };
    if !(2..=MAX_WINDOW).contains(&window) {
        return Err(CliError::bad(format!("--window {window}: expected 2 to {MAX_WINDOW} samples")));
    }
    let hop = args.hop.unwrap_or((window / 2).max(1));
    if hop == 0 || hop > window {
        return Err(CliError::bad(format!("--hop {hop}: expected 1 to the window, {window} samples")));
    }
    if args.hold_out_every < 2 {
        return Err(CliError::bad(format!("--hold-out-every {}: expected 2 or more", args.hold_out_every)));
    }
    let split = match args.test_session {
        Some(id) => {
            if !rec.sessions().iter().any(|s| s.id == id) {
                return Err(CliError::in_file(&rec.path, format!("has no session {id} (--test-session)")));
            }
            Split::Session(id)
        }
        None => Split::EveryKth(args.hold_out_every),
    };
    let quality = match rec.range {
        Some(r) => Quality::rails(r.min, r.max, window),
        None => Quality::NONE,
    };
    Ok(ReplayConfig { quality, split, ..ReplayConfig::general(scale_of(rec)?, window, hop) })
}

/// Loads the recording (and `--test`'s), and replays it as `args` say: the outcome and
/// the configuration (`nn replay`, and `nn verify-device --recording`).
pub fn replay_file(args: &Args) -> Result<(Outcome, ReplayConfig), CliError> {
    let mut rec = Recording::load(&args.file)?;
    let held_out_from = match &args.test {
        Some(path) => Some(append_test(&mut rec, &Recording::load(path)?)?),
        None => None,
    };
    let mut config = config_for(args, &rec)?;
    if let Some(first) = held_out_from {
        config.split = Split::SessionsFrom(first);
    }
    // The host's buffers are large; the replay runs on a thread with room for them.
    let outcome = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, || replay_recording(&rec, config))
            .map_err(|e| CliError::bad(format!("cannot start the replay: {e}")))?
            .join()
            .map_err(|_| CliError::bad("the replay stopped unexpectedly"))?
    })?;
    Ok((outcome, config))
}

impl Args {
    /// `nn replay FILE` with every option at its default (`nn demo`, `nn verify-device`).
    pub fn for_file(file: PathBuf) -> Args {
        Args {
            file,
            window: None,
            hop: None,
            hold_out_every: HOLD_OUT_EVERY,
            test_session: None,
            test: None,
            features_out: None,
            device_stream: None,
            json: false,
        }
    }
}

/// Replays `rec` with `nn replay`'s defaults (`nn demo`).
pub fn replay_with_defaults(rec: &Recording) -> Result<(Outcome, ReplayConfig), CliError> {
    let config = config_for(&Args::for_file(rec.path.clone()), rec)?;
    Ok((replay_recording(rec, config)?, config))
}

/// Runs `nn replay`.
pub fn run_command(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    output::check_distinct(&[
        ("the recording", Some(&args.file)),
        ("--test", args.test.as_deref()),
        ("--features-out", args.features_out.as_deref()),
        ("--device-stream", args.device_stream.as_deref()),
    ])?;
    for path in [&args.features_out, &args.device_stream].into_iter().flatten() {
        output::check_writable(path)?;
    }
    let (outcome, config) = replay_file(args)?;
    if let Some(path) = &args.features_out {
        write_features(path, &outcome, &outcome.rows)?;
    }
    if let Some(path) = &args.device_stream {
        output::write_atomic(path, &outcome.stream)?;
    }
    if args.json {
        let text = serde_json::to_string(&outcome).map_err(|e| CliError::bad(e.to_string()))?;
        outln!(out, "{text}");
        return Ok(());
    }
    print_report(&outcome, &config, out)
}

/// The features file of docs/recording-format.md, section 3.
fn write_features(path: &std::path::Path, o: &Outcome, rows: &[(usize, bool, Vec<f32>)]) -> Result<(), CliError> {
    use std::fmt::Write as _;
    let mut text = String::from("split,label");
    (0..o.features).for_each(|i| {
        let _ = write!(text, ",f{i}");
    });
    text.push('\n');
    for (class, held, values) in rows {
        let _ = write!(text, "{},{}", if *held { "test" } else { "train" }, o.labels.get(*class).map_or("?", |l| l));
        for v in values {
            let _ = write!(text, ",{v:?}");
        }
        text.push('\n');
    }
    output::write_atomic(path, text.as_bytes())
}

/// The text report of a replay.
pub fn print_report(o: &Outcome, config: &ReplayConfig, out: &mut dyn Write) -> Result<(), CliError> {
    let seconds = o.window as f64 / o.rate_hz;
    outln!(
        out,
        "replay: {} ({} axes at {} Hz, {} classes): windows of {} samples ({} s) every {}, {} features",
        o.file,
        o.axes,
        o.rate_hz,
        o.labels.len(),
        o.window,
        output::sig(seconds, 3),
        o.hop,
        o.features
    );
    let split = match config.split {
        Split::EveryKth(k) => format!("every {k}th window of each class held out"),
        Split::Session(s) => format!("session {s} held out"),
        Split::SessionsFrom(_) => "the --test recording held out".to_string(),
    };
    outln!(
        out,
        "windows: {} complete, {} refused by the quality check; {} trained on, {} held out ({split})",
        o.windows,
        o.rejected,
        o.train_windows.iter().sum::<u32>(),
        o.test_windows.iter().sum::<u32>()
    );
    outln!(
        out,
        "learner: {}-16-{} tanh/softmax ({} parameters), scaling learned; {} epochs, kept epoch {}",
        o.features,
        o.labels.len(),
        o.params,
        o.epochs,
        o.best_epoch
    );
    outln!(out, "held-out accuracy {} ({} windows)", sig32(o.accuracy), o.test_windows.iter().sum::<u32>());
    let width = o.labels.iter().map(String::len).max().unwrap_or(5).max(9);
    let mut header = format!("{:>width$}", "truth \\ predicted");
    for l in &o.labels {
        header.push_str(&format!(" {l:>w$}", w = l.len().max(5)));
    }
    header.push_str("  recall");
    outln!(out, "{header}");
    for (i, row) in o.confusion.iter().enumerate() {
        let name = o.labels.get(i).map_or("?", |l| l.as_str());
        let mut line = format!("{name:>w$}", w = width.max(17));
        for (j, n) in row.iter().enumerate() {
            let w = o.labels.get(j).map_or(5, |l| l.len().max(5));
            line.push_str(&format!(" {n:>w$}"));
        }
        let recall = o.recall.get(i).copied().flatten().map_or("-".to_string(), sig32);
        line.push_str(&format!("  {recall}"));
        outln!(out, "{line}");
    }
    outln!(out, "model fingerprint {} (FNV-1a of the parameters and the scaling)", o.fingerprint);
    Ok(())
}
