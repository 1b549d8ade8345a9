//! `nn export`: a model for flashing — a Rust `const` typed as nn-core's compile-time
//! network, a self-contained C header with a predict function, or nn-core's binary
//! codec. Every value is written so that it reads back as the same `f32`, bit for bit,
//! and every format carries the model's input scaling (the Rust and C exports also its
//! class labels).
//!
//! # The C header
//! One C99 header, no `.c` file and no `#define NN_IMPLEMENTATION` step: the arrays are
//! `static const` and the functions `static inline`, so including it in several
//! translation units links (each has its own copy, and a compiler drops what a unit does
//! not call), and two models with different `--name`s live in one program. The predict
//! function computes what nn-core computes, in the same order: the input scaling
//! `(x − mean) / scale`, each row's dot product in nn-core's eight interleaved partial
//! sums (`nn_core::math`), then `+ bias` and the activation. Only `expf` and `tanhf` are
//! the C library's rather than nn-core's own (each within a few ulp of the exact value),
//! so a model without sigmoid, tanh or softmax predicts the same bits as `nn predict`,
//! and one with them agrees to about 1e-6 relative.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use nn_core::codec;
use nn_core::{Activation, Model};

use crate::error::CliError;
use crate::model_file::{ModelFile, Network};
use crate::{outln, output};

/// Most layers of nn-core's compile-time networks (tuples of `Dense`).
pub const MAX_RUST_LAYERS: usize = 4;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Rust `const` of nn-core's compile-time network type.
    Rust,
    /// A self-contained C99 header: the arrays, the input scaling, the class labels and
    /// a predict function.
    C,
    /// nn-core's binary codec (magic NNCW, shapes, f32 LE parameters, CRC-32).
    Bin,
}

/// Arguments of `nn export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model (JSON, or a binary from an earlier export).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// The output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Where to write it.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The name in the generated code: a snake_case identifier (Rust gets the type
    /// `Model` and the const `MODEL` for `model`; C gets `model_…` and `MODEL_…`).
    #[arg(long, default_value = "model", value_parser = identifier)]
    pub name: String,
}

fn identifier(s: &str) -> Result<String, String> {
    let mut chars = s.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(s.to_string())
    } else {
        Err("expected a snake_case identifier such as model or xor_net".into())
    }
}

fn camel(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// nn-core's marker type for `a` (in `nn_core::activation`).
fn marker(a: Activation) -> &'static str {
    match a {
        Activation::Identity => "Identity",
        Activation::Sigmoid => "Sigmoid",
        Activation::Tanh => "Tanh",
        Activation::Relu => "Relu",
        Activation::LeakyRelu => "LeakyRelu",
        Activation::Softmax => "Softmax",
        Activation::Step => "Step",
    }
}

/// `x` as a Rust float literal that reads back as the same `f32` (`1.0`, `-2.5e-8`).
fn rust_f32(x: f32) -> String {
    format!("{x:?}")
}

/// The generated Rust source: the network's type and `const` (unscaled), or the layers'
/// type and `const`, the stage's means and scales and a function returning the
/// `Scaled` model (scaled); the class labels as a `&[&str]` when the model has them.
pub fn rust_source(model: &ModelFile, name: &str) -> Result<String, CliError> {
    if model.specs.len() > MAX_RUST_LAYERS {
        return Err(CliError::in_file(
            &model.path,
            format!(
                "has {} layers; nn-core's compile-time networks have at most {MAX_RUST_LAYERS} (use --format bin or c)",
                model.specs.len()
            ),
        ));
    }
    let net = model.network()?;
    let ty = camel(name);
    let konst = name.to_ascii_uppercase();
    let stage = model.meta.scaling.as_ref();
    // Behind a stage the tuple is the layers' type, and `{ty}` the scaled model's.
    let (layers_ty, layers_konst) = match stage {
        Some(_) => (format!("{ty}Layers"), format!("{konst}_LAYERS")),
        None => (ty.clone(), konst.clone()),
    };
    let mut markers: Vec<&str> = model.specs.iter().map(|s| marker(s.activation)).collect();
    markers.sort_unstable();
    markers.dedup();
    let mut s = String::new();
    let _ = writeln!(s, "// Generated by `nn export` from {}: {}.", model.path.display(), model.describe());
    let _ = writeln!(s, "// Every value reads back as the same f32, bit for bit.\n");
    if let [only] = markers.as_slice() {
        let _ = writeln!(s, "use nn_core::activation::{only};");
    } else {
        let _ = writeln!(s, "use nn_core::activation::{{{}}};", markers.join(", "));
    }
    // `Scaled` and `InputScaling` by path: `--name scaled` names a type `Scaled`.
    let _ = writeln!(s, "use nn_core::Dense;\n");
    let layers: Vec<String> = model
        .specs
        .iter()
        .map(|sp| format!("Dense<{}, {}, {}>", sp.inputs, sp.outputs, marker(sp.activation)))
        .collect();
    let comma = if layers.len() == 1 { "," } else { "" };
    if let Some(stage) = stage {
        let n = stage.len();
        let _ = writeln!(s, "/// The layers' type: nn-core's compile-time network (shapes checked by the compiler).");
        let _ = writeln!(s, "pub type {layers_ty} = ({}{comma});\n", layers.join(", "));
        let _ = writeln!(s, "/// The model's type: the layers behind the input scaling `(x - mean) / scale`.");
        let _ = writeln!(s, "pub type {ty} = nn_core::Scaled<{layers_ty}, [f32; {n}]>;\n");
        let values = |v: &[f32]| v.iter().map(|&x| rust_f32(x)).collect::<Vec<_>>().join(", ");
        let _ = writeln!(s, "/// The input scaling's means, one per input.");
        let _ = writeln!(s, "#[allow(clippy::approx_constant, clippy::excessive_precision)]");
        let _ = writeln!(s, "pub const {konst}_MEAN: [f32; {n}] = [{}];\n", values(stage.mean()));
        let _ = writeln!(s, "/// The input scaling's scales, one per input (finite and positive).");
        let _ = writeln!(s, "#[allow(clippy::approx_constant, clippy::excessive_precision)]");
        let _ = writeln!(s, "pub const {konst}_SCALE: [f32; {n}] = [{}];\n", values(stage.scale()));
    } else {
        let _ = writeln!(s, "/// The network's type: nn-core's compile-time network (shapes checked by the compiler).");
        let _ = writeln!(s, "pub type {ty} = ({}{comma});\n", layers.join(", "));
    }
    let _ = writeln!(s, "/// The parameters of {}.", model.path.display());
    let _ = writeln!(s, "#[allow(clippy::approx_constant, clippy::excessive_precision)]");
    let _ = writeln!(s, "pub const {layers_konst}: {layers_ty} = (");
    for l in 0..model.specs.len() {
        let (rows, biases) = literals(&net, l, rust_f32);
        let rows: Vec<String> = rows.iter().map(|r| format!("[{r}]")).collect();
        let _ = writeln!(s, "    Dense::new(");
        let _ = writeln!(s, "        [\n            {},\n        ],", rows.join(",\n            "));
        let _ = writeln!(s, "        [{biases}],");
        let _ = writeln!(s, "    ),");
    }
    let _ = writeln!(s, ");");
    if stage.is_some() {
        let _ = writeln!(
            s,
            "\n/// The model: [`{layers_konst}`] behind the input scaling [`{konst}_MEAN`], [`{konst}_SCALE`]"
        );
        let _ = writeln!(s, "/// (nn-core checks the stage; these values pass, as they did when exported).");
        let _ = writeln!(s, "pub fn {name}() -> Result<{ty}, nn_core::Error> {{");
        let _ = writeln!(
            s,
            "    nn_core::Scaled::new({layers_konst}, nn_core::InputScaling::new({konst}_MEAN, {konst}_SCALE)?)"
        );
        let _ = writeln!(s, "}}");
    }
    if let Some(labels) = &model.meta.labels {
        let names: Vec<String> = labels.iter().map(|l| format!("{l:?}")).collect();
        let _ = writeln!(s, "\n/// The class names: class k is `{konst}_LABELS[k]`.");
        let _ = writeln!(s, "pub const {konst}_LABELS: &[&str] = &[{}];", names.join(", "));
    }
    Ok(s)
}

/// Layer `l`'s weights, one string per row, and its biases, each value written by
/// `literal` and the values of a row joined by `, `.
fn literals(net: &Network, l: usize, literal: fn(f32) -> String) -> (Vec<String>, String) {
    let join = |values: &[f32]| values.iter().map(|&v| literal(v)).collect::<Vec<_>>().join(", ");
    let inputs = net.spec(l).inputs.max(1);
    (net.weights(l).chunks(inputs).map(join).collect(), join(net.biases(l)))
}

/// `x` as a C float literal that reads back as the same `float`.
fn c_f32(x: f32) -> String {
    format!("{x:?}f")
}

/// `text` as a C string literal: printable ASCII as itself, `"` and `\` escaped, every
/// other byte of its UTF-8 as a three-digit octal escape (which, unlike `\x`, ends
/// after three digits, so a following character cannot extend it).
fn c_string(text: &str) -> String {
    let mut s = String::from("\"");
    for b in text.bytes() {
        match b {
            b'"' | b'\\' => {
                s.push('\\');
                s.push(char::from(b));
            }
            // `?` escaped too: `??` starts a C trigraph.
            b'?' => s.push_str("\\?"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => {
                let _ = write!(s, "\\{b:03o}");
            }
        }
    }
    s.push('"');
    s
}

/// The generated C header (see the module docs).
pub fn c_header(model: &ModelFile, name: &str) -> Result<String, CliError> {
    let net = model.network()?;
    let up = name.to_ascii_uppercase();
    let depth = model.specs.len();
    let max_width = model.specs.iter().map(|sp| sp.inputs.max(sp.outputs)).max().unwrap_or(1);
    let mut s = String::new();
    let _ = writeln!(s, "/* Generated by `nn export` from {}: {}.", model.path.display(), model.describe());
    let _ = writeln!(s, " *");
    let _ = writeln!(s, " * Plain C99, no allocation: #include \"{name}.h\" and call");
    let _ = writeln!(s, " *     float y[{up}_OUTPUTS];");
    let _ = writeln!(s, " *     {name}_predict(x, y);   (x: {up}_INPUTS raw inputs, as in the data file)");
    let _ = writeln!(s, " * and link the math library (cc ... -lm). Everything is static, so the header may be");
    let _ = writeln!(s, " * included in several files, and models with different names in one program.");
    let _ = writeln!(s, " *");
    let _ = writeln!(s, " * {name}_predict computes what nn-core computes, in the same order: the input scaling");
    let _ = writeln!(s, " * (x - mean) / scale, each row's dot product in eight interleaved partial sums, + bias,");
    let _ = writeln!(s, " * the activation. Only expf and tanhf are the C library's, not nn-core's own: models");
    let _ = writeln!(s, " * with sigmoid, tanh or softmax agree with `nn predict` to about 1e-6 relative, the");
    let _ = writeln!(s, " * others bit for bit, when floats are evaluated as floats (FLT_EVAL_METHOD 0) and");
    let _ = writeln!(s, " * a*b+c is not fused (-ffp-contract=off, the default of gcc -std=c99).");
    let _ = writeln!(s, " *");
    let _ = writeln!(s, " * Row j of a layer's weights feeds neuron j: z = W a + b, then the activation.");
    let _ = writeln!(s, " * Activation codes are nn-core's: 0 identity, 1 sigmoid, 2 tanh, 3 relu,");
    let _ = writeln!(s, " * 4 leaky_relu (slope 0.01), 5 softmax, 6 step (1 for z >= 0).");
    let _ = writeln!(s, " * Every value reads back as the same float, bit for bit. */");
    let _ = writeln!(s, "#ifndef {up}_H\n#define {up}_H\n\n#include <math.h>\n#include <stdint.h>\n");
    let _ = writeln!(s, "#define {up}_LAYERS {depth}");
    let _ = writeln!(s, "#define {up}_INPUTS {}", model.inputs());
    let _ = writeln!(s, "#define {up}_OUTPUTS {}", model.outputs());
    let _ = writeln!(s, "#define {up}_PARAMS {}", model.params.len());
    let _ = writeln!(s, "/* The widest layer: the size of each of {name}_predict's two buffers. */");
    let _ = writeln!(s, "#define {up}_MAX_WIDTH {max_width}");
    let classes = model.classes();
    if let Some(k) = classes {
        let _ = writeln!(s, "/* The classes {name}_class tells apart. */");
        let _ = writeln!(s, "#define {up}_CLASSES {k}");
    }
    let _ = writeln!(s, "#define {up}_SCALED {}\n", u8::from(model.meta.scaling.is_some()));
    let mut widths = vec![model.inputs().to_string()];
    widths.extend(model.specs.iter().map(|sp| sp.outputs.to_string()));
    let acts: Vec<String> = model.specs.iter().map(|sp| (sp.activation as u8).to_string()).collect();
    let _ = writeln!(s, "static const uint32_t {name}_widths[{up}_LAYERS + 1] = {{{}}};", widths.join(", "));
    let _ = writeln!(s, "static const uint8_t {name}_activations[{up}_LAYERS] = {{{}}};", acts.join(", "));
    if let Some(stage) = &model.meta.scaling {
        let values = |v: &[f32]| v.iter().map(|&x| c_f32(x)).collect::<Vec<_>>().join(", ");
        let _ = writeln!(s, "\n/* Input scaling: input i becomes (x[i] - mean[i]) / scale[i]. */");
        let _ = writeln!(s, "static const float {name}_input_mean[{up}_INPUTS] = {{{}}};", values(stage.mean()));
        let _ = writeln!(s, "static const float {name}_input_scale[{up}_INPUTS] = {{{}}};", values(stage.scale()));
    }
    if let (Some(labels), Some(_)) = (&model.meta.labels, classes) {
        let names: Vec<String> = labels.iter().map(|l| c_string(l)).collect();
        let _ = writeln!(s, "\n/* Class names (UTF-8): class k is {name}_labels[k]. */");
        let _ = writeln!(s, "static const char *const {name}_labels[{up}_CLASSES] = {{{}}};", names.join(", "));
    }
    for (l, sp) in model.specs.iter().enumerate() {
        let (rows, biases) = literals(&net, l, c_f32);
        let rows: Vec<String> = rows.iter().map(|r| format!("    {{{r}}}")).collect();
        let _ = writeln!(s, "\n/* Layer {l}: {} -> {}, {}. */", sp.inputs, sp.outputs, sp.activation.name());
        let _ = writeln!(
            s,
            "static const float {name}_layer{l}_weights[{}][{}] = {{\n{}\n}};",
            sp.outputs,
            sp.inputs,
            rows.join(",\n")
        );
        let _ = writeln!(s, "static const float {name}_layer{l}_biases[{}] = {{{biases}}};", sp.outputs);
    }
    s.push_str(&C_KERNELS.replace("PREFIX", name));
    let _ = writeln!(s, "\n/* Predicts output[0..{up}_OUTPUTS) from the raw input[0..{up}_INPUTS). */");
    let _ =
        writeln!(s, "static inline void {name}_predict(const float input[{up}_INPUTS], float output[{up}_OUTPUTS]) {{");
    // A one-layer model reads `a` and writes `output`: it needs no second buffer.
    let second = if depth > 1 { format!(", b[{up}_MAX_WIDTH]") } else { String::new() };
    let _ = writeln!(s, "    float a[{up}_MAX_WIDTH]{second};\n    uint32_t i;");
    let _ = writeln!(s, "    for (i = 0; i < {up}_INPUTS; i++) {{");
    if model.meta.scaling.is_some() {
        let _ = writeln!(s, "        a[i] = (input[i] - {name}_input_mean[i]) / {name}_input_scale[i];");
    } else {
        let _ = writeln!(s, "        a[i] = input[i];");
    }
    let _ = writeln!(s, "    }}");
    for (l, sp) in model.specs.iter().enumerate() {
        // Layers alternate between the buffers; the last writes into `output`.
        let (from, to) = if l % 2 == 0 { ("a", "b") } else { ("b", "a") };
        let to = if l + 1 == depth { "output" } else { to };
        let _ = writeln!(
            s,
            "    {name}_dense(&{name}_layer{l}_weights[0][0], {name}_layer{l}_biases, {from}, {to}, {}, {});",
            sp.inputs, sp.outputs
        );
        let _ = writeln!(
            s,
            "    {name}_activate({}, {to}, {}); /* {} */",
            sp.activation as u8,
            sp.outputs,
            sp.activation.name()
        );
    }
    let _ = writeln!(s, "}}");
    if classes.is_some() {
        let _ = writeln!(s, "\n/* The predicted class: the largest output (the first of equals), or for a single");
        let _ = writeln!(s, " * output 1 when it is >= 0.5 and 0 otherwise, as `nn predict` prints it. */");
        let _ = writeln!(s, "static inline uint32_t {name}_class(const float output[{up}_OUTPUTS]) {{");
        if model.outputs() == 1 {
            let _ = writeln!(s, "    return output[0] >= 0.5f ? 1u : 0u;");
        } else {
            let _ = writeln!(s, "    uint32_t k = 0, i;");
            let _ = writeln!(s, "    for (i = 1; i < {up}_OUTPUTS; i++) {{");
            let _ = writeln!(s, "        if (output[i] > output[k]) {{\n            k = i;\n        }}");
            let _ = writeln!(s, "    }}");
            let _ = writeln!(s, "    return k;");
        }
        let _ = writeln!(s, "}}");
    }
    let _ = writeln!(s, "\n#endif /* {up}_H */");
    Ok(s)
}

/// The kernels of the C header, `PREFIX` standing for the model's name: nn-core's dot
/// product order (`nn_core::math::dot`), its dense layer (`dot + bias`) and its
/// activations (`nn_core::activation`), with the C library's `expf` and `tanhf`.
const C_KERNELS: &str = r#"
/* The dot product in nn-core's order: element i goes to partial sum i % 8 (each starting
 * at -0.0f), the sums then combined pairwise in a fixed tree. */
static inline float PREFIX_dot(const float *w, const float *x, uint32_t n) {
    float l[8] = {-0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f};
    uint32_t i;
    for (i = 0; i < n; i++) {
        l[i % 8] += w[i] * x[i];
    }
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

/* out[j] = W[j] . x + b[j] for a layer of n_out rows of n_in weights. */
static inline void PREFIX_dense(const float *w, const float *b, const float *x, float *out, uint32_t n_in,
                                uint32_t n_out) {
    uint32_t j;
    for (j = 0; j < n_out; j++) {
        out[j] = PREFIX_dot(w + j * n_in, x, n_in) + b[j];
    }
}

/* The activation with nn-core's code, in place. Softmax subtracts the largest value
 * first (NaNs passed over), so it is finite for every finite input. */
static inline void PREFIX_activate(uint8_t code, float *v, uint32_t n) {
    uint32_t i;
    float largest = -INFINITY, total = -0.0f;
    switch (code) {
    case 1:
        for (i = 0; i < n; i++) {
            v[i] = 1.0f / (1.0f + expf(-v[i]));
        }
        break;
    case 2:
        for (i = 0; i < n; i++) {
            v[i] = tanhf(v[i]);
        }
        break;
    case 3:
        for (i = 0; i < n; i++) {
            v[i] = v[i] > 0.0f ? v[i] : 0.0f;
        }
        break;
    case 4:
        for (i = 0; i < n; i++) {
            v[i] = v[i] > 0.0f ? v[i] : 0.01f * v[i];
        }
        break;
    case 5:
        for (i = 0; i < n; i++) {
            largest = v[i] > largest ? v[i] : largest;
        }
        for (i = 0; i < n; i++) {
            v[i] = expf(v[i] - largest);
            total += v[i];
        }
        for (i = 0; i < n; i++) {
            v[i] /= total;
        }
        break;
    case 6:
        for (i = 0; i < n; i++) {
            v[i] = v[i] >= 0.0f ? 1.0f : 0.0f;
        }
        break;
    default: /* 0: identity */
        break;
    }
}
"#;

/// The bytes of nn-core's binary codec.
pub fn binary(model: &ModelFile) -> Result<Vec<u8>, CliError> {
    let net = model.network()?;
    let mut bytes = vec![0u8; codec::encoded_len(&net)];
    let n = codec::encode(&net, &mut bytes).map_err(|e| {
        CliError::in_file(&model.path, format!("cannot be encoded: {e} (the codec holds widths up to 65535)"))
    })?;
    bytes.truncate(n);
    Ok(bytes)
}

/// Exports.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let model = ModelFile::load(&args.model)?;
    let bytes = match args.format {
        Format::Rust => rust_source(&model, &args.name)?.into_bytes(),
        Format::C => c_header(&model, &args.name)?.into_bytes(),
        Format::Bin => binary(&model)?,
    };
    output::write_atomic(&args.out, &bytes)?;
    let what = match args.format {
        Format::Rust => "Rust const",
        Format::C => "C header",
        Format::Bin if model.meta.scaling.is_some() => "nn-core binary codec, version 2 with the input scaling",
        Format::Bin => "nn-core binary codec",
    };
    outln!(out, "wrote {} ({what}, {} bytes): {}", args.out.display(), bytes.len(), model.describe());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("xor_net"), "XorNet");
        assert!(identifier("Model").is_err());
        assert!(identifier("9x").is_err());
        assert!(identifier("xor_2").is_ok());
    }

    #[test]
    fn c_strings_escape_what_c_would_read_otherwise() {
        assert_eq!(c_string("setosa"), "\"setosa\"");
        assert_eq!(c_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        // `??=` would be a trigraph; `é` is two UTF-8 bytes, each three octal digits, so
        // a following digit cannot extend the escape.
        assert_eq!(c_string("??=é1"), "\"\\?\\?=\\303\\2511\"");
        assert_eq!(c_string("tab\there"), "\"tab\\011here\"");
    }

    #[test]
    fn literals_read_back_exactly() {
        for x in [0.1f32, 1.0, -0.0, 1e-7, f32::MAX, 0.3589165, 2.345e-30] {
            assert_eq!(rust_f32(x).parse::<f32>().unwrap().to_bits(), x.to_bits());
            assert!(rust_f32(x).contains(['.', 'e']));
        }
    }
}
