//! Data files: CSV with a header row. The first `inputs` columns are the inputs; the
//! rest are the targets — one per model output, or, for `softmax_ce`, either one-hot
//! columns or a single integer class-label column. Lines starting with `#` are comments.
//! Every error names the file, the line and the 1-based character column of the cell,
//! and what was expected.

use std::path::{Path, PathBuf};

use nn_core::data::Samples;
use nn_core::Loss;

use crate::error::CliError;
use crate::model_file::{check_label, parse_f32, shorten, utf8_text, ModelFile, Scaling};
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
    /// The header's column names (column1, column2, … without a header row).
    pub header: Vec<String>,
    /// The names of the input columns, in file order.
    pub input_names: Vec<String>,
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
    /// The class names found in the label column when the model had none and they
    /// were inferred ([`Classes::Infer`]); `nn train` stores them in the model.
    pub classes: Option<Vec<String>>,
    /// The 1-based line of each data row in the file (for messages about a row).
    pub lines: Vec<usize>,
}

impl DataFile {
    /// The input scaling that standardises this data set's inputs: per input column, the
    /// mean and the population standard deviation of its rows, both summed in row order
    /// in f64 and rounded once to f32 (the same file gives the same bits on every
    /// machine). A column that does not vary gets scale 1 (`nn_core::scaling::guarded_scale`).
    pub fn standardize(&self) -> Result<Scaling, CliError> {
        let width = self.input_width.max(1);
        let n = self.len() as f64;
        let column = |i: usize| self.inputs.chunks_exact(width).map(move |row| f64::from(row[i]));
        let mean: Vec<f64> = (0..self.input_width).map(|i| column(i).sum::<f64>() / n).collect();
        let scale: Vec<f32> = (0..self.input_width)
            .map(|i| {
                let variance = column(i).map(|x| (x - mean[i]) * (x - mean[i])).sum::<f64>() / n;
                nn_core::scaling::guarded_scale(variance.sqrt() as f32)
            })
            .collect();
        let mean = mean.iter().map(|&m| m as f32).collect();
        Scaling::new(mean, scale)
            .map_err(|e| CliError::in_file(&self.path, format!("cannot standardize the inputs: {e}")))
    }

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

    /// Reads `path` and checks it against `model`.
    pub fn load(path: &Path, model: &ModelFile, targets: Targets) -> Result<Self, CliError> {
        Self::load_with(path, model, targets, &Columns::default(), Classes::FromModel)
    }

    /// [`load`](Self::load) with the columns chosen by `columns` and class names found
    /// per `classes`.
    pub fn load_with(
        path: &Path,
        model: &ModelFile,
        targets: Targets,
        columns: &Columns,
        classes: Classes,
    ) -> Result<Self, CliError> {
        let bytes = output::read_input(path)?;
        Self::from_bytes_with(path, &bytes, model, targets, columns, classes)
    }

    /// Checks a data file's contents against `model`; `path` is used in messages.
    /// Everything [`load`](Self::load) does after reading the file: the entry point of
    /// the `data_csv` fuzz target.
    pub fn from_bytes(path: &Path, bytes: &[u8], model: &ModelFile, targets: Targets) -> Result<Self, CliError> {
        Self::from_bytes_with(path, bytes, model, targets, &Columns::default(), Classes::FromModel)
    }

    /// [`from_bytes`](Self::from_bytes) with the columns chosen by `columns` and class
    /// names found per `classes`.
    pub fn from_bytes_with(
        path: &Path,
        bytes: &[u8],
        model: &ModelFile,
        targets: Targets,
        columns: &Columns,
        classes: Classes,
    ) -> Result<Self, CliError> {
        let text = utf8_text(path, bytes, "a CSV file with a header row")?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(CliError::in_file(path, "the file is empty; expected a header row and at least one data row"));
        }
        parse_with(path, text, model, targets, columns, classes)
    }

    /// The rows `rows` (0-based, each once), in that order, as a data set of their own.
    pub fn subset(&self, rows: &[usize]) -> DataFile {
        let pick = |values: &[f32], width: usize| -> Vec<f32> {
            rows.iter().flat_map(|&r| values.get(r * width..(r + 1) * width).unwrap_or(&[]).iter().copied()).collect()
        };
        DataFile {
            inputs: pick(&self.inputs, self.input_width),
            targets: pick(&self.targets, self.target_width),
            lines: rows.iter().filter_map(|&r| self.lines.get(r).copied()).collect(),
            ..self.clone()
        }
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

/// How the columns of a data file are read: `--no-header` and `--target`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct Columns {
    /// The file has no header row (UCI's `.data` files): every row is a sample, and the
    /// columns are named column1, column2, …
    #[arg(long)]
    pub no_header: bool,
    /// The target column(s), by header name or position from 1, comma-separated
    /// [default: the last columns]; the other columns are the inputs, in file order.
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub target: Vec<String>,
}

/// Where class names in a label column come from when the model stores none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classes {
    /// Only from the model: a model without names takes labels 0, 1, … (eval, predict).
    FromModel,
    /// From the data when the model has none and the labels are not 0, 1, …: the
    /// distinct labels, sorted (numerically when all are numbers), as scikit-learn's
    /// `LabelEncoder` does (train).
    Infer,
}

/// A label cell: its text and where it starts.
struct LabelCell {
    text: String,
    offset: usize,
}

/// Checks CSV `text` against `model` (a byte order mark already removed); `path` is
/// used in messages.
pub fn parse(path: &Path, text: &str, model: &ModelFile, want: Targets) -> Result<DataFile, CliError> {
    parse_with(path, text, model, want, &Columns::default(), Classes::FromModel)
}

/// [`parse`] with the columns chosen by `columns` and class names found per `classes`.
pub fn parse_with(
    path: &Path,
    text: &str,
    model: &ModelFile,
    want: Targets,
    columns: &Columns,
    classes: Classes,
) -> Result<DataFile, CliError> {
    let cells = Cells { text };
    let at = |offset: usize, message: String| {
        let (line, column) = cells.place(offset);
        CliError::at(path, line, column, message)
    };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).comment(Some(b'#')).from_reader(text.as_bytes());
    let mut rows: Vec<(csv::StringRecord, usize)> = Vec::new();
    loop {
        let mut record = csv::StringRecord::new();
        let more = reader.read_record(&mut record).map_err(|e| {
            let offset = e.position().map_or(0, |p| p.byte() as usize);
            at(offset, format!("cannot read the CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let start = record_start(text, record.position().map_or(0, |p| p.byte() as usize));
        rows.push((record, start));
    }
    let Some((first, first_start)) = rows.first() else {
        return Err(CliError::in_file(path, "the file has no rows; expected a header row and at least one data row"));
    };
    let first_start = *first_start;
    let (names, data_rows): (Vec<String>, &[(csv::StringRecord, usize)]) = if columns.no_header {
        ((1..=first.len()).map(|k| format!("column{k}")).collect(), &rows[..])
    } else {
        let names: Vec<String> = first.iter().map(|s| s.trim().to_string()).collect();
        if names.first().is_some_and(|n| n.starts_with(['{', '['])) {
            return Err(at(
                first_start,
                "this looks like JSON (a model file?); expected a CSV file with a header row".into(),
            ));
        }
        if let Some(k) = names.iter().position(|n| parse_f32(n).is_ok()) {
            let offset = cells.starts(first_start).get(k).copied().unwrap_or(first_start);
            return Err(at(
                offset,
                format!(
                    "the first row holds numbers ({}); expected a header row naming the columns (for example \
                     x1,x2,y), or --no-header for a file without one",
                    shorten(&names.join(","), 60)
                ),
            ));
        }
        (names, &rows[1..])
    };
    let (n_in, n_out) = (model.inputs(), model.outputs());
    let chosen = target_columns(&names, columns).map_err(|m| at(first_start, m))?;
    // A single target column of a one-output classifier holds class names when the
    // model has names or the first label is not a number.
    let named = model.meta.labels.is_some()
        || match (chosen.as_deref(), data_rows.first()) {
            (Some([k]), Some((r, _))) => r.get(*k).is_some_and(|c| parse_f32(c).is_err()),
            (None, Some((r, _))) => r.get(names.len().saturating_sub(1)).is_some_and(|c| parse_f32(c).is_err()),
            _ => false,
        };
    let layout = Layout::choose(&names, chosen.as_ref().map(Vec::len), model, want, (named, columns.no_header))
        .map_err(|m| at(first_start, m))?;
    let width = names.len();
    let targets = chosen.unwrap_or_else(|| (width - layout.columns(n_out, width - n_in).min(width)..width).collect());
    let order: Vec<usize> = (0..width).filter(|k| !targets.contains(k)).chain(targets.iter().copied()).collect();
    let mut data = DataFile {
        path: path.to_path_buf(),
        header: names.clone(),
        input_names: order.iter().take(n_in).filter_map(|&k| names.get(k).cloned()).collect(),
        inputs: Vec::new(),
        targets: Vec::new(),
        input_width: n_in,
        target_width: layout.target_width(n_out),
        labels: layout == Layout::Label,
        classes: None,
        lines: Vec::new(),
    };
    let mut label_cells: Vec<LabelCell> = Vec::new();
    let (mut line, mut line_from) = (1usize, 0usize);
    for (record, start) in data_rows {
        let start = *start;
        let starts = cells.starts(start);
        let cell_at = |k: usize| starts.get(k).copied().unwrap_or(start);
        if record.len() != width {
            let offset = if record.len() < width { cells.line_end(start) } else { cell_at(width) };
            let like = if columns.no_header { "the first row" } else { "the header" };
            return Err(at(
                offset,
                format!(
                    "the row has {} values, expected {width} like {like} ({})",
                    record.len(),
                    shorten(&names.join(","), 80)
                ),
            ));
        }
        let row = data.len() + 1;
        for (logical, &k) in order.iter().enumerate() {
            let cell = record.get(k).unwrap_or("");
            if logical >= n_in && matches!(layout, Layout::Label | Layout::IgnoredLabel) {
                if layout == Layout::Label {
                    label_cells.push(LabelCell { text: cell.trim().to_string(), offset: cell_at(k) });
                }
                continue;
            }
            let value = parse_f32(cell).map_err(|why| {
                let why = if cell.trim().is_empty() { "the cell is empty; expected a number".to_string() } else { why };
                at(cell_at(k), format!("{why} (column \"{}\", data row {row})", shorten(&names[k], 40)))
            })?;
            if logical < n_in {
                data.inputs.push(value);
            } else {
                push_target(&mut data, layout, want, value).map_err(|m| at(cell_at(k), m))?;
            }
        }
        if let (Layout::Targets, Targets::For(Loss::SoftmaxCe)) = (layout, want) {
            let row_targets = &data.targets[data.targets.len() - n_out..];
            let sum: f32 = row_targets.iter().sum();
            if (sum - 1.0).abs() > PROBABILITY_SUM_TOLERANCE {
                return Err(at(
                    cell_at(order[n_in]),
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
    if data.inputs.is_empty() {
        let (line, _) = cells.place(cells.line_end(first_start));
        return Err(CliError::at(
            path,
            line + 1,
            1,
            "the file has a header row but no data rows; expected at least one sample",
        ));
    }
    if layout == Layout::Label {
        let (indices, inferred) = class_indices(&label_cells, model, classes).map_err(|(o, m)| at(o, m))?;
        for class in indices {
            if n_out == 1 {
                data.targets.push(class as f32);
            } else {
                data.targets.extend((0..n_out).map(|k| if k == class { 1.0 } else { 0.0 }));
            }
        }
        data.classes = inferred;
    }
    Ok(data)
}

/// The file columns (0-based) that `--target` names, or `None` without `--target`.
fn target_columns(names: &[String], columns: &Columns) -> Result<Option<Vec<usize>>, String> {
    if columns.target.is_empty() {
        return Ok(None);
    }
    let mut chosen: Vec<usize> = Vec::with_capacity(columns.target.len());
    for spec in &columns.target {
        let spec = spec.trim();
        let k = match spec.parse::<usize>() {
            Ok(0) => return Err("--target 0: column positions start at 1".into()),
            Ok(p) if p > names.len() => {
                return Err(format!(
                    "--target {p}: the file has only {}",
                    crate::model_file::count(names.len(), "column")
                ))
            }
            Ok(p) => p - 1,
            Err(_) if columns.no_header => {
                return Err(format!(
                    "--target \"{}\": with --no-header the columns have no names; give positions from 1",
                    shorten(spec, 40)
                ))
            }
            Err(_) => names.iter().position(|n| n == spec).ok_or_else(|| {
                format!(
                    "--target \"{}\": no such column; the header has {}",
                    shorten(spec, 40),
                    shorten(&names.join(","), 80)
                )
            })?,
        };
        if chosen.contains(&k) {
            return Err(format!("--target names column {} (\"{}\") twice", k + 1, shorten(&names[k], 40)));
        }
        chosen.push(k);
    }
    Ok(Some(chosen))
}

/// Each label's class, and the names found in the data when they were inferred.
type Resolved = (Vec<usize>, Option<Vec<String>>);

/// Each label's class, and the names found in the data when they were inferred. On
/// failure, the offset of the cell to blame and the message.
fn class_indices(cells: &[LabelCell], model: &ModelFile, classes: Classes) -> Result<Resolved, (usize, String)> {
    let count = model.classes().unwrap_or(0);
    if let Some(names) = &model.meta.labels {
        let known = || shorten(&names.join(", "), 80);
        let indices = cells
            .iter()
            .map(|c| {
                names.iter().position(|n| *n == c.text).ok_or_else(|| {
                    (
                        c.offset,
                        format!(
                            "unknown class \"{}\"; expected one of the model's classes ({}) from {}",
                            shorten(&c.text, 40),
                            known(),
                            model.path.display()
                        ),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        return Ok((indices, None));
    }
    let index = |t: &str| t.parse::<usize>().ok().filter(|&k| k < count);
    if cells.iter().all(|c| index(&c.text).is_some()) {
        return Ok((cells.iter().filter_map(|c| index(&c.text)).collect(), None));
    }
    let numeric = cells.iter().all(|c| c.text.parse::<f64>().is_ok_and(f64::is_finite));
    let distinct = |cells: &[LabelCell]| {
        let mut seen: Vec<&str> = Vec::new();
        for c in cells {
            if !seen.contains(&c.text.as_str()) {
                seen.push(&c.text);
            }
        }
        seen.len()
    };
    // Numbers that are not 0..count and not count distinct classes are a wrong label.
    if classes == Classes::FromModel || (numeric && distinct(cells) != count) {
        let Some(bad) = cells.iter().find(|c| index(&c.text).is_none()) else { return Ok((Vec::new(), None)) };
        let message = if numeric {
            format!(
                "class label {} is not one of 0..{}; expected a whole number below the model's {count} classes",
                shorten(&bad.text, 40),
                count.saturating_sub(1)
            )
        } else {
            format!(
                "class \"{}\": {} stores no class names, so labels must be 0..{}; train it on text labels with \
                 `nn train` to store the names",
                shorten(&bad.text, 40),
                model.path.display(),
                count.saturating_sub(1)
            )
        };
        return Err((bad.offset, message));
    }
    let mut names: Vec<&str> = Vec::new();
    for c in cells {
        if !names.contains(&c.text.as_str()) {
            check_label(&c.text, &[]).map_err(|m| (c.offset, m))?;
            names.push(&c.text);
        }
    }
    if numeric {
        names.sort_by(|a, b| a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0)));
    } else {
        names.sort_unstable();
    }
    if names.len() != count {
        let offset = cells.first().map_or(0, |c| c.offset);
        let shown = shorten(&names.join(", "), 80);
        return Err((
            offset,
            format!(
                "the label column holds {} {} ({shown}), but the {} network in {} tells {count} apart",
                names.len(),
                if names.len() == 1 { "class" } else { "classes" },
                model.shape(),
                model.path.display()
            ),
        ));
    }
    let indices = cells.iter().filter_map(|c| names.iter().position(|n| *n == c.text)).collect();
    Ok((indices, Some(names.into_iter().map(str::to_string).collect())))
}

/// How the columns after the inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// No target columns.
    NoTargets,
    /// One column per output.
    Targets,
    /// One class-label column (a classifier), numbers from 0 or class names.
    Label,
    /// Target columns present but not needed (predict): read, checked as numbers, dropped.
    Ignored,
    /// A class-label column present but not needed (predict): dropped unread.
    IgnoredLabel,
}

impl Layout {
    fn target_width(self, outputs: usize) -> usize {
        match self {
            Layout::Targets | Layout::Label => outputs,
            Layout::NoTargets | Layout::Ignored | Layout::IgnoredLabel => 0,
        }
    }

    /// How many file columns the targets take (`extra`: the columns beyond the inputs).
    fn columns(self, outputs: usize, extra: usize) -> usize {
        match self {
            Layout::Targets => outputs,
            Layout::Label | Layout::IgnoredLabel => 1,
            Layout::Ignored => extra,
            Layout::NoTargets => 0,
        }
    }

    /// The layout of a file with `names` columns, `chosen` of them named by `--target`;
    /// `named`: a single label column holds class names; `no_header`: as `--no-header`.
    fn choose(
        names: &[String],
        chosen: Option<usize>,
        model: &ModelFile,
        want: Targets,
        (named, no_header): (bool, bool),
    ) -> Result<Layout, String> {
        let (n_in, n_out) = (model.inputs(), model.outputs());
        let columns = names.len();
        let classifier = model.classes().is_some();
        let targets = chosen.unwrap_or(columns.saturating_sub(n_in));
        let fits = columns == n_in + targets && chosen.is_none_or(|c| c <= columns);
        let layout = match want {
            _ if !fits => None,
            Targets::For(_) if targets == n_out && n_out == 1 && classifier && named => Some(Layout::Label),
            Targets::For(_) if targets == n_out => Some(Layout::Targets),
            Targets::For(_) if classifier && targets == 1 => Some(Layout::Label),
            Targets::For(_) => None,
            Targets::Optional if targets == 0 => Some(Layout::NoTargets),
            Targets::Optional if classifier && targets == 1 && (n_out > 1 || named) => Some(Layout::IgnoredLabel),
            Targets::Optional if targets == n_out || chosen.is_some() => Some(Layout::Ignored),
            Targets::Optional => None,
        };
        layout.ok_or_else(|| {
            let expected = match want {
                Targets::For(_) if classifier && n_out > 1 => {
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
            let given = match chosen {
                Some(c) => format!(", {} of them chosen by --target", crate::model_file::count(c, "target")),
                None => String::new(),
            };
            format!(
                "the {} has {} ({}){given}, expected {expected} for the {} network in {}{separator}",
                if no_header { "file" } else { "header" },
                crate::model_file::count(columns, "column"),
                shorten(&names.join(","), 80),
                model.shape(),
                model.path.display()
            )
        })
    }
}

fn push_target(data: &mut DataFile, layout: Layout, want: Targets, value: f32) -> Result<(), String> {
    if layout != Layout::Targets {
        return Ok(());
    }
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
