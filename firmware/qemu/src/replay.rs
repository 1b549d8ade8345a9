//! `--replay=FILE`: a recording replayed on the device. The host writes the recording and
//! its configuration as a replay stream (`nn replay --device-stream FILE`, format in
//! `nn_learn::stream`); the firmware reads it through semihosting, record by record, and
//! runs `nn_learn::replay::replay` on it: windows, features, split, learned scaling,
//! training, held-out report. It prints the learned parameters (then the scaling's means
//! and scales) in the `--verify` protocol, which `nn verify-device --recording` compares
//! with the host's replay bit for bit.
//!
//! A device's shapes are fixed when it is compiled: the Cortex-M4F build replays
//! recordings of 3 axes and 3 classes (the gesture recordings of `--record`) and of 6 axes
//! and 4 classes (BasicMotions), each in the library's general configuration,
//! `FeatureSet::GENERAL` and `GeneralNet<F, C>` trained with Adam. The Cortex-M0 build
//! (16 KiB of RAM) replays none: Adam's state for the smallest of them (3 × 387 floats)
//! with the example buffers and the best-model copy overflows its stack (measured: the
//! 3 × 3 replay with 12 examples per part needs about 1.8 KiB more than there is). The M0
//! runs the learner's gesture configuration instead (`Demo`, momentum, 6-10-3).

// The M0 build replays nothing: its configurations are compiled out, not its reader.
#![cfg_attr(not(target_abi = "eabihf"), allow(dead_code))]

use core::ffi::CStr;

use nn_core::{Network, Scaled};
use nn_learn::classifier::Examples;
use nn_learn::features::{FeatureSet, Quality};
use nn_learn::replay::{self, GeneralNet, Record, ReplayConfig};
use nn_learn::sensor::{Scale, Unit};
use nn_learn::stream::{self, Header, StreamError, HEADER};
use semihosting::fs::File;
use semihosting::io::Read;
use semihosting::println;

use crate::{Fail, TARGET};

/// Longest window, samples.
const LEN: usize = 64;
/// Windows per part the buffers hold (on the stack).
const N: usize = 256;
/// Floats of scratch: the scaled input (F ≤ 35) and a pass of F → 16 → C, 2·(16 + C) + C.
const SCRATCH: usize = 128;
/// Floats of trainer work space: for the largest network this build replays (Adam).
const WORK: usize = if cfg!(target_abi = "eabihf") {
    nn_core::train::work_len(
        <GeneralNet<{ FeatureSet::GENERAL.len(6) }, 4> as Network>::PARAMS,
        nn_core::Optimizer::ADAM,
    )
} else {
    nn_core::train::work_len(
        <GeneralNet<{ FeatureSet::GENERAL.len(3) }, 3> as Network>::PARAMS,
        nn_core::Optimizer::ADAM,
    )
};

/// Records read from the stream file through a small buffer.
struct Records<'f, const AXES: usize> {
    file: &'f File,
    buf: [u8; 512],
    filled: usize,
    at: usize,
    left: u32,
    failed: Option<StreamError>,
}

impl<const AXES: usize> Iterator for Records<'_, AXES> {
    type Item = Record<AXES>;
    fn next(&mut self) -> Option<Record<AXES>> {
        if self.left == 0 || self.failed.is_some() {
            return None;
        }
        let len = stream::record_len(AXES);
        if self.filled - self.at < len {
            self.buf.copy_within(self.at..self.filled, 0);
            self.filled -= self.at;
            self.at = 0;
            while self.filled < len {
                let free = self.buf.get_mut(self.filled..).unwrap_or_default();
                match (&*self.file).read(free) {
                    Ok(0) | Err(_) => {
                        self.failed = Some(StreamError::Truncated);
                        return None;
                    }
                    Ok(n) => self.filled += n,
                }
            }
        }
        let record = stream::decode_record::<AXES>(self.buf.get(self.at..self.filled).unwrap_or_default());
        match record {
            Ok(r) => {
                self.at += len;
                self.left -= 1;
                Some(r)
            }
            Err(e) => {
                self.failed = Some(e);
                None
            }
        }
    }
}

/// Replays the stream at `path`; returns the exit code.
#[inline(never)]
pub fn session(path: &CStr) -> Result<i32, Fail> {
    let file = File::open(path).map_err(|_| Fail::Args("--replay: cannot open the stream file"))?;
    let mut head = [0u8; HEADER];
    (&file).read_exact(&mut head).map_err(|_| Fail::Args("--replay: the stream file is shorter than its header"))?;
    let header = Header::decode(&head).map_err(|_| Fail::Args("--replay: not a replay stream (NNRS version 1)"))?;
    match (header.axes, header.classes) {
        #[cfg(target_abi = "eabihf")]
        (3, 3) => run::<3, { FeatureSet::GENERAL.len(3) }, 3>(&file, &header),
        #[cfg(target_abi = "eabihf")]
        (6, 4) => run::<6, { FeatureSet::GENERAL.len(6) }, 4>(&file, &header),
        (axes, classes) => {
            println!("replay: this build does not replay {axes} axes and {classes} classes (see firmware/README.md)");
            Err(Fail::Args("--replay: a recording of another shape"))
        }
    }
}

#[inline(never)]
fn run<const AXES: usize, const F: usize, const CLASSES: usize>(file: &File, header: &Header) -> Result<i32, Fail> {
    type Net<const F: usize, const C: usize> = GeneralNet<F, C>;
    let config = ReplayConfig {
        quality: Quality::NONE,
        split: header.split,
        ..ReplayConfig::general(
            Scale { counts_per_unit: header.counts_per_unit, unit: Unit::Other },
            usize::from(header.window),
            usize::from(header.hop),
        )
    };
    println!(
        "replay: target={TARGET} axes={AXES} classes={CLASSES} records={} window={} hop={} features={F} params={}",
        header.records,
        header.window,
        header.hop,
        <Net<F, CLASSES> as Network>::PARAMS
    );
    let mut records = Records::<AXES> { file, buf: [0; 512], filled: 0, at: 0, left: header.records, failed: None };
    let mut train = Examples::<F, CLASSES, N>::new();
    let mut test = Examples::<F, CLASSES, N>::new();
    let mut work = [0.0f32; WORK];
    let work_needed = nn_core::train::work_len(<Net<F, CLASSES> as Network>::PARAMS, config.recipe.config.optimizer);
    let work = work.get_mut(..work_needed).ok_or(Fail::Session("--replay: the network's work space does not fit"))?;
    let mut scratch = [0.0f32; SCRATCH];
    let scratch_needed = Scaled::<Net<F, CLASSES>, [f32; F]>::SCRATCH;
    let scratch =
        scratch.get_mut(..scratch_needed).ok_or(Fail::Session("--replay: the network's scratch does not fit"))?;
    let t = crate::clock::instructions();
    let outcome = replay::replay::<Net<F, CLASSES>, AXES, LEN, F, CLASSES, N>(
        records.by_ref(),
        &config,
        &mut train,
        &mut test,
        work,
        scratch,
    );
    let insns = crate::clock::instructions().wrapping_sub(t);
    if records.failed.is_some() || records.left != 0 {
        return Err(Fail::Args("--replay: the stream file ends before its last record"));
    }
    let (model, report) = match outcome {
        Ok(done) => done,
        Err(e) => {
            println!("replay: the learner refused the recording: {e}");
            return Ok(crate::code::ERROR);
        }
    };
    crate::print_verify(0, model.model(), model.scaling());
    println!(
        "summary: replay accuracy={:.4} windows={} train={} test={} epochs={} best_epoch={} replay_insns={insns}",
        report.accuracy(),
        report.windows,
        report.train_windows.iter().sum::<u32>(),
        report.test_windows.iter().sum::<u32>(),
        report.train.epochs,
        report.train.best_epoch
    );
    Ok(crate::code::OK)
}
