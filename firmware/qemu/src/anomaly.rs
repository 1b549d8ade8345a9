//! `--anomaly`: the scripted anomaly-detection session (`nn_learn::sim::watch::Watch`) on
//! the device: 64 windows of a simulated machine running normally are collected, the
//! autoencoder, its scaling and its threshold are learned on the device, then normal
//! running with bursts of four kinds of anomaly is scored with the alarm and drift
//! adaptation on. It prints the detector's parameters and scaling in the `--verify`
//! protocol (which `nn verify-device --anomaly` compares with the host's session bit for
//! bit) and a `summary:` line with the detection and false-alarm counts.

use nn_learn::anomaly::Detector;
use nn_learn::sim::vibration::Condition;
use nn_learn::sim::watch::{features, Autoencoder, Watch, FEATURES, RING, WINDOW};
use semihosting::println;

use crate::{code, Fail};

/// Runs the session; returns the exit code (2 when an anomaly kind goes undetected).
#[inline(never)]
pub fn session() -> Result<i32, Fail> {
    let watch = Watch::DEFAULT;
    let mut work = [0.0f32; Detector::<Autoencoder, FEATURES>::WORK];
    let mut scratch = [0.0f32; Detector::<Autoencoder, FEATURES>::SCRATCH];
    let t = crate::clock::instructions();
    let (report, det) = watch
        .reference::<Autoencoder, FEATURES, RING, WINDOW>(features, &mut work, &mut scratch)
        .map_err(|_| Fail::Session("--anomaly: the detector refused the session"))?;
    let insns = crate::clock::instructions().wrapping_sub(t);
    crate::print_verify(watch.data_seed, det.net(), det.scaling());
    let [f, a, s, st] = report.anomalies;
    println!(
        "summary: anomaly threshold={:.4} normal_flagged={}/{} false_alarms={} {}={}/{} {}={}/{} {}={}/{} {}={}/{} \
         bursts_alarmed={}/{} adapted={} insns={insns}",
        report.threshold,
        report.normal.flagged,
        report.normal.windows,
        report.false_alarms,
        Condition::Frequency.name(),
        f.flagged,
        f.windows,
        Condition::Amplitude.name(),
        a.flagged,
        a.windows,
        Condition::Shock.name(),
        s.flagged,
        s.windows,
        Condition::Stuck.name(),
        st.flagged,
        st.windows,
        report.anomalies.iter().map(|c| c.alarmed).sum::<u32>(),
        report.anomalies.iter().map(|c| c.bursts).sum::<u32>(),
        report.adapted
    );
    let all_alarmed = report.anomalies.iter().all(|c| c.alarmed == c.bursts);
    Ok(if all_alarmed { code::OK } else { code::LOW_ACCURACY })
}
