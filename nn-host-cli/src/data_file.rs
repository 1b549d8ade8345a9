//! Data files: CSV with a header row. The first `inputs` columns are the inputs; the
//! rest are the targets — one per model output, or, for `softmax_ce`, either one-hot
//! columns or a single integer class-label column. Lines starting with `#` are comments.
//! Every error names the file, the line and the 1-based character column of the cell,
//! and what was expected.

use std::path::{Path, PathBuf};

use nn_core::data::Samples;
use nn_core::{Activation, Loss};

use crate::error::CliError;
use crate::model_file::{parse_f32, shorten, utf8_text, ModelFile};
use crate::output;

/// Tolerance on the sum of a row of `softmax_ce` probability targets.
const PROBABILITY_SUM_TOLERANCE: f32 = 1e-3;

/// What a command needs from the target columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Targets {
    /// Targets for this loss (train, eval, gradcheck, hessian).
    For(Loss),
    /// Targets if present (predict): input columns alone are accepted too.
    Optional,
}

/// A loaded data set, checked against a model.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Where it came from.
    pub path: PathBuf,
    /// The header's column names.
    pub header: Vec<String>,
    /// Input rows, `input_width` values each.
    pub inputs: Vec<f32>,
    /// Target rows, `target_width` values each (class labels expanded to one-hot); empty
    /// when the file has no target columns.
    pub targets: Vec<f32>,
    /// Values per input row.
    pub input_width: usize,
    /// Values per target row (0 without targets).
    pub target_width: usize,
    /// Whether the targets came from a class-label column.
    pub labels: bool,
    /// The 1-based line of each data row in the file (for messages about a row).
    pub lines: Vec<usize>,
}

impl DataFile {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.inputs.len() / self.input_width.max(1)
    }

    /// True when there are no samples (never, for a loaded file).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the file has target columns.
    pub fn has_targets(&self) -> bool {
        self.target_width > 0
    }

    /// The samples as nn-core sees them.
    pub fn samples(&self) -> Result<Samples<'_>, CliError> {
        Samples::new(&self.inputs, self.input_width, &self.targets, self.target_width)
            .map_err(|e| CliError::in_file(&self.path, format!("the data do not fit the model: {e}")))
    }

    /// Names of the target columns (the header's, or `class` expanded for labels).
    pub fn target_names(&self) -> Vec<String> {
        if self.labels || !self.has_targets() {
            return (1..=self.target_width.max(1)).map(|k| format!("output{k}")).collect();
        }
        self.header[self.input_width..].to_vec()
    }

    /// Reads `path` and checks it against `model`.
    pub fn load(path: &Path, model: &ModelFile, targets: Targets) -> Result<Self, CliError> {
        let bytes = output::read_input(path)?;
        Self::from_bytes(path, &bytes, model, targets)
    }

    /// Checks a data file's contents against `model`; `path` is used in messages.
    /// Everything [`load`](Self::load) does after reading the file: the entry point of
    /// the `data_csv` fuzz target.
    pub fn from_bytes(path: &Path, bytes: &[u8], model: &ModelFile, targets: Targets) -> Result<Self, CliError> {
        let text = utf8_text(path, bytes, "a CSV file with a header row")?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(CliError::in_file(path, "the file is empty; expected a header row and at least one data row"));
        }
        parse(path, text, model, targets)
    }

    /// `file:line` of data row `row` (0-based), or just `file` when unknown.
    pub fn place(&self, row: usize) -> String {
        match self.lines.get(row) {
            Some(line) => format!("{}:{line}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }
}

/// Line breaks in `text`: `\n`, `\r\n`, or a lone `\r` (old Mac files), as the CSV
/// reader counts them.
fn line_breaks(text: &str) -> usize {
    let b = text.as_bytes();
    b.iter().enumerate().filter(|&(i, &c)| c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n'))).count()
}

/// Where the record the reader placed at `at` really starts: the reader places it where
/// it began looking, which can be the `\n` of a `\r\n`, a blank line or a comment line.
fn record_start(text: &str, at: usize) -> usize {
    let mut at = at;
    loop {
        let Some(rest) = text.get(at..) else { return at };
        let skipped = rest.trim_start_matches(['\r', '\n']);
        at += rest.len() - skipped.len();
        if !skipped.starts_with('#') {
            return at;
        }
        match skipped.find(['\r', '\n']) {
            Some(end) => at += end,
            None => return text.len(),
        }
    }
}

/// Where a cell starts: 1-based line and character column.
struct Cells<'t> {
    text: &'t str,
}

impl Cells<'_> {
    /// Byte offsets where each field of the record starting at `start` begins.
    fn starts(&self, start: usize) -> Vec<usize> {
        let b = self.text.as_bytes();
        let mut starts = vec![start];
        let mut quoted = false;
        let mut i = start;
        while i < b.len() {
            match (quoted, b[i]) {
                (true, b'"') if b.get(i + 1) == Some(&b'"') => i += 1,
                (true, b'"') => quoted = false,
                (false, b'"') => quoted = true,
                (false, b',') => starts.push(i + 1),
                (false, b'\n' | b'\r') => break,
                _ => {}
            }
            i += 1;
        }
        starts
    }

    /// End of the record's first line (for "the row is short" errors).
    fn line_end(&self, start: usize) -> usize {
        self.text[start..].find(['\n', '\r']).map_or(self.text.len(), |n| start + n)
    }

    /// 1-based line and character column of byte `offset`.
    fn place(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = line_breaks(before) + 1;
        let line_start = before.rfind(['\n', '\r']).map_or(0, |n| n + 1);
        (line, before[line_start..].chars().count() + 1)
    }
}

/// Checks CSV `text` against `model` (a byte order mark already removed); `path` is
/// used in messages.
pub fn parse(path: &Path, text: &str, model: &ModelFile, want: Targets) -> Result<DataFile, CliError> {
    let cells = Cells { text };
    let at = |offset: usize, message: String| {
        let (line, column) = cells.place(offset);
        CliError::at(path, line, column, message)
    };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).comment(Some(b'#')).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut header: Option<(Vec<String>, usize)> = None;
    let (n_in, n_out) = (model.inputs(), model.outputs());
    let mut layout: Option<Layout> = None;
    let (mut line, mut line_from) = (1usize, 0usize);
    let mut data = DataFile {
        path: path.to_path_buf(),
        header: Vec::new(),
        inputs: Vec::new(),
        targets: Vec::new(),
        input_width: n_in,
        target_width: 0,
        labels: false,
        lines: Vec::new(),
    };
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let offset = e.position().map_or(0, |p| p.byte() as usize);
            at(offset, format!("cannot read the CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let start = record_start(text, record.position().map_or(0, |p| p.byte() as usize));
        let starts = cells.starts(start);
        let cell_at = |k: usize| starts.get(k).copied().unwrap_or(start);
        let Some((names, _)) = &header else {
            let names: Vec<String> = record.iter().map(|s| s.trim().to_string()).collect();
            if names.first().is_some_and(|n| n.starts_with(['{', '['])) {
                return Err(at(
                    start,
                    "this looks like JSON (a model file?); expected a CSV file with a header row".into(),
                ));
            }
            if names.iter().all(|n| parse_f32(n).is_ok()) {
                return Err(at(
                    start,
                    "the first row holds numbers; expected a header row naming the columns (for example x1,x2,y)"
                        .into(),
                ));
            }
            let l = Layout::choose(&names, model, want).map_err(|m| at(start, m))?;
            data.target_width = l.target_width(n_out);
            data.labels = l == Layout::Label;
            layout = Some(l);
            header = Some((names, start));
            continue;
        };
        let columns = names.len();
        if record.len() != columns {
            let offset = if record.len() < columns { cells.line_end(start) } else { cell_at(columns) };
            return Err(at(
                offset,
                format!(
                    "the row has {} values, expected {columns} like the header ({})",
                    record.len(),
                    names.join(",")
                ),
            ));
        }
        let row = data.len() + 1;
        for (k, cell) in record.iter().enumerate() {
            let value = parse_f32(cell).map_err(|why| {
                let why = if cell.trim().is_empty() { "the cell is empty; expected a number".to_string() } else { why };
                at(cell_at(k), format!("{why} (column \"{}\", data row {row})", names[k]))
            })?;
            if k < n_in {
                data.inputs.push(value);
            } else {
                push_target(&mut data, layout, want, n_out, value, cell).map_err(|m| at(cell_at(k), m))?;
            }
        }
        if let (Some(Layout::Targets), Targets::For(Loss::SoftmaxCe)) = (layout, want) {
            let row_targets = &data.targets[data.targets.len() - n_out..];
            let sum: f32 = row_targets.iter().sum();
            if (sum - 1.0).abs() > PROBABILITY_SUM_TOLERANCE {
                return Err(at(
                    cell_at(n_in),
                    format!(
                        "the targets of data row {row} sum to {}; softmax_ce needs one-hot or probability targets that sum to 1",
                        output::sig32(sum)
                    ),
                ));
            }
        }
        // Lines counted from the previous row on, so a long file stays linear.
        line += text.get(line_from..start).map_or(0, line_breaks);
        line_from = start;
        data.lines.push(line);
    }
    let Some((names, header_start)) = header else {
        return Err(CliError::in_file(path, "the file has no rows; expected a header row and at least one data row"));
    };
    if data.inputs.is_empty() {
        let (line, _) = cells.place(cells.line_end(header_start));
        return Err(CliError::at(
            path,
            line + 1,
            1,
            "the file has a header row but no data rows; expected at least one sample",
        ));
    }
    data.header = names;
    Ok(data)
}

/// How the columns after the inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// No target columns.
    NoTargets,
    /// One column per output.
    Targets,
    /// One integer class-label column (softmax outputs).
    Label,
    /// Target columns present but not needed (predict): read, checked as numbers, dropped.
    Ignored,
}

impl Layout {
    fn target_width(self, outputs: usize) -> usize {
        match self {
            Layout::Targets | Layout::Label => outputs,
            Layout::NoTargets | Layout::Ignored => 0,
        }
    }

    fn choose(names: &[String], model: &ModelFile, want: Targets) -> Result<Layout, String> {
        let (n_in, n_out) = (model.inputs(), model.outputs());
        let columns = names.len();
        let softmax = model.output_activation() == Activation::Softmax && n_out > 1;
        let layout = match want {
            Targets::For(_) if columns == n_in + n_out => Some(Layout::Targets),
            Targets::For(Loss::SoftmaxCe) if softmax && columns == n_in + 1 => Some(Layout::Label),
            Targets::For(_) => None,
            Targets::Optional if columns == n_in => Some(Layout::NoTargets),
            Targets::Optional if columns == n_in + n_out || (softmax && columns == n_in + 1) => Some(Layout::Ignored),
            Targets::Optional => None,
        };
        layout.ok_or_else(|| {
            let expected = match want {
                Targets::For(Loss::SoftmaxCe) if softmax => {
                    format!(
                        "{} ({n_in} inputs, then {n_out} one-hot targets) or {} (inputs, then a class label)",
                        n_in + n_out,
                        n_in + 1
                    )
                }
                Targets::For(_) => {
                    let s = if n_out == 1 { "" } else { "s" };
                    format!("{} ({n_in} inputs, then {n_out} target{s})", n_in + n_out)
                }
                Targets::Optional => format!("{n_in} (the inputs) or {} (inputs and targets)", n_in + n_out),
            };
            // A file split on another character reads as one column.
            let separator = match names {
                [only] if only.contains(';') => "; columns are separated by commas, not semicolons",
                [only] if only.contains('\t') => "; columns are separated by commas, not tabs",
                _ => "",
            };
            format!(
                "the header has {} ({}), expected {expected} for the {} network in {}{separator}",
                crate::model_file::count(columns, "column"),
                shorten(&names.join(","), 80),
                model.shape(),
                model.path.display()
            )
        })
    }
}

fn push_target(
    data: &mut DataFile,
    layout: Option<Layout>,
    want: Targets,
    n_out: usize,
    value: f32,
    cell: &str,
) -> Result<(), String> {
    match layout {
        Some(Layout::Label) => {
            // Judged on the decimal as written: 1e-50 rounds to the f32 0 but is no class.
            let whole = cell.trim().parse::<f64>().is_ok_and(|v| v.fract() == 0.0);
            let ok = whole && value >= 0.0 && value.fract() == 0.0 && (value as usize) < n_out;
            if !ok {
                return Err(format!(
                    "class label {} is not one of 0..{}; expected a whole number below the model's {n_out} outputs",
                    cell.trim(),
                    n_out - 1
                ));
            }
            let class = value as usize;
            data.targets.extend((0..n_out).map(|k| if k == class { 1.0 } else { 0.0 }));
        }
        Some(Layout::Targets) => {
            if let Targets::For(loss @ (Loss::Bce | Loss::SoftmaxCe)) = want {
                if !(0.0..=1.0).contains(&value) {
                    return Err(format!(
                        "target {} is outside [0, 1]; {} needs probabilities as targets",
                        output::sig32(value),
                        loss.name()
                    ));
                }
            }
            data.targets.push(value);
        }
        Some(Layout::NoTargets | Layout::Ignored) | None => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> ModelFile {
        ModelFile::from_json(Path::new("m.json"), text).unwrap()
    }

    fn xor() -> ModelFile {
        model(
            r#"{"format": "nn-model", "version": 1, "layers": [
            {"activation": "sigmoid", "weights": [[1, 2], [3, 4]], "biases": [0, 0]},
            {"activation": "sigmoid", "weights": [[1, 1]], "biases": [0]}]}"#,
        )
    }

    fn classifier() -> ModelFile {
        model(
            r#"{"format": "nn-model", "version": 1, "layers": [
            {"activation": "softmax", "weights": [[1, 2], [3, 4], [5, 6]], "biases": [0, 0, 0]}]}"#,
        )
    }

    fn load(text: &str, m: &ModelFile, t: Targets) -> Result<DataFile, String> {
        parse(Path::new("d.csv"), text, m, t).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_inputs_and_targets() {
        let d = load("# xor\nx1,x2,y\n0,0,0\n0,1,1\n", &xor(), Targets::For(Loss::Mse)).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d.inputs, [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(d.targets, [0.0, 1.0]);
        let p = load("x1,x2\n0.5,2\n", &xor(), Targets::Optional).unwrap();
        assert!(!p.has_targets());
    }

    #[test]
    fn labels_become_one_hot() {
        let d = load("a,b,class\n1,2,2\n3,4,0\n", &classifier(), Targets::For(Loss::SoftmaxCe)).unwrap();
        assert_eq!(d.targets, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
        let e = load("a,b,class\n1,2,3\n", &classifier(), Targets::For(Loss::SoftmaxCe)).unwrap_err();
        assert!(e.starts_with("d.csv:2:5: class label 3 is not one of 0..2"), "{e}");
        let e = load("a,b,p,q,r\n1,2,0.5,0.2,0.2\n", &classifier(), Targets::For(Loss::SoftmaxCe)).unwrap_err();
        assert!(e.starts_with("d.csv:2:5: the targets of data row 1 sum to 0.9"), "{e}");
    }

    /// A bad file and how its message starts (target checks read the file for bce).
    const BAD_CELLS: [(&str, &str); 11] = [
        ("x1,x2,y\n0,0,0\n0, abc,1\n", "d.csv:3:3: \"abc\" is not a number; expected a decimal number"),
        ("x1,x2,y\n0,1e39,0\n", "d.csv:2:3: 1e39 does not fit in f32"),
        ("x1,x2,y\n0,inf,0\n", "d.csv:2:3: inf is not finite"),
        ("x1,x2,y\n0,,0\n", "d.csv:2:3: the cell is empty"),
        ("x1,x2,y\n0,1\n", "d.csv:2:4: the row has 2 values, expected 3"),
        ("x1,x2,y\n0,1,1,7\n", "d.csv:2:7: the row has 4 values"),
        ("x1,x2,y\n", "d.csv:2:1: the file has a header row but no data rows"),
        ("0,1,1\n", "d.csv:1:1: the first row holds numbers"),
        ("x1,y\n0,1\n", "d.csv:1:1: the header has 2 columns (x1,y), expected 3 (2 inputs, then 1 target)"),
        ("x1,x2,y\n0,1,-1\n", "d.csv:2:5: target -1 is outside [0, 1]"),
        ("x1,x2,y\n0,1,2\n", "d.csv:2:5: target 2 is outside [0, 1]"),
    ];

    #[test]
    fn bad_cells_are_located() {
        let m = xor();
        for (text, expected) in BAD_CELLS {
            let targets = if expected.contains("target") { Targets::For(Loss::Bce) } else { Targets::For(Loss::Mse) };
            let e = load(text, &m, targets).unwrap_err();
            assert!(e.starts_with(expected), "{text:?}: {e}");
        }
        let e = load("x1,x2,y\n0,0,0\n0, abc,1\n", &m, Targets::For(Loss::Mse)).unwrap_err();
        assert!(e.ends_with("(column \"x2\", data row 2)"), "{e}");
    }
}
