//! The other subcommands end to end: eval, predict, hessian, export (Rust, C, binary),
//! demo, the gradcheck disagreement exit code, help, and the bench and verify-device
//! subcommands.

mod cli_support;

use cli_support::{arg, dir, json_of, nn, read_model, stderr_of, write};
use nn_tests::{assert_all_close, assert_close, Cost};
use predicates::str::contains;

const MAZUR_JSON: &str = include_str!("cli_fixtures/mazur.json");
const MAZUR_CSV: &str = "i1,i2,t1,t2\n0.05,0.10,0.01,0.99\n";
const XOR_JSON: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "tanh", "weights": [[1.5, -1.2], [-1.1, 1.3], [0.7, 0.8]], "biases": [0.1, -0.2, 0.05]},
  {"activation": "sigmoid", "weights": [[1.1, 0.9, -0.8]], "biases": [-0.3]}]}"#;
const XOR_CSV: &str = "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n";

mod exported {
    include!("cli_fixtures/mazur_export.rs");
}

#[test]
fn eval_reports_loss_and_accuracy() {
    let d = dir();
    let m = write(d.path(), "m.json", XOR_JSON);
    let c = write(d.path(), "d.csv", XOR_CSV);
    let net = read_model(&m);
    let data: Vec<_> = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]
        .iter()
        .map(|(x, t)| (x.to_vec(), vec![*t]))
        .collect();
    let out = nn().args(["eval", "--json", "--loss", "bce", "--model", &arg(&m), "--data", &arg(&c)]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v = json_of(&out);
    assert_close("eval loss", v["loss"].as_f64().unwrap(), net.mean_loss(&data, Cost::Bce), 1e-6, 0.0);
    assert_eq!(v["samples"], 4);
    let correct = data.iter().filter(|(x, t)| (net.forward(x)[0] >= 0.5) == (t[0] >= 0.5)).count();
    assert_eq!(v["correct"], correct);
    assert_close("accuracy", v["accuracy"].as_f64().unwrap(), correct as f64 / 4.0, 0.0, 1e-12);
    nn().args(["eval", "--loss", "mse", "--model", &arg(&m), "--data", &arg(&c)])
        .assert()
        .success()
        .stdout(contains("loss (mse, mean over 4 samples): "))
        .stdout(contains("accuracy: "));
    // A regression model gets no accuracy.
    let mm = write(d.path(), "mazur.json", MAZUR_JSON);
    let mc = write(d.path(), "mazur.csv", MAZUR_CSV);
    let out = nn()
        .args(["eval", "--json", "--loss", "half_sse", "--model", &arg(&mm), "--data", &arg(&mc)])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_close("mazur E", v["loss"].as_f64().unwrap(), 0.298371109, 1e-6, 0.0);
    // Two sigmoid outputs are a one-hot classifier: the class is the larger output. Both of
    // Mazur's samples' targets (0.01, 0.99) are class 1; the outputs (0.7514, 0.7729) say 1.
    assert_eq!((v["correct"].as_u64(), v["accuracy"].as_f64()), (Some(1), Some(1.0)));
    assert_eq!(v["confusion_matrix"], serde_json::json!([[0, 0], [0, 1]]));
    // A regression model (an identity output) gets no accuracy.
    let linear = write(
        d.path(),
        "linear.json",
        MAZUR_JSON.replace("sigmoid\", \"weights\": [[0.4", "identity\", \"weights\": [[0.4"),
    );
    let out = nn()
        .args(["eval", "--json", "--loss", "half_sse", "--model", &arg(&linear), "--data", &arg(&mc)])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert!(v["loss"].as_f64().is_some(), "{}", stderr_of(&out));
    assert!(v["accuracy"].is_null() && v["confusion_matrix"].is_null());
}

#[test]
fn predict_prints_the_outputs_as_csv() {
    let d = dir();
    let m = write(d.path(), "m.json", XOR_JSON);
    let net = read_model(&m);
    for (name, text) in [("with-targets.csv", XOR_CSV), ("inputs.csv", "x1,x2\n0,0\n0,1\n1,0\n1,1\n")] {
        let c = write(d.path(), name, text);
        let out = nn().args(["predict", "--model", &arg(&m), "--data", &arg(&c)]).output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        // A single sigmoid output is a classifier: the class (output ≥ 0.5) and its probability follow.
        assert_eq!(lines.next(), Some("output1,class,probability"));
        let rows: Vec<Vec<f64>> = lines.map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
        for r in &rows {
            let class = f64::from(u8::from(r[0] >= 0.5));
            let p = if class == 1.0 { r[0] as f32 } else { 1.0 - r[0] as f32 };
            assert_eq!((r[1], r[2] as f32), (class, p));
        }
        let got: Vec<f64> = rows.iter().map(|r| r[0]).collect();
        let want: Vec<f64> =
            [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]].iter().map(|x| net.forward(x)[0]).collect();
        assert_all_close(name, &got, &want, 1e-6, 0.0);
    }
    let c = write(d.path(), "bad.csv", "x1\n0\n");
    let out = nn().args(["predict", "--model", &arg(&m), "--data", &arg(&c)]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("expected 2 (the inputs) or 3 (inputs and targets)"));
}

#[test]
fn hessian_is_symmetric_and_its_taylor_check_improves_on_first_order() {
    let d = dir();
    let m = write(d.path(), "m.json", MAZUR_JSON);
    let c = write(d.path(), "d.csv", MAZUR_CSV);
    let out = nn()
        .args(["hessian", "--json", "--loss", "half_sse", "--model", &arg(&m), "--data", &arg(&c)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v = json_of(&out);
    let h: Vec<Vec<f64>> = v["hessian"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
        .collect();
    assert_eq!(h.len(), 12);
    // The f64 reference Hessian: central differences of the f64 backprop gradient.
    let net = read_model(&m);
    let (x, t) = (vec![0.05f32 as f64, 0.10f32 as f64], vec![0.01f32 as f64, 0.99f32 as f64]);
    let base = net.flat();
    for k in 0..12 {
        let mut probe = net.clone();
        let step = 1e-5;
        let mut p = base.clone();
        p[k] += step;
        probe.set_flat(&p);
        let (_, plus) = probe.gradient(&x, &t, Cost::HalfSse);
        p[k] -= 2.0 * step;
        probe.set_flat(&p);
        let (_, minus) = probe.gradient(&x, &t, Cost::HalfSse);
        for (j, (a, b)) in plus.iter().zip(&minus).enumerate() {
            assert_close(&format!("H[{j}][{k}]"), h[j][k], (a - b) / (2.0 * step), 0.0, 2e-4);
            assert_eq!(h[j][k], h[k][j], "symmetric");
        }
    }
    let (lo, hi) = (v["eigenvalues"]["min"].as_f64().unwrap(), v["eigenvalues"]["max"].as_f64().unwrap());
    assert!(lo < 0.0 && hi > 0.0, "{lo} {hi}");
    assert!(v["curvature"].as_str().unwrap().starts_with("indefinite"));
    let taylor = &v["taylor"];
    assert!(taylor["second_order_error"].as_f64().unwrap() <= taylor["first_order_error"].as_f64().unwrap());
    nn().args(["hessian", "--loss", "half_sse", "--model", &arg(&m), "--data", &arg(&c)])
        .assert()
        .success()
        .stdout(contains("eigenvalues from"))
        .stdout(contains("Taylor check"));
}

#[test]
fn gradcheck_exits_1_when_the_gradients_disagree() {
    let d = dir();
    let m = write(d.path(), "m.json", MAZUR_JSON);
    let c = write(d.path(), "d.csv", MAZUR_CSV);
    let base = ["gradcheck", "--loss", "half_sse", "--model", &arg(&m), "--data", &arg(&c)].map(String::from);
    nn().args(&base).assert().success().stdout(contains("✓ backprop agrees with central differences"));
    let out = nn().args(&base).args(["--atol", "0", "--rtol", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1);
    assert!(err.starts_with("error: backprop and central differences disagree: |diff| at "), "{err}");
    // A huge forward step: truncation error beyond the default tolerance.
    let out = nn().args(&base).args(["--method", "forward", "--eps", "2", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["agrees"], false);
}

#[test]
fn export_rust_is_the_compile_time_network_with_the_same_bits() {
    let d = dir();
    write(d.path(), "mazur.json", MAZUR_JSON);
    nn().current_dir(d.path())
        .args(["export", "--model", "mazur.json", "--format", "rust", "--name", "mazur", "--out", "mazur_export.rs"])
        .assert()
        .success();
    let generated = std::fs::read_to_string(d.path().join("mazur_export.rs")).unwrap();
    assert_eq!(generated, include_str!("cli_fixtures/mazur_export.rs"), "regenerate the fixture with nn export");
    // The included fixture compiled as nn-core's compile-time network; its parameters are
    // the model file's, bit for bit, and its forward pass is nn predict's.
    use nn_core::{forward, Model, Network};
    let net = exported::MAZUR;
    let mut params = [0.0f32; exported::Mazur::PARAMS];
    net.copy_params_to(&mut params).unwrap();
    let file = read_model(&d.path().join("mazur.json")).flat();
    assert_eq!(params.iter().map(|&p| p as f64).collect::<Vec<_>>(), file);
    let mut scratch = [0.0f32; exported::Mazur::SCRATCH];
    let y = forward(&net, &[0.05, 0.10], &mut scratch).unwrap().to_vec();
    write(d.path(), "x.csv", "i1,i2\n0.05,0.10\n");
    let out =
        nn().current_dir(d.path()).args(["predict", "--model", "mazur.json", "--data", "x.csv"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let row: Vec<f32> = text.lines().nth(1).unwrap().split(',').take(2).map(|v| v.parse().unwrap()).collect();
    assert_eq!(row, y);
    // More than four layers has no compile-time type.
    let deep = format!(
        "{{\"format\": \"nn-model\", \"version\": 1, \"layers\": [{}]}}",
        [r#"{"activation": "tanh", "weights": [[1]], "biases": [0]}"#; 5].join(", ")
    );
    write(d.path(), "deep.json", deep);
    let out = nn()
        .current_dir(d.path())
        .args(["export", "--model", "deep.json", "--format", "rust", "--out", "d.rs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("deep.json: has 5 layers; nn-core's compile-time networks have at most 4"));
    assert!(!d.path().join("d.rs").exists());
    let out = nn()
        .current_dir(d.path())
        .args(["export", "--model", "mazur.json", "--format", "rust", "--name", "Bad-Name", "--out", "d.rs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn export_c_compiles_and_holds_the_same_bits() {
    let d = dir();
    let m = write(d.path(), "m.json", XOR_JSON);
    nn().current_dir(d.path())
        .args(["export", "--model", "m.json", "--format", "c", "--name", "xor", "--out", "xor.h"])
        .assert()
        .success();
    let program = r#"#include <stdio.h>
#include <string.h>
#include "xor.h"
static void show(const float *v, unsigned n) {
    for (unsigned i = 0; i < n; i++) { uint32_t b; memcpy(&b, &v[i], 4); printf("%08x\n", (unsigned)b); }
}
int main(void) {
    show(&xor_layer0_weights[0][0], 6); show(xor_layer0_biases, 3);
    show(&xor_layer1_weights[0][0], 3); show(xor_layer1_biases, 1);
    printf("%u %u %u %u\n", (unsigned)XOR_PARAMS, (unsigned)xor_widths[1], (unsigned)xor_activations[0], (unsigned)xor_activations[1]);
    return 0;
}
"#;
    write(d.path(), "main.c", program);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let Ok(status) = std::process::Command::new(&cc)
        .current_dir(d.path())
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "main.c", "-o", "main"])
        .status()
    else {
        eprintln!("no C compiler ({cc}); skipping the compile check");
        return;
    };
    assert!(status.success(), "the header does not compile cleanly");
    let out = std::process::Command::new(d.path().join("main")).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let bits: Vec<f64> =
        (0..13).map(|_| f32::from_bits(u32::from_str_radix(lines.next().unwrap(), 16).unwrap()) as f64).collect();
    assert_eq!(bits, read_model(&m).flat());
    assert_eq!(lines.next(), Some("13 3 2 1"));
}

#[test]
fn export_bin_round_trips_through_every_command() {
    let d = dir();
    write(d.path(), "m.json", XOR_JSON);
    write(d.path(), "d.csv", XOR_CSV);
    nn().current_dir(d.path())
        .args(["export", "--model", "m.json", "--format", "bin", "--out", "m.bin"])
        .assert()
        .success();
    let bytes = std::fs::read(d.path().join("m.bin")).unwrap();
    assert_eq!(&bytes[..4], b"NNCW");
    let crc = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap());
    assert_eq!(crc, nn_tests::crc32(&bytes[..bytes.len() - 4]));
    let eval = |model: &str| {
        let out = nn()
            .current_dir(d.path())
            .args(["eval", "--json", "--loss", "bce", "--model", model, "--data", "d.csv"])
            .output()
            .unwrap();
        json_of(&out)
    };
    assert_eq!(eval("m.json"), eval("m.bin"));
    // Training from the binary writes JSON with the same parameters as training from JSON.
    for model in ["m.json", "m.bin"] {
        nn().current_dir(d.path())
            .args([
                "train", "--model", model, "--data", "d.csv", "--loss", "bce", "--lr", "0.5", "--epochs", "3", "--out",
            ])
            .arg(format!("{model}.out.json"))
            .assert()
            .success();
    }
    assert_eq!(
        std::fs::read_to_string(d.path().join("m.json.out.json")).unwrap(),
        std::fs::read_to_string(d.path().join("m.bin.out.json")).unwrap()
    );
}

#[test]
fn train_writes_log_plot_and_summary() {
    let d = dir();
    write(d.path(), "m.json", XOR_JSON);
    write(d.path(), "d.csv", XOR_CSV);
    nn().current_dir(d.path())
        .args(["train", "--model", "m.json", "--data", "d.csv", "--loss", "bce", "--optimizer", "adam", "--lr", "0.05"])
        .args(["--epochs", "300", "--batch-size", "0", "--log", "loss.csv", "--plot", "loss.svg", "--out", "t.json"])
        .assert()
        .success()
        .stdout(contains("done: 300 epochs, 300 updates in"))
        .stdout(contains("accuracy 100% (4 of 4)"))
        .stdout(contains("wrote t.json"))
        .stdout(contains("wrote loss.svg"));
    let svg = std::fs::read_to_string(d.path().join("loss.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("training loss"));
    assert_eq!(std::fs::read_to_string(d.path().join("loss.csv")).unwrap().lines().count(), 301);
}

#[test]
fn demo_trains_and_names_its_plot() {
    let d = dir();
    let plot = d.path().join("demo.svg");
    nn().current_dir(d.path())
        .args(["demo", "--plot", &arg(&plot)])
        .assert()
        .success()
        .stdout(contains("4 of 4 right"))
        .stdout(contains("004 Mazur 2-2-2, 10,000 steps: E 3.51086e-5"))
        // The on-device learner: the gesture session's golden bits, and BasicMotions.
        .stdout(contains("model_crc 0xf103d3e0"))
        .stdout(contains("Badminton"))
        .stdout(contains("model fingerprint 0x69526052"))
        .stdout(contains(arg(&plot).as_str()));
    assert!(std::fs::read_to_string(&plot).unwrap().contains("XOR 2-4-1"));
    // Without --plot it writes nn-demo-loss.svg in the current directory (no target/ here).
    nn().current_dir(d.path()).arg("demo").assert().success();
    assert!(d.path().join("nn-demo-loss.svg").exists());
}

#[test]
fn help_and_version() {
    nn().arg("--help").assert().success().stdout(contains("Exit codes"));
    nn().arg("--version").assert().success().stdout(contains("nn "));
    for sub in [
        "init",
        "train",
        "eval",
        "predict",
        "gradcheck",
        "hessian",
        "example",
        "export",
        "demo",
        "bench",
        "verify-device",
        "replay",
        "record",
        "recording",
    ] {
        nn().args([sub, "--help"]).assert().success().stdout(contains("Usage: nn"));
    }
    let out = nn().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bench_ends_with_one_json_line_and_refuses_unknown_nets() {
    let out = nn().args(["bench", "--net", "mazur", "--seconds", "0.05", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    let json: serde_json::Value = serde_json::from_str(last).unwrap();
    assert!(json["steps_per_s"].as_f64().unwrap() > 0.0, "{last}");
    assert!(json.get("loss").or_else(|| json.get("final_loss")).and_then(|v| v.as_f64()).is_some(), "{last}");
    let out = nn().args(["bench", "--net", "resnet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verify_device_compares_the_firmware_with_the_host() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let image = repo.join("firmware/target/thumbv7em-none-eabihf/release/qemu");
    let out = nn().args(["verify-device", "--core", "m4f", "--image", "/nonexistent/image"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("/nonexistent/image: no cortex-m4f firmware image here; build it with"));
    let out = nn().args(["verify-device", "--image", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let qemu = std::process::Command::new("qemu-system-arm").arg("--version").output().is_ok();
    if !qemu || !image.is_file() {
        // CI (.ci/run) sets NN_REQUIRE_QEMU=1: there a missing QEMU or image is a failure.
        let required = std::env::var("NN_REQUIRE_QEMU").is_ok_and(|v| v == "1");
        assert!(!required, "NN_REQUIRE_QEMU=1 but qemu-system-arm or {} is missing", image.display());
        eprintln!("qemu-system-arm or the firmware image is missing; skipping the QEMU run");
        return;
    }
    let out = nn().current_dir(repo).args(["verify-device", "--core", "m4f", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v = json_of(&out);
    assert_eq!(v["agrees"], true);
    assert_eq!(v["boards"][0]["identical"], 103);
    assert_eq!(v["boards"][0]["model_crc"], v["host_model_crc"]);
}
