//! Anomaly detection on a real recording nobody in this project made: UCI's Daphnet
//! freezing-of-gait stretch (subject 6 run 2: three 3-axis accelerometers in mg at 64 Hz,
//! 110 s of walking with no freezing; data/recordings/daphnet_s06r02e0.csv). The detector
//! learns normal gait from the first windows and scores the rest, which are all normal:
//! every window above the threshold is a false alarm. The figures are in docs/learning.md
//! (`cargo test --release -p nn-tests --test anomaly_real -- --nocapture`).

use nn_core::activation::{Identity, Tanh};
use nn_core::Dense;
use nn_learn::anomaly::{AutoencoderRecipe, Detector, NormalWindows, ThresholdRule};
use nn_learn::features::{features, FeatureSet};
use nn_learn::sensor::{Scale, Unit};

const AXES: usize = 9;
/// One second of samples; windows start every half second.
const WINDOW: usize = 64;
const HOP: usize = 32;
const SET: FeatureSet = FeatureSet::MEAN.with(FeatureSet::STD).with(FeatureSet::MEAN_ABS_DIFF);
const F: usize = SET.len(AXES);
type Ae = (Dense<F, 8, Tanh>, Dense<8, F, Identity>);
/// Windows learned as normal: the first 40 s of walking.
const NORMAL: usize = 80;

fn samples() -> Vec<[i32; AXES]> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/recordings/daphnet_s06r02e0.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("session"))
        .map(|l| {
            let cells: Vec<i32> = l.split(',').skip(2).map(|c| c.trim().parse().unwrap()).collect();
            cells.try_into().unwrap()
        })
        .collect()
}

#[test]
fn normal_gait_is_learned_and_rarely_flagged() {
    let samples = samples();
    assert_eq!(samples.len(), 7040, "110 s at 64 Hz");
    let scale = Scale { counts_per_unit: 1000.0, unit: Unit::G };
    let windows: Vec<[f32; F]> =
        samples.windows(WINDOW).step_by(HOP).map(|w| features::<AXES, F>(w, scale, SET).unwrap()).collect();
    let mut normal: NormalWindows<F, NORMAL> = NormalWindows::new();
    windows.iter().take(NORMAL).for_each(|w| normal.push(*w));
    let mut work = vec![0.0f32; Detector::<Ae, F>::WORK];
    let mut scratch = [0.0f32; Detector::<Ae, F>::SCRATCH];
    let mut det = Detector::<Ae, F>::fit(
        &mut normal,
        &AutoencoderRecipe::DEFAULT,
        ThresholdRule::DEFAULT,
        &mut work,
        &mut scratch,
    )
    .unwrap();
    let cal = *det.calibration();
    let rest = &windows[NORMAL..];
    let (mut flagged, mut alarms) = (0usize, 0usize);
    for w in rest {
        let was_on = det.alarm().is_on();
        let v = det.observe(w, &mut scratch).unwrap();
        flagged += usize::from(v.anomalous);
        alarms += usize::from(v.alarm && !was_on);
        if !v.anomalous {
            det.adapt(w, &mut scratch).unwrap();
        }
    }
    let hours = (rest.len() * HOP) as f64 / 64.0 / 3600.0;
    println!(
        "daphnet: {} windows learned ({} trained, {} held out), threshold {:.4} (mean {:.4}, sd {:.4}); \
         {} later normal windows: {} above the threshold ({:.1} %), {} alarms raised ({:.0} per hour of walking)",
        NORMAL,
        cal.trained,
        cal.held_out,
        cal.threshold,
        cal.mean,
        cal.sd,
        rest.len(),
        flagged,
        100.0 * flagged as f64 / rest.len() as f64,
        alarms,
        alarms as f64 / hours
    );
    assert!(cal.threshold.is_finite() && cal.threshold > 0.0);
    assert!(rest.len() > 100);
    // Walking that the detector never saw must mostly pass as normal.
    assert!(flagged * 4 <= rest.len(), "{flagged} of {} normal windows flagged", rest.len());
}
