//! `nn replay` end to end: the on-device learner on a real recording (BasicMotions, the CI
//! subset in data/recordings), its report, the features file, a separate test recording,
//! and every refusal (exit 2, one line naming the file, nothing written).

mod cli_support;

use std::path::{Path, PathBuf};

use cli_support::{dir, json_of, nn, stderr_of, write};

fn recording(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/recordings").join(name)
}

/// A synthetic recording: `axes` axes in mg, two classes of 40 samples in each of two sessions.
fn synthetic(axes: usize, units: &str) -> String {
    let header: Vec<String> = (0..axes).map(|i| format!("a{i}[{}]", units.split(',').nth(i).unwrap_or("mg"))).collect();
    let mut text = format!("# nn-recording v1 rate_hz=10 labels=low,high\nsession,label,{}\n", header.join(","));
    for session in 0..2 {
        for (label, amp) in [("low", 50), ("high", 900)] {
            for t in 0..40 {
                let v: Vec<String> =
                    (0..axes).map(|i| (((t * 7 + i * 3) % 11) as i32 * amp / 10).to_string()).collect();
                text.push_str(&format!("{session},{label},{}\n", v.join(",")));
            }
        }
    }
    text
}

#[test]
fn basicmotions_is_learned_and_reported() {
    let out = nn().args(["replay", "--json"]).arg(recording("basicmotions_ci.csv")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v = json_of(&out);
    assert_eq!(v["axes"], 6);
    assert_eq!(v["features"], 35); // 5 kinds × (6 axes + the magnitude)
    assert_eq!(v["window"], 20); // two seconds at 10 Hz
    assert_eq!(v["hop"], 10);
    let sum = |key: &str| v[key].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>();
    let (train, test) = (sum("train_windows"), sum("test_windows"));
    assert_eq!(train + test + v["rejected"].as_u64().unwrap(), v["windows"].as_u64().unwrap());
    let confusion: u64 = v["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(confusion, test, "every held-out window is in the confusion matrix");
    let diagonal: u64 = (0..4).map(|i| v["confusion"][i][i].as_u64().unwrap()).sum();
    let accuracy = v["accuracy"].as_f64().unwrap();
    assert!((accuracy - diagonal as f64 / test as f64).abs() < 1e-6, "{accuracy} vs {diagonal}/{test}");
    assert!(accuracy >= 0.9, "held-out accuracy {accuracy} on BasicMotions");
    // The same run twice: the same bits.
    let again = json_of(&nn().args(["replay", "--json"]).arg(recording("basicmotions_ci.csv")).output().unwrap());
    assert_eq!(again["fingerprint"], v["fingerprint"]);
    // The text report shows the matrix with the class names.
    let text = nn().arg("replay").arg(recording("basicmotions_ci.csv")).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("held-out accuracy") && text.contains("Badminton") && text.contains("recall"), "{text}");
}

#[test]
fn a_separate_test_recording_is_held_out_whole() {
    let d = dir();
    let train = write(d.path(), "train.csv", synthetic(3, "mg"));
    let test = write(d.path(), "test.csv", synthetic(3, "mg"));
    let out = nn().args(["replay", "--json", "--window", "10"]).arg(&train).arg("--test").arg(&test).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v = json_of(&out);
    // Each file: 2 sessions × 2 labels × 40 samples → windows of 10 every 5: 7 per stretch.
    assert_eq!(v["train_windows"], serde_json::json!([14, 14]));
    assert_eq!(v["test_windows"], serde_json::json!([14, 14]));
    assert_eq!(v["accuracy"], 1.0);
}

#[test]
fn the_features_file_holds_every_window() {
    let d = dir();
    let out_path = d.path().join("features.csv");
    let out = nn()
        .args(["replay", "--json"])
        .arg(recording("basicmotions_ci.csv"))
        .arg("--features-out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v = json_of(&out);
    let text = std::fs::read_to_string(&out_path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 2 + 35);
    assert_eq!(&header[..3], ["split", "label", "f0"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let kept = v["windows"].as_u64().unwrap() - v["rejected"].as_u64().unwrap();
    assert_eq!(rows.len() as u64, kept);
    assert!(rows.iter().all(|r| r.len() == 37 && (r[0] == "train" || r[0] == "test")));
    assert!(rows.iter().flat_map(|r| &r[2..]).all(|x| x.parse::<f32>().is_ok_and(f32::is_finite)));
    let tests = rows.iter().filter(|r| r[0] == "test").count() as u64;
    assert_eq!(tests, v["test_windows"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>());
}

#[test]
fn bad_replays_are_refused_in_one_line() {
    let d = dir();
    let good = write(d.path(), "good.csv", synthetic(3, "mg"));
    let four = write(d.path(), "four.csv", synthetic(4, "mg"));
    let mixed = write(d.path(), "mixed.csv", synthetic(3, "mg,mg,0.5*deg/s"));
    let one_class = write(d.path(), "one.csv", "# nn-recording v1 rate_hz=10\nsession,label,x[mg]\n0,a,1\n0,a,2\n");
    let other_axes = write(d.path(), "other.csv", synthetic(2, "mg"));
    let unknown_label = write(
        d.path(),
        "unknown.csv",
        "# nn-recording v1 rate_hz=10\nsession,label,a0[mg],a1[mg],a2[mg]\n0,low,1,2,3\n0,middle,1,2,3\n",
    );
    let p = |f: &PathBuf| f.display().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![p(&four)], "4 axes"),
        (vec![p(&mixed)], "one scale"),
        (vec![p(&one_class)], "1 classes"),
        (vec![p(&good), "--window".into(), "1".into()], "--window 1"),
        (vec![p(&good), "--window".into(), "300".into()], "--window 300"),
        (vec![p(&good), "--window".into(), "8".into(), "--hop".into(), "0".into()], "--hop 0"),
        (vec![p(&good), "--window".into(), "8".into(), "--hop".into(), "9".into()], "--hop 9"),
        (vec![p(&good), "--hold-out-every".into(), "1".into()], "--hold-out-every 1"),
        (vec![p(&good), "--test-session".into(), "7".into()], "no session 7"),
        (vec![p(&good), "--test".into(), p(&other_axes)], "the same"),
        (vec![p(&good), "--test".into(), p(&unknown_label)], "unknown.csv:4:3"),
        (vec![p(&good), "--features-out".into(), p(&good)], "features-out"),
        (vec![p(&d.path().join("missing.csv"))], "missing.csv"),
    ];
    for (args, expect) in cases {
        let before = std::fs::read_to_string(&good).unwrap();
        let out = nn().arg("replay").args(&args).output().unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: expected {expect:?} in {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(std::fs::read_to_string(&good).unwrap(), before, "{args:?} changed the recording");
    }
}
