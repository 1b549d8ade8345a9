//! `nn verify-device` (issue 5): runs the firmware image under QEMU in its `--verify`
//! mode and compares the parameters it trained with the host's, bit for bit.
//!
//! The protocol is the firmware's (firmware/README.md, "`--verify`"): QEMU prints
//! `verify: begin params=N seed=S target=T`, then `param <index> <8 hex digits of
//! f32::to_bits>` for every parameter in nn-core's flat order, then `verify: end
//! model_crc=0x…` (the CRC-32 of nn-core's codec record). The host side is
//! `nn_learn::sim::demo::Demo::DEFAULT.reference()`, the same session computed on the host.
//!
//! Exit codes: 0 every parameter and the CRC agree; 1 they differ, or the firmware's run
//! failed or broke the protocol; 2 QEMU or an image is missing (or another bad option).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nn_core::codec;
use nn_core::{Model, Network};
use nn_learn::gesture::GestureNet;
use nn_learn::sim::demo::Demo;
use serde::Serialize;

use crate::error::CliError;
use crate::output::{self, sig32};
use crate::{options, outln};

/// Differences listed before the rest are counted.
const MAX_LISTED: usize = 10;

/// Which simulated core to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Core {
    /// Cortex-M4F on QEMU's mps2-an386 (thumbv7em-none-eabihf, hardware float).
    M4f,
    /// Cortex-M0 on QEMU's microbit (thumbv6m-none-eabi, software float).
    M0,
    /// Both.
    All,
}

/// Arguments of `nn verify-device`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which core(s) to run.
    #[arg(long, value_enum, default_value_t = Core::All)]
    pub core: Core,
    /// The firmware directory [default: ./firmware, or the nearest one above].
    #[arg(long, value_name = "DIR")]
    pub firmware: Option<PathBuf>,
    /// The firmware image to run (with --core m4f or m0) instead of the built one.
    #[arg(long, value_name = "FILE")]
    pub image: Option<PathBuf>,
    /// The QEMU program.
    #[arg(long, value_name = "PROGRAM", default_value = "qemu-system-arm")]
    pub qemu: PathBuf,
    /// Seconds before a QEMU run is stopped.
    #[arg(long, value_name = "SECONDS", default_value = "300", value_parser = options::timeout_seconds, allow_hyphen_values = true)]
    pub timeout: u64,
    /// Compare the replay of this recording instead of the gesture demo: the host's
    /// `nn replay FILE` against the firmware's `--replay` of the same stream, on the
    /// Cortex-M4F (3 axes and 3 classes, or 6 and 4; the M0's 16 KiB hold no replay).
    #[arg(long, value_name = "FILE")]
    pub recording: Option<PathBuf>,
    /// Compare the anomaly-detection session instead (`nn_learn::sim::watch::Watch`:
    /// the autoencoder, its scaling and its threshold learned on the device from a
    /// simulated machine), with the firmware's `--anomaly`, on both cores.
    #[arg(long, conflicts_with = "recording")]
    pub anomaly: bool,
    /// With --recording: samples per window [default: as nn replay].
    #[arg(long, value_name = "SAMPLES", requires = "recording")]
    pub window: Option<usize>,
    /// With --recording: samples between window starts [default: as nn replay].
    #[arg(long, value_name = "SAMPLES", requires = "recording")]
    pub hop: Option<usize>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A simulated board.
struct Board {
    name: &'static str,
    machine: &'static str,
    cpu: &'static str,
    triple: &'static str,
}

const M4F: Board =
    Board { name: "cortex-m4f", machine: "mps2-an386", cpu: "cortex-m4", triple: "thumbv7em-none-eabihf" };
const M0: Board = Board { name: "cortex-m0", machine: "microbit", cpu: "cortex-m0", triple: "thumbv6m-none-eabi" };

/// What the host computes.
struct Reference {
    params: Vec<f32>,
    crc: u32,
    accuracy: f32,
    /// What QEMU is told (after `-append`).
    append: String,
    /// The replay stream file the device reads, removed when done.
    stream: Option<PathBuf>,
    /// The boards that can run it.
    shape: Option<(usize, usize)>,
}

/// The host's anomaly session, as the firmware's `--anomaly` runs it.
fn anomaly_reference() -> Result<Reference, CliError> {
    use nn_learn::anomaly::Detector;
    use nn_learn::sim::watch::{features, Autoencoder, Watch, FEATURES, RING, WINDOW};
    let mut work = vec![0.0f32; Detector::<Autoencoder, FEATURES>::WORK];
    let mut scratch = vec![0.0f32; Detector::<Autoencoder, FEATURES>::SCRATCH];
    let (report, det) = Watch::DEFAULT
        .reference::<Autoencoder, FEATURES, RING, WINDOW>(features, &mut work, &mut scratch)
        .map_err(|e| CliError::Disagree(format!("the host's anomaly session failed: {e:?}")))?;
    let net = det.net();
    let mut params = Vec::new();
    for l in 0..net.depth() {
        params.extend(net.weights(l).iter().chain(net.biases(l)));
    }
    params.extend(det.scaling().mean().iter().chain(det.scaling().scale()));
    let flagged: u32 = report.anomalies.iter().map(|c| c.flagged).sum();
    let shown: u32 = report.anomalies.iter().map(|c| c.windows).sum();
    Ok(Reference {
        params,
        crc: report.fingerprint,
        accuracy: flagged as f32 / shown.max(1) as f32,
        append: "--anomaly".into(),
        stream: None,
        shape: None,
    })
}

/// The host's replay of `file`, its stream written to a temporary file for QEMU.
fn recording_reference(file: &Path, window: Option<usize>, hop: Option<usize>) -> Result<Reference, CliError> {
    let args = crate::cmd::replay::Args { window, hop, ..crate::cmd::replay::Args::for_file(file.to_path_buf()) };
    let (outcome, _) = crate::cmd::replay::replay_file(&args)?;
    let stream = std::env::temp_dir().join(format!("nn-verify-{}.nnrs", std::process::id()));
    std::fs::write(&stream, &outcome.stream)
        .map_err(|e| CliError::in_file(&stream, format!("cannot write the replay stream: {e}")))?;
    Ok(Reference {
        params: outcome.bits.iter().map(|&b| f32::from_bits(b)).collect(),
        crc: codec::fingerprint(outcome.bits.iter().map(|&b| f32::from_bits(b))),
        accuracy: outcome.accuracy,
        append: format!("--replay={}", stream.display()),
        stream: Some(stream),
        shape: Some((outcome.axes, outcome.labels.len())),
    })
}

fn reference() -> Result<Reference, CliError> {
    let (net, score) =
        Demo::DEFAULT.reference().map_err(|e| CliError::Disagree(format!("the host reference failed: {e}")))?;
    let mut params = vec![0.0f32; GestureNet::PARAMS];
    net.copy_params_to(&mut params).map_err(|e| CliError::Disagree(format!("the host reference failed: {e}")))?;
    let mut bytes = vec![0u8; codec::encoded_len(&net)];
    let n = codec::encode(&net, &mut bytes)
        .map_err(|e| CliError::Disagree(format!("the host reference cannot be encoded: {e}")))?;
    let tail = bytes.get(n.saturating_sub(4)..n).unwrap_or(&[0, 0, 0, 0]);
    let crc = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    Ok(Reference { params, crc, accuracy: score.accuracy(), append: "--verify".into(), stream: None, shape: None })
}

/// What the device printed.
#[derive(Debug, PartialEq)]
struct DeviceRun {
    params: Vec<u32>,
    crc: u32,
    target: String,
}

/// Parses the `--verify` block out of the firmware's standard output.
fn parse(stdout: &str) -> Result<DeviceRun, String> {
    let mut lines = stdout.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end()));
    let (begin_at, begin) =
        lines.by_ref().find(|(_, l)| l.starts_with("verify: begin")).ok_or("no \"verify: begin\" line")?;
    let field = |line: &str, key: &str| -> Option<String> {
        line.split_whitespace().find_map(|w| w.strip_prefix(key).map(str::to_string))
    };
    let count: usize = field(begin, "params=")
        .and_then(|v| v.parse().ok())
        .ok_or(format!("line {begin_at}: \"verify: begin\" without params=N"))?;
    let target = field(begin, "target=").unwrap_or_default();
    let mut params: Vec<Option<u32>> = vec![None; count];
    for (at, line) in lines {
        if let Some(rest) = line.strip_prefix("param ") {
            let mut parts = rest.split_whitespace();
            let index: usize = parts.next().and_then(|v| v.parse().ok()).filter(|&i| i < count).ok_or(format!(
                "line {at}: bad parameter index in \"{line}\" (expected 0 to {})",
                count.saturating_sub(1)
            ))?;
            let hex = parts.next().unwrap_or("");
            if hex.len() != 8 || parts.next().is_some() {
                return Err(format!("line {at}: expected \"param <index> <8 hex digits>\", found \"{line}\""));
            }
            let bits = u32::from_str_radix(hex, 16).map_err(|_| format!("line {at}: \"{hex}\" is not hexadecimal"))?;
            if params[index].replace(bits).is_some() {
                return Err(format!("line {at}: parameter {index} is printed twice"));
            }
        } else if line.starts_with("verify: end") {
            // The demo's codec CRC, or a replay's FNV-1a of its parameters and scaling.
            let crc_text = field(line, "model_crc=0x")
                .or_else(|| field(line, "fingerprint=0x"))
                .ok_or(format!("line {at}: \"verify: end\" without model_crc=0x… or fingerprint=0x…"))?;
            let crc =
                u32::from_str_radix(&crc_text, 16).map_err(|_| format!("line {at}: bad model_crc \"{crc_text}\""))?;
            let missing = params.iter().position(Option::is_none);
            if let Some(k) = missing {
                return Err(format!("parameter {k} of {count} was never printed"));
            }
            return Ok(DeviceRun { params: params.into_iter().flatten().collect(), crc, target });
        }
    }
    Err("the output ends before \"verify: end\"".into())
}

/// Finds the firmware directory: `dir`, or `firmware/` here or in a parent.
fn firmware_dir(dir: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(d) = dir {
        return if d.is_dir() {
            Ok(d.to_path_buf())
        } else {
            Err(CliError::in_file(d, "is not a directory; expected the firmware directory"))
        };
    }
    let here = std::env::current_dir().map_err(|e| CliError::bad(format!("no current directory: {e}")))?;
    here.ancestors().map(|a| a.join("firmware")).find(|f| f.join("README.md").is_file()).ok_or_else(|| {
        CliError::bad("no firmware directory here or above; run from the repository or pass --firmware DIR")
    })
}

/// Whether `path` starts with the ELF magic (what QEMU's `-kernel` loads here).
fn is_elf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && magic == *b"\x7fELF"
}

/// Fails with exit code 2 unless `qemu` can be run.
fn check_qemu(qemu: &Path) -> Result<(), CliError> {
    match Command::new(qemu).arg("--version").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status()
    {
        Ok(_) => Ok(()),
        Err(e) => Err(CliError::bad(format!(
            "cannot run {}: {} (install it with: apt-get install -y --no-install-recommends qemu-system-arm, \
             or pass --qemu PROGRAM)",
            qemu.display(),
            crate::error::describe_io(&e)
        ))),
    }
}

/// Runs QEMU on `image` with a time limit; returns its exit code and standard output.
fn run_qemu(
    qemu: &Path,
    board: &Board,
    image: &Path,
    append: &str,
    timeout: Duration,
) -> Result<(Option<i32>, String, String), CliError> {
    let mut child = Command::new(qemu)
        .args(["-machine", board.machine, "-cpu", board.cpu, "-nographic", "-monitor", "none", "-serial", "none"])
        .args(["-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel"])
        .arg(image)
        .args(["-append", append])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            CliError::bad(format!(
                "cannot run {}: {} (install it with: apt-get install -y --no-install-recommends qemu-system-arm, \
                 or pass --qemu PROGRAM)",
                qemu.display(),
                crate::error::describe_io(&e)
            ))
        })?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(CliError::Disagree(format!("waiting for QEMU failed: {e}"))),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        None => Err(CliError::Disagree(format!(
            "{} under QEMU did not finish within {} s (--timeout)",
            board.name,
            timeout.as_secs()
        ))),
        Some(s) => Ok((s.code(), stdout, stderr)),
    }
}

#[derive(Serialize)]
struct BoardReport {
    core: &'static str,
    machine: &'static str,
    image: String,
    params: usize,
    identical: usize,
    model_crc: String,
    crc_matches: bool,
    agrees: bool,
    seconds: f64,
}

#[derive(Serialize)]
struct Report {
    host_params: usize,
    host_model_crc: String,
    host_accuracy: f32,
    boards: Vec<BoardReport>,
    agrees: bool,
}

/// Runs and compares.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let mut boards: Vec<&Board> = match args.core {
        Core::M4f => vec![&M4F],
        Core::M0 => vec![&M0],
        Core::All => vec![&M4F, &M0],
    };
    let host = match &args.recording {
        Some(file) => recording_reference(file, args.window, args.hop)?,
        None if args.anomaly => anomaly_reference()?,
        None => reference()?,
    };
    // The M0 build (16 KiB of RAM) holds no replay (firmware/qemu/src/replay.rs).
    if host.shape.is_some() {
        if args.core == Core::M0 {
            return Err(CliError::bad(
                "the Cortex-M0 build does not replay recordings (16 KiB of RAM); use --core m4f",
            ));
        }
        if boards.len() > 1 && !args.json {
            outln!(out, "cortex-m0: skipped (its 16 KiB of RAM hold no replay)");
        }
        boards.retain(|b| b.name != M0.name);
    }
    let result = compare(args, &boards, &host, out);
    if let Some(stream) = &host.stream {
        let _ = std::fs::remove_file(stream);
    }
    result
}

fn compare(args: &Args, boards: &[&Board], host: &Reference, out: &mut dyn Write) -> Result<(), CliError> {
    if args.image.is_some() && boards.len() > 1 {
        return Err(CliError::bad("--image needs --core m4f or --core m0 (one image is one core)"));
    }
    let images: Vec<PathBuf> = match &args.image {
        Some(image) => vec![image.clone()],
        None => {
            let dir = firmware_dir(args.firmware.as_deref())?;
            boards.iter().map(|b| dir.join("target").join(b.triple).join("release").join("qemu")).collect()
        }
    };
    for (board, image) in boards.iter().zip(&images) {
        if !image.is_file() {
            let build = if board.triple == M0.triple {
                "cd firmware && cargo build --release --target thumbv6m-none-eabi --bin qemu"
            } else {
                "cd firmware && cargo build --release --bin qemu"
            };
            return Err(CliError::in_file(
                image,
                format!("no {} firmware image here; build it with: {build}", board.name),
            ));
        }
        if !is_elf(image) {
            return Err(CliError::in_file(
                image,
                format!("is not an ELF executable; expected the {} firmware image that cargo builds", board.name),
            ));
        }
    }
    check_qemu(&args.qemu)?;
    if !args.json {
        match &args.recording {
            Some(file) => outln!(
                out,
                "host: nn replay {} ({} parameters and scaling values), fingerprint 0x{:08x}, held-out accuracy {}",
                file.display(),
                host.params.len(),
                host.crc,
                sig32(host.accuracy)
            ),
            None if args.anomaly => outln!(
                out,
                "host: nn_learn::sim::watch::Watch::DEFAULT, {} parameters and scaling values, fingerprint 0x{:08x}, \
                 anomalous windows detected {}",
                host.params.len(),
                host.crc,
                sig32(host.accuracy)
            ),
            None => outln!(
                out,
                "host: nn_learn::sim::demo::Demo::DEFAULT (seed {}), {} parameters, model_crc 0x{:08x}, held-out accuracy {}",
                Demo::DEFAULT.data_seed,
                host.params.len(),
                host.crc,
                sig32(host.accuracy)
            ),
        }
    }
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for (board, image) in boards.iter().zip(&images) {
        let started = Instant::now();
        let (code, stdout, stderr) =
            run_qemu(&args.qemu, board, image, &host.append, Duration::from_secs(args.timeout))?;
        let seconds = started.elapsed().as_secs_f64();
        let device = match parse(&stdout) {
            Ok(d) => d,
            Err(why) => {
                let last = stderr.lines().chain(stdout.lines()).rev().find(|l| !l.trim().is_empty()).unwrap_or("");
                return Err(CliError::Disagree(format!(
                    "{} ({}): the firmware's output breaks the --verify protocol: {why} (exit status {}; last line: {last})",
                    board.name,
                    image.display(),
                    code.map_or("none".into(), |c| c.to_string())
                )));
            }
        };
        let host_bits: Vec<u32> = host.params.iter().map(|p| p.to_bits()).collect();
        let differences: Vec<usize> = (0..host_bits.len().max(device.params.len()))
            .filter(|&k| host_bits.get(k) != device.params.get(k))
            .collect();
        let identical = host_bits.len().min(device.params.len())
            - differences.iter().filter(|&&k| k < host_bits.len().min(device.params.len())).count();
        let crc_matches = device.crc == host.crc;
        let agrees = differences.is_empty() && crc_matches && code == Some(0);
        if !args.json {
            let mark = if agrees { "✓" } else { "✗" };
            outln!(
                out,
                "{mark} {} ({}, {}): {identical} of {} parameters bit-identical, model_crc 0x{:08x}{}, exit status {}, {}",
                board.name,
                board.machine,
                device.target,
                host_bits.len(),
                device.crc,
                if crc_matches { "" } else { " (host differs)" },
                code.map_or("none".into(), |c| c.to_string()),
                output::seconds(Duration::from_secs_f64(seconds))
            );
            if device.params.len() != host_bits.len() {
                outln!(
                    out,
                    "    the device printed {} parameters, the host has {}",
                    device.params.len(),
                    host_bits.len()
                );
            }
            for &k in differences.iter().take(MAX_LISTED) {
                let show =
                    |b: Option<&u32>| b.map_or("missing".to_string(), |b| format!("{b:08x} ({})", f32::from_bits(*b)));
                outln!(out, "    param {k}: host {}, device {}", show(host_bits.get(k)), show(device.params.get(k)));
            }
            if differences.len() > MAX_LISTED {
                outln!(out, "    … and {} more", differences.len() - MAX_LISTED);
            }
        }
        if !agrees {
            failures.push(format!(
                "{}: {} parameters differ{}{}",
                board.name,
                differences.len(),
                if crc_matches { "" } else { ", model_crc differs" },
                if code == Some(0) {
                    String::new()
                } else {
                    format!(", exit status {}", code.map_or("none".into(), |c| c.to_string()))
                }
            ));
        }
        reports.push(BoardReport {
            core: board.name,
            machine: board.machine,
            image: image.display().to_string(),
            params: device.params.len(),
            identical,
            model_crc: format!("0x{:08x}", device.crc),
            crc_matches,
            agrees,
            seconds,
        });
    }
    if args.json {
        let report = Report {
            host_params: host.params.len(),
            host_model_crc: format!("0x{:08x}", host.crc),
            host_accuracy: host.accuracy,
            agrees: failures.is_empty(),
            boards: reports,
        };
        let text = serde_json::to_string(&report).map_err(|e| CliError::bad(e.to_string()))?;
        outln!(out, "{text}");
    } else if failures.is_empty() {
        outln!(out, "✓ the device computes the host's parameters bit for bit");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::Disagree(format!("the device and the host differ: {}", failures.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_protocol_block() {
        let text =
            "nn-fw: hello\nverify: begin params=2 seed=2026 target=t\nparam 1 3f800000\nnoise\nparam 0 00000000\n\
                    verify: end model_crc=0x6a077f18\nsummary: x\n";
        let run = parse(text).unwrap();
        assert_eq!(run.params, vec![0, 0x3f80_0000]);
        assert_eq!(run.crc, 0x6a07_7f18);
        assert_eq!(run.target, "t");
    }

    #[test]
    fn protocol_errors_are_named() {
        assert!(parse("nothing").unwrap_err().contains("no \"verify: begin\""));
        let e = parse("verify: begin params=2\nparam 0 00000000\nverify: end model_crc=0x1\n").unwrap_err();
        assert!(e.contains("parameter 1 of 2 was never printed"), "{e}");
        let e = parse("verify: begin params=1\nparam 0 0000\n").unwrap_err();
        assert!(e.contains("8 hex digits"), "{e}");
        let e = parse("verify: begin params=1\nparam 3 00000000\n").unwrap_err();
        assert!(e.contains("bad parameter index"), "{e}");
        assert!(parse("verify: begin params=1\nparam 0 00000000\n").unwrap_err().contains("ends before"));
    }
}
