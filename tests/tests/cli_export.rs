//! `nn export` of models with an input scaling (and class labels): the Rust export
//! compiled here as nn-core's compile-time network behind its stage, and the binary
//! codec's version 2, both predicting what `nn predict` predicts. (The C header is
//! tests/cli_export_c.rs; the unscaled exports are in tests/cli_commands.rs.)

mod cli_support;

use cli_support::{dir, nn, stderr_of, write};

const SCALED_JSON: &str = include_str!("cli_fixtures/scaled.json");

mod exported {
    include!("cli_fixtures/scaled_export.rs");
}

/// Raw inputs around the fixture's means (5.84, 3.05, 3.76), as a CSV and as rows.
fn rows() -> Vec<[f32; 3]> {
    (0..12).map(|k| k as f32).map(|k| [4.3 + 0.3 * k, 2.0 + 0.2 * k, 1.0 + 0.5 * k]).collect()
}

fn csv(rows: &[[f32; 3]]) -> String {
    "a,b,c\n".to_string() + &rows.iter().map(|r| format!("{:?},{:?},{:?}\n", r[0], r[1], r[2])).collect::<String>()
}

/// `nn predict`'s output columns (the first `outputs` cells of each row).
fn predict(work: &std::path::Path, model: &str, outputs: usize) -> Vec<Vec<f32>> {
    let out = nn().current_dir(work).args(["predict", "--model", model, "--data", "d.csv"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(outputs).map(|c| c.parse().unwrap()).collect())
        .collect()
}

#[test]
fn export_rust_carries_the_scaling_and_the_labels() {
    let d = dir();
    write(d.path(), "scaled.json", SCALED_JSON);
    nn().current_dir(d.path())
        .args(["export", "--model", "scaled.json", "--format", "rust", "--name", "scaled", "--out", "s.rs"])
        .assert()
        .success();
    let generated = std::fs::read_to_string(d.path().join("s.rs")).unwrap();
    assert_eq!(generated, include_str!("cli_fixtures/scaled_export.rs"), "regenerate the fixture with nn export");
    // The included fixture compiled: the stage is the file's, the labels too, and the
    // scaled network's forward pass is nn predict's, bit for bit (the same engine).
    use nn_core::{forward, Network};
    let json: serde_json::Value = serde_json::from_str(SCALED_JSON).unwrap();
    let floats = |v: &serde_json::Value| v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    let mean: Vec<f32> = floats(&json["input_scaling"]["mean"]);
    let scale: Vec<f32> = floats(&json["input_scaling"]["scale"]);
    assert_eq!(exported::SCALED_MEAN.to_vec(), mean);
    assert_eq!(exported::SCALED_SCALE.to_vec(), scale);
    let labels: Vec<&str> = json["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(exported::SCALED_LABELS, labels.as_slice());
    let model = exported::scaled().unwrap();
    assert_eq!(model.scaling().mean(), &mean[..]);
    let rows = rows();
    write(d.path(), "d.csv", csv(&rows));
    let expected = predict(d.path(), "scaled.json", 3);
    let mut scratch = [0.0f32; exported::Scaled::SCRATCH];
    for (x, want) in rows.iter().zip(&expected) {
        let y = forward(&model, x, &mut scratch).unwrap();
        assert_eq!(y, want.as_slice(), "input {x:?}");
    }
    // By hand for the first row, float64: the stage is applied, not skipped.
    let x0: Vec<f64> = rows[0]
        .iter()
        .zip(&mean)
        .zip(&scale)
        .map(|((&x, &m), &s)| (f64::from(x) - f64::from(m)) / f64::from(s))
        .collect();
    let w = [[0.5, -0.25, 0.125], [-0.75, 0.3, 0.1], [0.2, 0.2, -0.6], [1.1, -0.9, 0.05]];
    let b = [0.1, -0.2, 0.0, 0.3];
    let h: Vec<f64> =
        w.iter().zip(b).map(|(r, b)| (r.iter().zip(&x0).map(|(w, x)| w * x).sum::<f64>() + b).tanh()).collect();
    let v = [[1.0, -1.0, 0.5, 0.25], [-0.5, 0.75, -0.25, 1.0], [0.3, 0.3, 0.9, -1.2]];
    let c = [0.0, 0.1, -0.1];
    let z: Vec<f64> = v.iter().zip(c).map(|(r, c)| r.iter().zip(&h).map(|(w, x)| w * x).sum::<f64>() + c).collect();
    let total: f64 = z.iter().map(|z| z.exp()).sum();
    for (k, z) in z.iter().enumerate() {
        let p = z.exp() / total;
        assert!((f64::from(expected[0][k]) - p).abs() < 1e-6, "output {k}: {} vs float64 {p}", expected[0][k]);
    }
}

#[test]
fn export_bin_of_a_standardized_model_is_version_2_and_predicts_the_same() {
    let d = dir();
    // Raw-scale inputs: the stage matters.
    let rows: Vec<[f32; 3]> =
        (0..16).map(|k| k as f32).map(|k| [100.0 + 7.0 * k, -0.02 * k, 5e3 - 300.0 * k]).collect();
    let data: String = "a,b,c,y\n".to_string()
        + &rows
            .iter()
            .enumerate()
            .map(|(k, r)| format!("{:?},{:?},{:?},{}\n", r[0], r[1], r[2], k % 2))
            .collect::<String>();
    write(d.path(), "train.csv", data);
    write(d.path(), "d.csv", csv(&rows));
    nn().current_dir(d.path())
        .args(["init", "--layers", "3,4,1", "--activations", "tanh,sigmoid", "--seed", "3", "--out", "m.json"])
        .assert()
        .success();
    nn().current_dir(d.path())
        .args(["train", "--model", "m.json", "--data", "train.csv", "--loss", "bce", "--lr", "0.1", "--epochs", "3"])
        .args(["--standardize", "--out", "scaled.json"])
        .assert()
        .success();
    nn().current_dir(d.path())
        .args(["export", "--model", "scaled.json", "--format", "bin", "--out", "scaled.bin"])
        .assert()
        .success()
        .stdout(predicates::str::contains("version 2 with the input scaling"));
    let bytes = std::fs::read(d.path().join("scaled.bin")).unwrap();
    assert_eq!(&bytes[..5], b"NNCW\x02");
    // Header 8 + 3·2 layers, 2·3 scaling values, 21 parameters, CRC.
    assert_eq!(bytes.len(), 8 + 6 + 4 * 6 + 4 * 21 + 4);
    let crc = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap());
    assert_eq!(crc, nn_tests::crc32(&bytes[..bytes.len() - 4]));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("scaled.json")).unwrap()).unwrap();
    let mean: Vec<f32> =
        json["input_scaling"]["mean"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
    let stored: Vec<f32> = bytes[14..26].chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    assert_eq!(stored, mean);
    let from_json = predict(d.path(), "scaled.json", 1);
    assert_eq!(predict(d.path(), "scaled.bin", 1), from_json);
    // The stage is what makes these: without it the raw inputs saturate the tanh layer.
    nn().current_dir(d.path())
        .args(["export", "--model", "m.json", "--format", "bin", "--out", "plain.bin"])
        .assert()
        .success();
    assert_eq!(std::fs::read(d.path().join("plain.bin")).unwrap()[4], 1, "an unscaled model stays version 1");
    // The binary goes through every other export too: the C and Rust exports of the
    // binary carry the same stage as those of the JSON.
    for format in ["c", "rust"] {
        for model in ["scaled.json", "scaled.bin"] {
            nn().current_dir(d.path())
                .args(["export", "--model", model, "--format", format, "--out"])
                .arg(format!("{model}.{format}"))
                .assert()
                .success();
        }
        // The same text but for the source's name.
        let text = |m: &str| std::fs::read_to_string(d.path().join(format!("{m}.{format}"))).unwrap().replace(m, "M");
        assert_eq!(text("scaled.json"), text("scaled.bin"), "{format}");
    }
}
