//! Model files: the JSON format people read and write, and nn-core's binary codec.
//!
//! ```json
//! {"format": "nn-model", "version": 1, "layers": [
//!   {"activation": "sigmoid", "weights": [[0.15, 0.2], [0.25, 0.3]], "biases": [0.35, 0.35]},
//!   {"activation": "sigmoid", "weights": [[0.4, 0.45], [0.5, 0.55]], "biases": [0.6, 0.6]}]}
//! ```
//!
//! Version 2 adds an optional `"labels"` key after the layers: the class names of a
//! classifier, one per output (two for a single sigmoid or step output: the names of
//! 0 and 1), so that `nn predict` and `nn eval` print names and read text labels:
//!
//! ```json
//! {"format": "nn-model", "version": 2, "layers": [...], "labels": ["setosa", "versicolor", "virginica"]}
//! ```
//!
//! Version 2 also adds an optional `"input_scaling"` key: the stage nn-core applies to
//! every input before the first layer, `(x − mean) / scale` (see `nn_core::scaling`),
//! one finite `mean` and one finite, positive `scale` per input (`nn train --standardize`
//! computes them from the training data):
//!
//! ```json
//! {"format": "nn-model", "version": 2, "layers": [...], "input_scaling": {"mean": [5.84, 3.05], "scale": [0.83, 0.43]}}
//! ```
//!
//! Version 1 files still read. A model is written as version 1 when it holds nothing of
//! version 2 (no labels, no scaling), so files stay readable by older `nn`; otherwise as
//! version 2.
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
use nn_core::{Activation, InputScaling, LayerSpec, Loss, Mlp, Model, Scaled, MAX_LAYERS};

use crate::error::CliError;
use crate::json::{self, Member, Node, Pos, Value};
use crate::output;

/// The value of the `format` key.
pub const FORMAT: &str = "nn-model";
/// The newest format version this program reads and writes (the last of [`VERSIONS`]).
pub const VERSION: u32 = 2;

/// A format version this program reads: its number and the keys of its top-level object,
/// which start with `format`, `version` and `layers` (required in every version); the
/// keys after the first `required` are optional and are read after the layers
/// ([`Meta`]). A later addition to version 2 appends its key to that row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// The value of the `version` key.
    pub number: u32,
    /// Every top-level key of a file of this version.
    pub keys: &'static [&'static str],
    /// How many of `keys`, from the first, every file must have.
    pub required: usize,
}

/// The versions this program reads, oldest first.
pub const VERSIONS: [Version; 2] = [
    Version { number: 1, keys: &["format", "version", "layers"], required: 3 },
    Version { number: 2, keys: &["format", "version", "layers", "labels", "input_scaling"], required: 3 },
];
/// Why a softmax layer needs two outputs or more.
pub const SOFTMAX_OF_ONE: &str =
    "softmax of a single output is always 1 and learns nothing; expected 2 or more outputs, or sigmoid for one";
/// Longest class name, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// What a model file holds beside the network (version 2 keys). Empty for version 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    /// Class names, one per output (two for a single sigmoid or step output).
    pub labels: Option<Vec<String>>,
    /// The input-scaling stage, one mean and one scale per input.
    pub scaling: Option<Scaling>,
}

/// The input-scaling stage of a model file, checked by nn-core.
pub type Scaling = InputScaling<Vec<f32>>;

impl Meta {
    /// The version a file holding this must have: 1 when nothing of version 2 is set.
    pub fn version(&self) -> u32 {
        if self.labels.is_some() || self.scaling.is_some() {
            2
        } else {
            1
        }
    }
}

/// How many classes a model with this output layer tells apart: the outputs of a
/// softmax or sigmoid layer with several outputs (the predicted class is the largest),
/// two for a single sigmoid or step output (thresholded at 0.5); `None` otherwise.
pub fn classes_of(activation: Activation, outputs: usize) -> Option<usize> {
    match (activation, outputs) {
        (Activation::Softmax | Activation::Sigmoid, n) if n > 1 => Some(n),
        (Activation::Sigmoid | Activation::Step, 1) => Some(2),
        _ => None,
    }
}
/// Most parameters a model file may hold (a guard against absurd allocations).
pub const MAX_PARAMS: usize = 50_000_000;

/// The layers of a runtime-shaped network.
pub type Layers = Mlp<Vec<LayerSpec>, Vec<f32>>;

/// The network every subcommand works on: its layers behind the model's input-scaling
/// stage, which is the identity (`(x − 0) / 1`, exactly `x`) for a model without one.
pub type Network = Scaled<Layers, Vec<f32>>;

/// `layers` behind the identity stage: a model without input scaling.
pub fn unscaled(layers: Layers) -> Result<Network, nn_core::Error> {
    let n = layers.inputs();
    Scaled::new(layers, InputScaling::new(vec![0.0; n], vec![1.0; n])?)
}

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
    /// Class names and other version 2 content.
    pub meta: Meta,
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
        // The decoder checked the stage's values; `Scaling::new` checks them again, which
        // costs less than a panic path.
        let scaling = if decoded.has_scaling() {
            let stage = Scaling::new(decoded.scaling_mean().collect(), decoded.scaling_scale().collect());
            Some(stage.map_err(|e| CliError::in_file(path, format!("not a valid nn-core binary model: {e}")))?)
        } else {
            None
        };
        let meta = Meta { scaling, ..Meta::default() };
        Ok(ModelFile { path: path.to_path_buf(), specs, params, meta, activations: Vec::new() })
    }

    /// A model made in memory (for writing); `path` is where it will go.
    pub fn new(path: &Path, specs: Vec<LayerSpec>, params: Vec<f32>) -> Self {
        ModelFile { path: path.to_path_buf(), specs, params, meta: Meta::default(), activations: Vec::new() }
    }

    /// The network behind its input-scaling stage, ready for nn-core.
    pub fn network(&self) -> Result<Network, CliError> {
        let invalid = |e: nn_core::Error| CliError::in_file(&self.path, format!("not a valid network: {e}"));
        let layers = Mlp::new(self.specs.clone(), self.params.clone()).map_err(invalid)?;
        match &self.meta.scaling {
            Some(stage) => Scaled::new(layers, stage.clone()).map_err(invalid),
            None => unscaled(layers).map_err(invalid),
        }
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

    /// How many classes the model tells apart, if it is a classifier ([`classes_of`]).
    pub fn classes(&self) -> Option<usize> {
        classes_of(self.output_activation(), self.outputs())
    }

    /// The name of class `k`: the stored label, or the number.
    pub fn class_name(&self, k: usize) -> String {
        match self.meta.labels.as_ref().and_then(|l| l.get(k)) {
            Some(name) => name.clone(),
            None => k.to_string(),
        }
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

    /// The members of an object with only the keys `allowed`, each once, the first
    /// `required` of them present; a missing key is reported at the object.
    fn members<'n, 'a>(
        &self,
        node: &'n Node<'a>,
        segs: &[Seg],
        (allowed, required): (&[&str], usize),
        what: &str,
    ) -> Result<Vec<Option<&'n Node<'a>>>, CliError> {
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
        if let Some(k) = found.iter().take(required).position(Option::is_none) {
            return Err(self.err(node.pos, segs, format!("missing the key \"{}\" in {what}", allowed[k])));
        }
        Ok(found)
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
        let top = self.members(root, &[], (version.keys, version.required), what)?;
        let Some(layers) = top[2] else { return Err(self.err(root.pos, &[], "missing the key \"layers\"")) };
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
        let mut meta = Meta::default();
        for (key, node) in version.keys.iter().zip(&top).skip(version.required) {
            match (*key, node) {
                ("labels", Some(node)) => meta.labels = Some(self.labels(node, &specs)?),
                ("input_scaling", Some(node)) => meta.scaling = Some(self.scaling(node, &specs)?),
                _ => {}
            }
        }
        Ok(ModelFile { path: self.path.to_path_buf(), specs, params, meta, activations })
    }

    /// `labels`: distinct, non-empty class names, as many as the output layer has classes.
    fn labels(&self, node: &Node, specs: &[LayerSpec]) -> Result<Vec<String>, CliError> {
        let segs = [Seg::Key("labels")];
        let items = self.array(node, &segs, "an array of class names")?;
        let last = specs.last().map_or(LayerSpec::new(0, 0, Activation::Identity), |s| *s);
        let Some(classes) = classes_of(last.activation, last.outputs) else {
            return Err(self.err(
                node.pos,
                &segs,
                format!(
                    "class names need a classifier's output layer (softmax or sigmoid, or a single step); this one \
                     is {} with {}",
                    last.activation.name(),
                    count(last.outputs, "output")
                ),
            ));
        };
        if items.len() != classes {
            let why = if last.outputs == 1 {
                "a single output tells 2 classes apart: the names of 0 and 1".to_string()
            } else {
                format!("one per output of the {} output layer", last.activation.name())
            };
            return Err(self.err(
                node.pos,
                &segs,
                format!("has {}, expected {classes} ({why})", count(items.len(), "name")),
            ));
        }
        let mut names: Vec<String> = Vec::with_capacity(items.len());
        for (k, item) in items.iter().enumerate() {
            let here = [segs[0], Seg::Index(k)];
            let name = match &item.value {
                Value::String(s) => s.to_string(),
                other => return Err(self.err(item.pos, &here, format!("is {}, expected a class name", other.kind()))),
            };
            if let Err(why) = check_label(&name, &names) {
                return Err(self.err(item.pos, &here, why));
            }
            names.push(name);
        }
        Ok(names)
    }

    /// `input_scaling`: `{"mean": [...], "scale": [...]}`, one finite mean and one finite,
    /// positive scale per input of the first layer.
    fn scaling(&self, node: &Node, specs: &[LayerSpec]) -> Result<Scaling, CliError> {
        let segs = [Seg::Key("input_scaling")];
        let what = "an object {\"mean\": [...], \"scale\": [...]}";
        let fields = self.members(node, &segs, (&["mean", "scale"], 2), what)?;
        let inputs = specs.first().map_or(0, |s| s.inputs);
        let mut columns = Vec::with_capacity(2);
        for (key, field) in ["mean", "scale"].into_iter().zip(fields) {
            let Some(field) = field else { return Err(self.err(node.pos, &segs, format!("expected {what}"))) };
            let here = [segs[0], Seg::Key(key)];
            let items = self.array(field, &here, "an array of numbers, one per input")?;
            if items.len() != inputs {
                return Err(self.err(
                    field.pos,
                    &here,
                    format!(
                        "has {}, expected {inputs} (one per input of the first layer)",
                        count(items.len(), "value")
                    ),
                ));
            }
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let at = [here[0], here[1], Seg::Index(i)];
                let v = self.number(item, &at)?;
                if key == "scale" && v <= 0.0 {
                    return Err(self.err(
                        item.pos,
                        &at,
                        format!("is {v}; a scale divides the input, expected a positive number"),
                    ));
                }
                values.push(v);
            }
            columns.push(values);
        }
        let (Some(scale), Some(mean)) = (columns.pop(), columns.pop()) else {
            return Err(self.err(node.pos, &segs, format!("expected {what}")));
        };
        InputScaling::new(mean, scale).map_err(|e| self.err(node.pos, &segs, e))
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
        let fields = self.members(node, &here, (&["activation", "weights", "biases"], 3), what)?;
        let (Some(act_node), Some(w_node), Some(b_node)) = (fields[0], fields[1], fields[2]) else {
            return Err(self.err(node.pos, &here, format!("expected {what}")));
        };

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
        if activation == Activation::Softmax && rows.len() == 1 {
            return Err(self.err(act_node.pos, &act_segs, SOFTMAX_OF_ONE));
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

/// Refuses a class name that is empty, too long, or already among `earlier`.
pub fn check_label(name: &str, earlier: &[String]) -> Result<(), String> {
    if name.trim().is_empty() {
        Err("a class name is empty; expected some text".into())
    } else if name.chars().count() > MAX_LABEL_CHARS {
        Err(format!("a class name is longer than {MAX_LABEL_CHARS} characters"))
    } else if name.trim() != name {
        Err(format!("the class name \"{}\" starts or ends with blanks", shorten(name, 40)))
    } else if earlier.iter().any(|e| e == name) {
        Err(format!("the class name \"{}\" appears twice", shorten(name, 40)))
    } else {
        Ok(())
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

/// The JSON text of a model without version 2 content: one row of weights per line.
pub fn to_json<M: Model + ?Sized>(model: &M) -> String {
    to_json_with(model, &Meta::default())
}

/// The JSON text of a model and what its file holds beside the network (the lowest
/// version that can hold it: see [`Meta::version`]).
pub fn to_json_with<M: Model + ?Sized>(model: &M, meta: &Meta) -> String {
    let row = |values: &[f32]| values.iter().map(|&v| json_f32(v)).collect::<Vec<_>>().join(", ");
    let version = meta.version();
    let mut s = format!("{{\n  \"format\": \"{FORMAT}\",\n  \"version\": {version},\n  \"layers\": [\n");
    for l in 0..model.depth() {
        let spec = model.spec(l);
        let _ = writeln!(s, "    {{\n      \"activation\": \"{}\",\n      \"weights\": [", spec.activation.name());
        let rows: Vec<String> =
            model.weights(l).chunks(spec.inputs.max(1)).map(|r| format!("        [{}]", row(r))).collect();
        let _ = writeln!(s, "{}\n      ],", rows.join(",\n"));
        let _ = write!(s, "      \"biases\": [{}]\n    }}", row(model.biases(l)));
        s.push_str(if l + 1 < model.depth() { ",\n" } else { "\n" });
    }
    s.push_str("  ]");
    if let Some(stage) = &meta.scaling {
        let _ = write!(
            s,
            ",\n  \"input_scaling\": {{\n    \"mean\": [{}],\n    \"scale\": [{}]\n  }}",
            row(stage.mean()),
            row(stage.scale())
        );
    }
    if let Some(labels) = &meta.labels {
        let names: Vec<String> =
            labels.iter().map(|l| serde_json::to_string(l).unwrap_or_else(|_| "\"\"".into())).collect();
        let _ = write!(s, ",\n  \"labels\": [{}]", names.join(", "));
    }
    s.push_str("\n}\n");
    s
}

/// Writes `model` to `path` as JSON, atomically.
pub fn save<M: Model + ?Sized>(path: &Path, model: &M) -> Result<(), CliError> {
    save_with(path, model, &Meta::default())
}

/// Writes `model` and `meta` to `path` as JSON, atomically.
pub fn save_with<M: Model + ?Sized>(path: &Path, model: &M, meta: &Meta) -> Result<(), CliError> {
    output::write_atomic(path, to_json_with(model, meta).as_bytes())
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
        let e = load(&MAZUR.replace("\"version\": 1", "\"version\": 3")).unwrap_err();
        assert!(e.contains("version: is 3; this nn reads version 1, 2"), "{e}");
        let e = load(&MAZUR.replace("]}]}", "]}], \"labels\": [\"a\", \"b\"]}")).unwrap_err();
        assert!(e.contains("unknown key \"labels\"; expected only format, version, layers"), "{e}");
        let one = r#"{"format": "nn-model", "version": 1, "layers": [{"activation": "softmax", "weights": [[1]], "biases": [0]}]}"#;
        let e = load(one).unwrap_err();
        assert!(e.starts_with("m.json:1:64: layers[0].activation: softmax of a single output is always 1"), "{e}");
        let e = load(&MAZUR.replace("nn-model", "keras")).unwrap_err();
        assert!(e.contains("format: is \"keras\""), "{e}");
        let e = load(&MAZUR.replace("\"biases\": [0.35, 0.35]", "\"bias\": [0.35, 0.35]")).unwrap_err();
        assert!(e.contains("unknown key \"bias\""), "{e}");
        assert!(load("[1, 2]").unwrap_err().contains("is an array, expected an object"));
    }

    #[test]
    fn version_2_carries_class_names() {
        let v2 = MAZUR.replace("\"version\": 1", "\"version\": 2");
        let m = load(&v2.replace("]}]}", "]}], \"labels\": [\"cat\", \"dog\"]}")).unwrap();
        assert_eq!(m.meta.labels, Some(vec!["cat".to_string(), "dog".to_string()]));
        assert_eq!(m.class_name(1), "dog");
        let text = to_json_with(&m.network().unwrap(), &m.meta);
        assert!(text.contains("\"version\": 2") && text.ends_with("\"labels\": [\"cat\", \"dog\"]\n}\n"), "{text}");
        let again = load(&text).unwrap();
        assert_eq!((&again.meta, &again.params), (&m.meta, &m.params));
        assert!(load(&v2).unwrap().meta.labels.is_none());
        assert!(to_json(&m.network().unwrap()).contains("\"version\": 1"));
        for (labels, expected) in [
            ("[\"a\"]", "labels: has 1 name, expected 2 (one per output of the sigmoid output layer)"),
            ("[\"a\", \"a\"]", "labels[1]: the class name \"a\" appears twice"),
            ("[\"a\", \"\"]", "labels[1]: a class name is empty"),
            ("[\"a\", 1]", "labels[1]: is a number, expected a class name"),
            ("\"a\"", "labels: is a string, expected an array of class names"),
        ] {
            let e = load(&v2.replace("]}]}", &format!("]}}], \"labels\": {labels}}}"))).unwrap_err();
            assert!(e.contains(expected), "{labels}: {e}");
        }
    }

    #[test]
    fn version_2_carries_input_scaling_and_applies_it() {
        let v2 = MAZUR.replace("\"version\": 1", "\"version\": 2");
        let m =
            load(&v2.replace("]}]}", "]}], \"input_scaling\": {\"mean\": [1, -0.5], \"scale\": [2, 0.25]}}")).unwrap();
        let stage = m.meta.scaling.as_ref().unwrap();
        assert_eq!((stage.mean(), stage.scale()), (&[1.0, -0.5][..], &[2.0, 0.25][..]));
        let text = to_json_with(&m.network().unwrap(), &m.meta);
        assert!(text.contains("\"version\": 2") && text.contains("\"mean\": [1.0, -0.5]"), "{text}");
        assert_eq!(load(&text).unwrap().meta, m.meta);
        // The stage is applied: the scaled model on x is the bare one on (x − mean) / scale.
        let plain = load(MAZUR).unwrap().network().unwrap();
        let (mut s1, mut s2) = (vec![0.0; m.network().unwrap().scratch_len()], vec![0.0; plain.scratch_len()]);
        let scaled = nn_core::forward(&m.network().unwrap(), &[3.0, 0.0], &mut s1).unwrap().to_vec();
        assert_eq!(scaled, nn_core::forward(&plain, &[1.0, 2.0], &mut s2).unwrap());
        // Without a stage the network's identity stage changes no bit, and the file stays version 1.
        assert_eq!(plain.input_scaling().map(|s| s.scale().to_vec()), Some(vec![1.0, 1.0]));
        assert!(to_json(&plain).contains("\"version\": 1"));
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
