//! `nn export --format c` end to end: headers for models with every activation, with and
//! without input scaling, with class labels, compiled by the C compiler with
//! `-std=c99 -Wall -Wextra -Werror -pedantic` and run on a data set; their outputs, class
//! and label are `nn predict`'s.
//!
//! Without a C compiler (`cc`, or `$CC`) the tests skip with a message, unless
//! `NN_REQUIRE_CC=1` is set (as CI sets `NN_REQUIRE_QEMU=1`): then they fail.

mod cli_support;

use std::path::Path;
use std::process::{Command, Stdio};

use cli_support::{dir, nn, stderr_of, write};

/// How far the C header's outputs may be from `nn predict`'s:
/// `|c − r| ≤ TOLERANCE · max(|r|, 1)`.
///
/// The header computes nn-core's operations in nn-core's order (same scaling, same dot
/// product lanes, same activations), so only `expf` and `tanhf` differ: glibc's are within
/// 1 ulp of the exact value, nn-core's own `exp` within 0.9 ulp and `tanh` within 2.3, so
/// one call differs by at most about 3.3 ulp = 2e-7 relative. A later layer's dot product
/// sums such values times weights in [−1, 1]: its absolute difference stays below
/// Σ|w|·2e-7 ≈ 2e-6 for these widths (up to 9), and the bounded activations shrink it
/// again. So 1e-5, relative for outputs of magnitude above 1 and absolute below (where a
/// dot product's terms are larger than its result), holds with a margin of five, while
/// any real mistake (a missing scaling, a wrong activation, a wrong order of layers)
/// moves outputs by far more than 1e-3. Models without sigmoid, tanh or softmax must
/// agree bit for bit.
const TOLERANCE: f64 = 1e-5;

/// The C compiler, or `None` (with the reason printed) when there is none and
/// `NN_REQUIRE_CC` is not `1`.
fn compiler() -> Option<String> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let found = Command::new(&cc).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if found {
        return Some(cc);
    }
    let required = std::env::var("NN_REQUIRE_CC").is_ok_and(|v| v == "1");
    assert!(!required, "NN_REQUIRE_CC=1 but there is no C compiler ({cc})");
    eprintln!("no C compiler ({cc}; set CC to choose one); skipping the C export check");
    None
}

/// A deterministic value in [−1, 1] with three decimals (a small LCG).
struct Values(u32);

impl Values {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        ((self.0 >> 8) % 2001) as f32 / 1000.0 - 1.0
    }
}

/// A JSON model of `widths` with `activations`, seeded weights, and optionally an input
/// scaling and labels.
fn model_json(
    widths: &[usize],
    activations: &[&str],
    seed: u32,
    scaling: Option<([f32; 3], [f32; 3])>,
    labels: Option<&[&str]>,
) -> String {
    let mut values = Values(seed);
    let layers: Vec<String> = widths
        .windows(2)
        .zip(activations)
        .map(|(w, a)| {
            let rows: Vec<String> = (0..w[1])
                .map(|_| {
                    let row: Vec<String> = (0..w[0]).map(|_| format!("{:?}", values.next())).collect();
                    format!("[{}]", row.join(", "))
                })
                .collect();
            let biases: Vec<String> = (0..w[1]).map(|_| format!("{:?}", values.next() * 0.5)).collect();
            format!(r#"{{"activation": "{a}", "weights": [{}], "biases": [{}]}}"#, rows.join(", "), biases.join(", "))
        })
        .collect();
    let mut text = format!(r#"{{"format": "nn-model", "version": 2, "layers": [{}]"#, layers.join(", "));
    if let Some((mean, scale)) = scaling {
        text += &format!(r#", "input_scaling": {{"mean": {mean:?}, "scale": {scale:?}}}"#);
    }
    if let Some(labels) = labels {
        text += &format!(r#", "labels": {}"#, serde_json::to_string(labels).unwrap());
    }
    text + "}"
}

/// Raw inputs around (5, 0, 25) with spreads (3, 2.5, 3): what the scaled models expect.
fn data_rows() -> Vec<[f32; 3]> {
    let mut values = Values(7);
    (0..40).map(|_| [5.0 + 4.0 * values.next(), 3.0 * values.next(), 25.0 + 4.0 * values.next()]).collect()
}

const SCALING: ([f32; 3], [f32; 3]) = ([5.0, 0.25, 25.0], [3.0, 2.5, 3.0]);

/// The driver: reads inputs as hexadecimal float bits on stdin, prints the output bits,
/// the class and the label.
const DRIVER: &str = r#"#include <stdio.h>
#include <string.h>
#include "net.h"
int main(void) {
    float x[NET_INPUTS], y[NET_OUTPUTS];
    unsigned bits;
    uint32_t i;
    for (;;) {
        for (i = 0; i < NET_INPUTS; i++) {
            if (scanf("%x", &bits) != 1) {
                return 0;
            }
            memcpy(&x[i], &bits, sizeof bits);
        }
        net_predict(x, y);
        for (i = 0; i < NET_OUTPUTS; i++) {
            memcpy(&bits, &y[i], sizeof bits);
            printf("%08x ", bits);
        }
#ifdef NET_CLASSES
        printf("%u", (unsigned)net_class(y));
#endif
#ifdef WITH_LABELS
        printf(" %s", net_labels[net_class(y)]);
#endif
        printf("\n");
    }
}
"#;

/// One C run: per data row, the outputs, the class and the label (empty without).
type CRow = (Vec<f32>, Option<usize>, String);

/// Exports `model` to C, compiles the driver with it and runs it on `rows`.
fn run_c(cc: &str, work: &Path, model: &str, labels: bool, rows: &[[f32; 3]]) -> Vec<CRow> {
    write(work, "m.json", model);
    nn().current_dir(work)
        .args(["export", "--model", "m.json", "--format", "c", "--name", "net", "--out", "net.h"])
        .assert()
        .success();
    write(work, "driver.c", DRIVER);
    let mut compile = Command::new(cc);
    compile.current_dir(work).args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]);
    if labels {
        compile.arg("-DWITH_LABELS");
    }
    let out = compile.args(["driver.c", "-o", "driver", "-lm"]).output().unwrap();
    assert!(out.status.success(), "the header does not compile cleanly:\n{}", String::from_utf8_lossy(&out.stderr));
    let input: String = rows
        .iter()
        .map(|r| r.iter().map(|v| format!("{:08x}", v.to_bits())).collect::<Vec<_>>().join(" ") + "\n")
        .collect();
    write(work, "input.txt", input);
    let out =
        Command::new(work.join("driver")).stdin(std::fs::File::open(work.join("input.txt")).unwrap()).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut outputs = Vec::new();
            let mut words = line.split(' ').peekable();
            while let Some(w) = words.next_if(|w| w.len() == 8) {
                outputs.push(f32::from_bits(u32::from_str_radix(w, 16).unwrap()));
            }
            let class = words.next().filter(|w| !w.is_empty()).map(|w| w.parse().unwrap());
            let label = words.collect::<Vec<_>>().join(" ");
            (outputs, class, label)
        })
        .collect()
}

/// `nn predict`'s rows: the outputs, then the class cell when there is one.
fn run_predict(work: &Path, rows: &[[f32; 3]], outputs: usize) -> Vec<(Vec<f32>, Option<String>)> {
    let csv: String =
        "a,b,c\n".to_string() + &rows.iter().map(|r| format!("{:?},{:?},{:?}\n", r[0], r[1], r[2])).collect::<String>();
    write(work, "data.csv", csv);
    let out = nn().current_dir(work).args(["predict", "--model", "m.json", "--data", "data.csv"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let y = cells[..outputs].iter().map(|c| c.parse().unwrap()).collect();
            (y, cells.get(outputs).map(|c| c.to_string()))
        })
        .collect()
}

/// One model's case: its layers, whether it must agree bit for bit.
struct Case {
    what: &'static str,
    widths: &'static [usize],
    activations: &'static [&'static str],
    labels: Option<&'static [&'static str]>,
}

const TRANSCENDENTAL: [&str; 3] = ["sigmoid", "tanh", "softmax"];

const CASES: &[Case] = &[
    // Each activation in a hidden layer of 9 (more than the dot product's 8 lanes), behind
    // three layers so that both buffers of the predict function are used.
    Case { what: "identity", widths: &[3, 9, 4, 2], activations: &["identity", "identity", "identity"], labels: None },
    Case { what: "relu", widths: &[3, 9, 4, 2], activations: &["relu", "relu", "identity"], labels: None },
    Case {
        what: "leaky_relu",
        widths: &[3, 9, 4, 2],
        activations: &["leaky_relu", "leaky_relu", "identity"],
        labels: None,
    },
    Case { what: "step", widths: &[3, 9, 4, 2], activations: &["step", "relu", "identity"], labels: None },
    Case { what: "sigmoid", widths: &[3, 9, 4, 2], activations: &["sigmoid", "sigmoid", "identity"], labels: None },
    Case { what: "tanh", widths: &[3, 9, 4, 2], activations: &["tanh", "tanh", "identity"], labels: None },
    Case { what: "softmax hidden", widths: &[3, 9, 4, 2], activations: &["softmax", "tanh", "identity"], labels: None },
    // Classifiers: softmax with labels (escapes: a backslash, a trigraph, UTF-8), one-hot
    // sigmoid, a single sigmoid, a single step output, one layer only.
    Case {
        what: "softmax classifier",
        widths: &[3, 9, 3],
        activations: &["tanh", "softmax"],
        labels: Some(&["set\\osa", "vers??=icolor", "virginica é"]),
    },
    Case {
        what: "one-hot sigmoid",
        widths: &[3, 5, 3],
        activations: &["relu", "sigmoid"],
        labels: Some(&["a", "b", "c"]),
    },
    Case { what: "single sigmoid", widths: &[3, 1], activations: &["sigmoid"], labels: Some(&["no", "yes"]) },
    Case { what: "single step", widths: &[3, 4, 1], activations: &["leaky_relu", "step"], labels: None },
];

#[test]
fn c_headers_predict_what_nn_predict_predicts() {
    let Some(cc) = compiler() else { return };
    let rows = data_rows();
    let mut largest = 0.0f64;
    let mut checked = 0;
    for (k, case) in CASES.iter().enumerate() {
        for scaling in [None, Some(SCALING)] {
            let what = format!("{} ({})", case.what, if scaling.is_some() { "scaled" } else { "unscaled" });
            let d = dir();
            let json = model_json(case.widths, case.activations, 11 + k as u32, scaling, case.labels);
            let c = run_c(&cc, d.path(), &json, case.labels.is_some(), &rows);
            let outputs = *case.widths.last().unwrap();
            let predicted = run_predict(d.path(), &rows, outputs);
            assert_eq!(c.len(), rows.len(), "{what}: one line per row");
            let exact = !case.activations.iter().any(|a| TRANSCENDENTAL.contains(a));
            for (r, ((cy, class, label), (py, cell))) in c.iter().zip(&predicted).enumerate() {
                assert_eq!(cy.len(), outputs, "{what}, row {r}");
                for (&cv, &pv) in cy.iter().zip(py) {
                    if exact {
                        assert_eq!(cv.to_bits(), pv.to_bits(), "{what}, row {r}: {cv} vs {pv}");
                    }
                    let (cv, pv) = (f64::from(cv), f64::from(pv));
                    let diff = (cv - pv).abs() / pv.abs().max(1.0);
                    assert!(diff <= TOLERANCE, "{what}, row {r}: C {cv}, nn predict {pv}");
                    largest = largest.max(diff);
                }
                match (cell, class) {
                    (Some(cell), Some(class)) => {
                        let name = case.labels.map_or(class.to_string(), |l| l[*class].to_string());
                        assert_eq!(cell, &name, "{what}, row {r}: the class");
                        if case.labels.is_some() {
                            assert_eq!(label, &name, "{what}, row {r}: the label string");
                        }
                    }
                    (None, None) => {}
                    other => panic!("{what}, row {r}: classes differ: {other:?}"),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, CASES.len() * 2 * 40);
    eprintln!("largest difference between the C header and nn predict: {largest:e} (tolerance {TOLERANCE:e})");
}

#[test]
fn the_scaling_is_applied_in_the_header() {
    let Some(cc) = compiler() else { return };
    // y = 2·x' − 3 with x' = (x − 10) / 4, by hand: x = 18 gives 1, x = 10 gives −3.
    let json = r#"{"format": "nn-model", "version": 2,
        "layers": [{"activation": "identity", "weights": [[2, 0, 0]], "biases": [-3]}],
        "input_scaling": {"mean": [10, 0, 0], "scale": [4, 1, 1]}}"#;
    let d = dir();
    let c = run_c(&cc, d.path(), json, false, &[[18.0, 0.0, 0.0], [10.0, 5.0, 5.0], [2.0, 0.0, 0.0]]);
    let ys: Vec<f32> = c.iter().map(|(y, _, _)| y[0]).collect();
    assert_eq!(ys, [1.0, -3.0, -7.0]);
    let header = std::fs::read_to_string(d.path().join("net.h")).unwrap();
    assert!(header.contains("static const float net_input_mean[NET_INPUTS] = {10.0f, 0.0f, 0.0f};"), "{header}");
    assert!(header.contains("static const float net_input_scale[NET_INPUTS] = {4.0f, 1.0f, 1.0f};"), "{header}");
    assert!(header.contains("#define NET_SCALED 1"));
}
