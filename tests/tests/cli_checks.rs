//! `nn gradcheck` and `nn hessian` on a trained relu network, where difference steps
//! cross kinks and the Hessian's smallest eigenvalues sit within its own error.

mod cli_support;

use cli_support::{arg, dir, json_of, nn, stderr_of, write};

/// A seeded two-spiral set of `n` samples: two interleaved arms, class 0 and 1, with a
/// little noise from a fixed linear congruential generator.
fn two_spirals(n: usize) -> String {
    let mut state = 12345u64;
    let mut noise = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 40) as f64 / (1u64 << 24) as f64 - 0.5) * 0.1
    };
    let mut csv = String::from("x,y,class\n");
    for i in 0..n {
        let class = i % 2;
        let t = (i / 2) as f64 / (n / 2) as f64 * 3.0 * std::f64::consts::PI;
        let r = 0.2 + t / (3.0 * std::f64::consts::PI);
        let sign = if class == 0 { 1.0 } else { -1.0 };
        let (x, y) = (sign * r * t.cos() + noise(), sign * r * t.sin() + noise());
        csv.push_str(&format!("{x:.6},{y:.6},{class}\n"));
    }
    csv
}

#[test]
fn gradcheck_passes_a_trained_relu_network_and_lists_the_kinks_it_crosses() {
    let d = dir();
    let data = write(d.path(), "spirals.csv", two_spirals(1000));
    let model = d.path().join("m.json");
    let trained = d.path().join("trained.json");
    nn().args(["init", "--layers", "2,12,8,2", "--activations", "relu,relu,softmax", "--init", "he", "--seed", "3"])
        .args(["--out", &arg(&model)])
        .assert()
        .success();
    nn().args(["train", "--loss", "softmax_ce", "--optimizer", "adam", "--lr", "0.01", "--epochs", "30"])
        .args(["--batch-size", "32", "--seed", "1"])
        .args(["--model", &arg(&model), "--data", &arg(&data), "--out", &arg(&trained)])
        .assert()
        .success();
    let check = |extra: &[&str]| {
        nn().args(["gradcheck", "--loss", "softmax_ce", "--model", &arg(&trained), "--data", &arg(&data)])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = check(&["--json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v = json_of(&out);
    assert_eq!(v["agrees"], true);
    let ratio = v["max_tolerance_ratio"].as_f64().unwrap();
    assert!(ratio <= 1.0, "{ratio}");
    let kinks = v["kink_crossed"].as_array().unwrap();
    // With 1,000 samples and 20 relu units, some pre-activation lies within ε·|x| of 0
    // for some weight's step: the check must see such crossings, not call them errors.
    assert!(!kinks.is_empty(), "no kink crossings reported");
    assert!(kinks.iter().all(|k| k.as_str().unwrap().starts_with("layers[")));
    // The printed figures are the verdict's: the text says the same ratio and lists the kinks.
    let out = check(&[]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("{} of 158 parameters left out", kinks.len())), "{text}");
    assert!(text.contains("(at most 1 agrees)") && text.contains("✓ backprop agrees"), "{text}");
    assert!(text.contains("largest |diff| / tolerance "), "{text}");
    println!("{text}");
}

#[test]
fn hessian_does_not_call_an_eigenvalue_within_its_error_negative() {
    let d = dir();
    let data = write(d.path(), "spirals.csv", two_spirals(200));
    let model = d.path().join("m.json");
    let trained = d.path().join("trained.json");
    nn().args(["init", "--layers", "2,6,2", "--activations", "relu,softmax", "--init", "he", "--seed", "5"])
        .args(["--out", &arg(&model)])
        .assert()
        .success();
    nn().args(["train", "--loss", "softmax_ce", "--optimizer", "adam", "--lr", "0.02", "--epochs", "40"])
        .args(["--batch-size", "0", "--model", &arg(&model), "--data", &arg(&data), "--out", &arg(&trained)])
        .assert()
        .success();
    let hessian = |eps: &str| {
        let out = nn()
            .args(["hessian", "--json", "--loss", "softmax_ce", "--eps", eps])
            .args(["--model", &arg(&trained), "--data", &arg(&data)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        json_of(&out)
    };
    for eps in ["0.001", "0.01"] {
        let v = hessian(eps);
        let e = &v["eigenvalues"];
        let (min, max, error) = (e["min"].as_f64().unwrap(), e["max"].as_f64().unwrap(), e["error"].as_f64().unwrap());
        assert!(error > 0.0 && error.is_finite(), "eps {eps}: error {error}");
        let curvature = v["curvature"].as_str().unwrap();
        // Softmax's logits are shift-invariant, so the Hessian of this net is singular:
        // its smallest eigenvalue is 0 up to the difference error, either sign.
        assert!(min.abs() <= 10.0 * error || min > 0.0, "eps {eps}: min {min}, error {error}");
        if min >= -error {
            assert!(!curvature.starts_with("indefinite"), "eps {eps}: {min} within {error} called {curvature}");
        } else {
            assert!(curvature.starts_with("indefinite"), "eps {eps}: {min} beyond {error} called {curvature}");
        }
        assert!(max > error, "eps {eps}: {max}");
    }
}
