//! Model files: the JSON format people read and write, and nn-core's binary codec.
//!
//! ```json
//! {"format": "nn-model", "version": 1, "layers": [
//!   {"activation": "sigmoid", "weights": [[0.15, 0.2], [0.25, 0.3]], "biases": [0.35, 0.35]},
//!   {"activation": "sigmoid", "weights": [[0.4, 0.45], [0.5, 0.55]], "biases": [0.6, 0.6]}]}
//! ```
//!
//! A layer's `weights` has one row per neuron, each row one weight per input (nn-core's
//! `z = W·a + b`); the first layer's row length is the network's input width, and each
//! later layer's row length must equal the number of rows of the layer before. Every
//! error names the file, the line and column, the JSON path (`layers[1].weights[0]`) and
//! what was expected. A file that starts with nn-core's codec magic `NNCW` is read as a
//! binary model (what `nn export --format bin` writes).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nn_core::codec;
use nn_core::{Activation, LayerSpec, Loss, Mlp, Model, MAX_LAYERS};

use crate::error::CliError;
use crate::json::{self, Member, Node, Pos, Value};
use crate::output;

/// The value of the `format` key.
pub const FORMAT: &str = "nn-model";
/// The format version this program writes (the newest of [`VERSIONS`]).
pub const VERSION: u32 = 1;

/// A format version this program reads: its number and the keys of its top-level object,
/// which start with `format`, `version` and `layers`. A later version (2: input scaling
/// and class labels) adds a row with its new keys and reads them after the layers; the
/// header and the layers are read the same way for every version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// The value of the `version` key.
    pub number: u32,
    /// Every top-level key of a file of this version.
    pub keys: &'static [&'static str],
}

/// The versions this program reads, oldest first.
pub const VERSIONS: [Version; 1] = [Version { number: 1, keys: &["format", "version", "layers"] }];
/// Most parameters a model file may hold (a guard against absurd allocations).
pub const MAX_PARAMS: usize = 50_000_000;

/// The runtime-shaped network every subcommand works on.
pub type Network = Mlp<Vec<LayerSpec>, Vec<f32>>;

/// One step of a JSON path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    /// An object key.
    Key(&'a str),
    /// An array index.
    Index(usize),
}

/// A JSON path as people write it: `layers[1].weights[0]`.
pub fn path_text(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Index(i) => {
                let _ = write!(s, "[{i}]");
            }
        }
    }
    s
}

/// A loaded, checked model.
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// Where it came from.
    pub path: PathBuf,
    /// Layer shapes and activations.
    pub specs: Vec<LayerSpec>,
    /// The parameters in nn-core's flat order.
    pub params: Vec<f32>,
    /// Where each layer's `activation` stands in a JSON file (empty for other sources).
    activations: Vec<Pos>,
}

impl ModelFile {
    /// Reads and checks the model at `path` (JSON, or nn-core's binary codec).
    pub fn load(path: &Path) -> Result<Self, CliError> {
        let bytes = output::read_input(path)?;
        Self::from_bytes(path, &bytes)
    }

    /// Checks a model file's contents (JSON, or nn-core's binary codec when they start
    /// with its magic); `path` is used in messages. Everything [`load`](Self::load) does
    /// after reading the file: the entry point of the `model_json` fuzz target.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, CliError> {
        if bytes.is_empty() {
            return Err(CliError::in_file(path, "the file is empty; expected a JSON nn-model (see `nn init --help`)"));
        }
        if bytes.starts_with(&codec::MAGIC) {
            return Self::from_codec(path, bytes);
        }
        let text = utf8_text(path, bytes, "a JSON nn-model")?;
        // A byte order mark (some Windows editors write one) is not part of the JSON.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(CliError::in_file(path, "the file holds only blanks; expected a JSON nn-model"));
        }
        Self::from_json(path, text)
    }

    /// Checks a JSON model given as text; `path` is used in messages.
    pub fn from_json(path: &Path, text: &str) -> Result<Self, CliError> {
        let root = json::parse(text).map_err(|e| {
            CliError::at(path, e.pos.line, e.pos.column, format!("{}; expected a JSON nn-model", e.message))
        })?;
        Reader { path }.model(&root)
    }

    fn from_codec(path: &Path, bytes: &[u8]) -> Result<Self, CliError> {
        let decoded = codec::decode(bytes)
            .map_err(|e| CliError::in_file(path, format!("not a valid nn-core binary model: {e}")))?;
        let specs = decoded.specs().to_vec();
        let params: Vec<f32> = decoded.params().collect();
        Ok(ModelFile { path: path.to_path_buf(), specs, params, activations: Vec::new() })
    }

    /// A model made in memory (for writing); `path` is where it will go.
    pub fn new(path: &Path, specs: Vec<LayerSpec>, params: Vec<f32>) -> Self {
        ModelFile { path: path.to_path_buf(), specs, params, activations: Vec::new() }
    }

    /// The network, ready for nn-core.
    pub fn network(&self) -> Result<Network, CliError> {
        Mlp::new(self.specs.clone(), self.params.clone())
            .map_err(|e| CliError::in_file(&self.path, format!("not a valid network: {e}")))
    }

    /// `file:line:column` of layer `l`'s activation (or just `file` when unknown).
    fn activation_place(&self, l: usize) -> String {
        match self.activations.get(l) {
            Some(pos) => format!("{}:{pos}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }

    /// Input width.
    pub fn inputs(&self) -> usize {
        self.specs.first().map_or(0, |s| s.inputs)
    }

    /// Output width.
    pub fn outputs(&self) -> usize {
        self.specs.last().map_or(0, |s| s.outputs)
    }

    /// The output layer's activation.
    pub fn output_activation(&self) -> Activation {
        self.specs.last().map_or(Activation::Identity, |s| s.activation)
    }

    /// Widths joined by dashes: `2-4-1`.
    pub fn shape(&self) -> String {
        let mut widths = vec![self.inputs()];
        widths.extend(self.specs.iter().map(|s| s.outputs));
        widths.iter().map(usize::to_string).collect::<Vec<_>>().join("-")
    }

    /// `2-4-1 (sigmoid, sigmoid), 17 parameters`.
    pub fn describe(&self) -> String {
        let acts: Vec<_> = self.specs.iter().map(|s| s.activation.name()).collect();
        format!("{} ({}), {} parameters", self.shape(), acts.join(", "), self.params.len())
    }

    /// Fails unless `loss` can follow this model's output layer.
    pub fn check_loss(&self, loss: Loss) -> Result<(), CliError> {
        let activation = self.output_activation();
        if loss.accepts(activation) {
            return Ok(());
        }
        let last = self.specs.len().saturating_sub(1);
        let segs = [Seg::Key("layers"), Seg::Index(last), Seg::Key("activation")];
        let needed = loss.required_activation().map_or("another", Activation::name);
        Err(CliError::bad(format!(
            "{}: {} is {}, but --loss {} needs a {needed} output layer",
            self.activation_place(last),
            path_text(&segs),
            activation.name(),
            loss.name()
        )))
    }
}

/// `bytes` as UTF-8 text without NUL bytes, or an error at the first bad byte.
pub fn utf8_text<'a>(path: &Path, bytes: &'a [u8], expected: &str) -> Result<&'a str, CliError> {
    let (text, bad) = match std::str::from_utf8(bytes) {
        Ok(text) => match text.find('\0') {
            Some(at) => (&text[..at], Some((at, 0u8))),
            None => (text, None),
        },
        Err(e) => {
            let good = e.valid_up_to();
            (std::str::from_utf8(&bytes[..good]).unwrap_or(""), Some((good, bytes[good])))
        }
    };
    match bad {
        None => Ok(text),
        Some((offset, byte)) => {
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(CliError::at(
                path,
                line,
                column,
                format!("byte 0x{byte:02x} at offset {offset}: this is a binary file, not text; expected {expected}"),
            ))
        }
    }
}

/// The checks of a JSON model, with the file's name for messages.
struct Reader<'p> {
    path: &'p Path,
}

impl Reader<'_> {
    fn err(&self, pos: Pos, segs: &[Seg], message: impl std::fmt::Display) -> CliError {
        if segs.is_empty() {
            CliError::at(self.path, pos.line, pos.column, message)
        } else {
            CliError::at(self.path, pos.line, pos.column, format!("{}: {message}", path_text(segs)))
        }
    }

    /// The members of an object with exactly the keys `allowed`, each once; missing
    /// keys are reported at the object.
    fn members<'n, 'a>(
        &self,
        node: &'n Node<'a>,
        segs: &[Seg],
        allowed: &[&str],
        what: &str,
    ) -> Result<Vec<&'n Node<'a>>, CliError> {
        let Value::Object(members) = &node.value else {
            return Err(self.err(node.pos, segs, format!("is {}, expected {what}", node.value.kind())));
        };
        let mut found: Vec<Option<&Node<'a>>> = vec![None; allowed.len()];
        for Member { key, key_pos, node } in members {
            let Some(slot) = allowed.iter().position(|a| a == key) else {
                let keys = allowed.join(", ");
                return Err(self.err(
                    *key_pos,
                    segs,
                    format!("unknown key \"{}\"; expected only {keys}", shorten(key, 40)),
                ));
            };
            if found[slot].is_some() {
                return Err(self.err(*key_pos, segs, format!("the key \"{key}\" appears twice")));
            }
            found[slot] = Some(node);
        }
        let mut out = Vec::with_capacity(allowed.len());
        for (key, node_found) in allowed.iter().zip(found) {
            match node_found {
                Some(n) => out.push(n),
                None => return Err(self.err(node.pos, segs, format!("missing the key \"{key}\" in {what}"))),
            }
        }
        Ok(out)
    }

    fn array<'n, 'a>(&self, node: &'n Node<'a>, segs: &[Seg], what: &str) -> Result<&'n [Node<'a>], CliError> {
        match &node.value {
            Value::Array(items) => Ok(items),
            other => Err(self.err(node.pos, segs, format!("is {}, expected {what}", other.kind()))),
        }
    }

    fn number(&self, node: &Node, segs: &[Seg]) -> Result<f32, CliError> {
        let Value::Number(text) = &node.value else {
            return Err(self.err(node.pos, segs, format!("is {}, expected a number", node.value.kind())));
        };
        parse_f32(text).map_err(|why| self.err(node.pos, segs, why))
    }

    /// Checks `format` and `version` (when the root is an object that has them; what is
    /// missing is reported with the other keys) and says which version to read.
    fn header(&self, root: &Node) -> Result<Version, CliError> {
        let newest = VERSIONS[VERSIONS.len() - 1];
        let Value::Object(members) = &root.value else { return Ok(newest) };
        let find = |key: &str| members.iter().find(|m| m.key == key).map(|m| &m.node);
        if let Some(format) = find("format") {
            let why = match &format.value {
                Value::String(s) if s == FORMAT => None,
                Value::String(s) => Some(format!("is \"{}\", expected \"{FORMAT}\"", shorten(s, 40))),
                other => Some(format!("is {}, expected the string \"{FORMAT}\"", other.kind())),
            };
            if let Some(why) = why {
                return Err(self.err(format.pos, &[Seg::Key("format")], why));
            }
        }
        let Some(version) = find("version") else { return Ok(newest) };
        let known = VERSIONS.iter().map(|v| v.number.to_string()).collect::<Vec<_>>().join(", ");
        match &version.value {
            Value::Number(n) => match VERSIONS.iter().find(|v| n.parse::<u32>() == Ok(v.number)) {
                Some(v) => Ok(*v),
                None => {
                    Err(self.err(version.pos, &[Seg::Key("version")], format!("is {n}; this nn reads version {known}")))
                }
            },
            other => Err(self.err(
                version.pos,
                &[Seg::Key("version")],
                format!("is {}, expected the number {known}", other.kind()),
            )),
        }
    }

    /// The model: its layers, its parameters, and where each layer's activation is written.
    fn model(&self, root: &Node) -> Result<ModelFile, CliError> {
        let what = "an object {\"format\": \"nn-model\", \"version\": 1, \"layers\": [...]}";
        let version = self.header(root)?;
        let top = self.members(root, &[], version.keys, what)?;
        let layers = top[2];
        let layer_nodes = self.array(layers, &[Seg::Key("layers")], "an array of layers")?;
        if layer_nodes.is_empty() {
            return Err(self.err(layers.pos, &[Seg::Key("layers")], "is empty; expected at least one layer"));
        }
        if layer_nodes.len() > MAX_LAYERS {
            return Err(self.err(
                layers.pos,
                &[Seg::Key("layers")],
                format!("has {} layers; nn-core networks have at most {MAX_LAYERS}", layer_nodes.len()),
            ));
        }
        let mut specs = Vec::with_capacity(layer_nodes.len());
        let mut params = Vec::new();
        let mut activations = Vec::with_capacity(layer_nodes.len());
        let mut previous_outputs: Option<usize> = None;
        for (l, node) in layer_nodes.iter().enumerate() {
            let (spec, activation) = self.layer(node, l, previous_outputs, &mut params)?;
            previous_outputs = Some(spec.outputs);
            specs.push(spec);
            activations.push(activation);
        }
        Ok(ModelFile { path: self.path.to_path_buf(), specs, params, activations })
    }

    fn layer(
        &self,
        node: &Node,
        l: usize,
        previous_outputs: Option<usize>,
        params: &mut Vec<f32>,
    ) -> Result<(LayerSpec, Pos), CliError> {
        let here = [Seg::Key("layers"), Seg::Index(l)];
        let what = "a layer {\"activation\": ..., \"weights\": [[...]], \"biases\": [...]}";
        let fields = self.members(node, &here, &["activation", "weights", "biases"], what)?;
        let (act_node, w_node, b_node) = (fields[0], fields[1], fields[2]);

        let act_segs = [here[0], here[1], Seg::Key("activation")];
        let activation = match &act_node.value {
            Value::String(name) => Activation::from_name(name).ok_or_else(|| {
                self.err(
                    act_node.pos,
                    &act_segs,
                    format!("unknown activation \"{}\"; expected one of {}", shorten(name, 40), names()),
                )
            })?,
            other => {
                return Err(self.err(
                    act_node.pos,
                    &act_segs,
                    format!("is {}, expected an activation name ({})", other.kind(), names()),
                ))
            }
        };

        let w_segs = [here[0], here[1], Seg::Key("weights")];
        let rows = self.array(w_node, &w_segs, "an array of rows, one per neuron")?;
        if rows.is_empty() {
            return Err(self.err(w_node.pos, &w_segs, "is empty; expected one row of weights per neuron"));
        }
        let mut inputs: Option<usize> = previous_outputs;
        let mut weights = Vec::new();
        for (j, row) in rows.iter().enumerate() {
            let row_segs = [here[0], here[1], Seg::Key("weights"), Seg::Index(j)];
            let values = self.array(row, &row_segs, "an array of weights, one per input")?;
            match inputs {
                None if values.is_empty() => {
                    return Err(self.err(row.pos, &row_segs, "is empty; expected one weight per input"))
                }
                None => inputs = Some(values.len()),
                Some(n) if n != values.len() => {
                    let why = match (j, previous_outputs) {
                        (0, Some(p)) => {
                            format!("layer {} has {p} neurons, so each row of layer {l} needs {p} weights", l - 1)
                        }
                        _ => format!("weights[0] has {n}, and every row needs one weight per input"),
                    };
                    return Err(self.err(
                        row.pos,
                        &row_segs,
                        format!("has {}, expected {n} ({why})", count(values.len(), "weight")),
                    ));
                }
                Some(_) => {}
            }
            for (i, v) in values.iter().enumerate() {
                let segs = [here[0], here[1], Seg::Key("weights"), Seg::Index(j), Seg::Index(i)];
                weights.push(self.number(v, &segs)?);
            }
            if weights.len() + params.len() > MAX_PARAMS {
                return Err(self.err(row.pos, &row_segs, format!("the model has more than {MAX_PARAMS} parameters")));
            }
        }
        let b_segs = [here[0], here[1], Seg::Key("biases")];
        let biases = self.array(b_node, &b_segs, "an array of biases, one per neuron")?;
        if biases.len() != rows.len() {
            return Err(self.err(
                b_node.pos,
                &b_segs,
                format!(
                    "has {}, expected {} (one per neuron: weights has {})",
                    count(biases.len(), "value"),
                    rows.len(),
                    count(rows.len(), "row")
                ),
            ));
        }
        params.extend_from_slice(&weights);
        for (j, v) in biases.iter().enumerate() {
            let segs = [here[0], here[1], Seg::Key("biases"), Seg::Index(j)];
            params.push(self.number(v, &segs)?);
        }
        Ok((LayerSpec::new(inputs.unwrap_or(0), rows.len(), activation), act_node.pos))
    }
}

fn names() -> String {
    Activation::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
}

/// `text`, or its first `max` characters and `…` when it is longer (for messages that
/// quote a file).
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Parses a decimal number straight to the nearest `f32`; refuses what does not fit.
pub fn parse_f32(text: &str) -> Result<f32, String> {
    let full = text.trim();
    let shown = shorten(full, 40);
    let t = shown.as_str();
    let v: f32 =
        full.parse().map_err(|_| format!("\"{t}\" is not a number; expected a decimal number such as 0.5 or -1e-3"))?;
    if v.is_nan() {
        return Err(format!("{t} is not a number; expected a finite number"));
    }
    if v.is_infinite() {
        let spelled_out = t.trim_start_matches(['+', '-']).to_ascii_lowercase();
        if spelled_out.starts_with("inf") {
            return Err(format!("{t} is not finite; expected a finite number"));
        }
        return Err(format!("{t} does not fit in f32; expected a magnitude of at most {:e}", f32::MAX));
    }
    Ok(v)
}

/// `1 value`, `2 values`.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `x` as JSON: the shortest text that reads back as the same `f32`.
pub fn json_f32(x: f32) -> String {
    serde_json::to_string(&x).unwrap_or_else(|_| "null".into())
}

/// The JSON text of a model: one row of weights per line.
pub fn to_json<M: Model + ?Sized>(model: &M) -> String {
    let row = |values: &[f32]| values.iter().map(|&v| json_f32(v)).collect::<Vec<_>>().join(", ");
    let mut s = format!("{{\n  \"format\": \"{FORMAT}\",\n  \"version\": {VERSION},\n  \"layers\": [\n");
    for l in 0..model.depth() {
        let spec = model.spec(l);
        let _ = writeln!(s, "    {{\n      \"activation\": \"{}\",\n      \"weights\": [", spec.activation.name());
        let rows: Vec<String> =
            model.weights(l).chunks(spec.inputs.max(1)).map(|r| format!("        [{}]", row(r))).collect();
        let _ = writeln!(s, "{}\n      ],", rows.join(",\n"));
        let _ = write!(s, "      \"biases\": [{}]\n    }}", row(model.biases(l)));
        s.push_str(if l + 1 < model.depth() { ",\n" } else { "\n" });
    }
    s.push_str("  ]\n}\n");
    s
}

/// Writes `model` to `path` as JSON, atomically.
pub fn save<M: Model + ?Sized>(path: &Path, model: &M) -> Result<(), CliError> {
    output::write_atomic(path, to_json(model).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<ModelFile, String> {
        ModelFile::from_json(Path::new("m.json"), text).map_err(|e| e.to_string())
    }

    const MAZUR: &str = r#"{"format": "nn-model", "version": 1, "layers": [
  {"activation": "sigmoid", "weights": [[0.15, 0.2], [0.25, 0.3]], "biases": [0.35, 0.35]},
  {"activation": "sigmoid", "weights": [[0.4, 0.45], [0.5, 0.55]], "biases": [0.6, 0.6]}]}"#;

    #[test]
    fn reads_and_writes_the_same_bits() {
        let m = load(MAZUR).unwrap();
        assert_eq!(m.shape(), "2-2-2");
        assert_eq!(m.params[..4], [0.15, 0.2, 0.25, 0.3]);
        let again = load(&to_json(&m.network().unwrap())).unwrap();
        assert_eq!(again.params, m.params);
        assert_eq!(again.specs, m.specs);
    }

    #[test]
    fn shape_errors_point_at_the_row() {
        let bad = MAZUR.replace("[[0.4, 0.45], [0.5, 0.55]]", "[[0.4, 0.45], [0.5, 0.55, 0.1]]");
        let e = load(&bad).unwrap_err();
        assert!(e.starts_with("m.json:3:54: layers[1].weights[1]: has 3 weights, expected 2"), "{e}");
        let bad = MAZUR.replace("[[0.4, 0.45], [0.5, 0.55]]", "[[0.4, 0.45, 1], [0.5, 0.55, 1]]");
        let e = load(&bad).unwrap_err();
        assert!(e.contains("layer 0 has 2 neurons"), "{e}");
        let bad = MAZUR.replace("[0.6, 0.6]", "[0.6]");
        assert!(load(&bad).unwrap_err().contains("layers[1].biases: has 1 value, expected 2"));
    }

    #[test]
    fn values_and_names_are_checked() {
        let e = load(&MAZUR.replace("0.15", "1e39")).unwrap_err();
        assert!(e.contains("layers[0].weights[0][0]: 1e39 does not fit in f32"), "{e}");
        let e = load(&MAZUR.replace("0.15", "\"x\"")).unwrap_err();
        assert!(e.contains("is a string, expected a number"), "{e}");
        let e = load(&MAZUR.replacen("sigmoid", "gelu", 1)).unwrap_err();
        assert!(e.starts_with("m.json:2:18: layers[0].activation: unknown activation \"gelu\""), "{e}");
        let e = load(&MAZUR.replace("\"version\": 1", "\"version\": 2")).unwrap_err();
        assert!(e.contains("version: is 2; this nn reads version 1"), "{e}");
        let e = load(&MAZUR.replace("nn-model", "keras")).unwrap_err();
        assert!(e.contains("format: is \"keras\""), "{e}");
        let e = load(&MAZUR.replace("\"biases\": [0.35, 0.35]", "\"bias\": [0.35, 0.35]")).unwrap_err();
        assert!(e.contains("unknown key \"bias\""), "{e}");
        assert!(load("[1, 2]").unwrap_err().contains("is an array, expected an object"));
    }

    #[test]
    fn loss_mismatch_names_the_output_activation() {
        let m = load(MAZUR).unwrap();
        let e = m.check_loss(Loss::SoftmaxCe).unwrap_err().to_string();
        assert_eq!(
            e,
            "m.json:3:18: layers[1].activation is sigmoid, but --loss softmax_ce needs a softmax output layer"
        );
        assert!(m.check_loss(Loss::Bce).is_ok());
    }

    #[test]
    fn parse_f32_is_correctly_rounded() {
        assert_eq!(parse_f32("0.1"), Ok(0.1f32));
        assert_eq!(parse_f32("16777217"), Ok(16_777_216.0));
        // Just above the midpoint of 1 and the next f32: decimal → f64 → f32 (serde_json's
        // f32) lands on the midpoint and rounds down to 1; one rounding gives the next f32.
        let above_midpoint = "1.00000005960464477539062501";
        assert_eq!(parse_f32(above_midpoint).map(f32::to_bits), Ok(0x3f80_0001));
        let m = load(&MAZUR.replacen("0.15", above_midpoint, 1)).unwrap();
        assert_eq!(m.params[0].to_bits(), 0x3f80_0001);
        assert!(parse_f32("inf").unwrap_err().contains("not finite"));
        assert!(parse_f32("NaN").is_err());
        assert!(parse_f32("3.5e38").unwrap_err().contains("does not fit in f32"));
    }
}
