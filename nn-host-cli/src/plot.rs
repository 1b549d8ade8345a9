//! Loss curves: a PNG or SVG file, chosen by the name's extension, and a small text
//! chart for the terminal. Both use a logarithmic loss axis, where training curves are
//! easiest to read.
//!
//! PNG uses plotters' bitmap backend, with its text drawn by `ab_glyph` from a font
//! bundled in the binary (DejaVu Sans Mono, `assets/`, under the Bitstream Vera licence)
//! and the image encoded by the `png` crate: no system font or image library is
//! involved. SVG uses plotters' SVG backend with the same font for measuring text.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::error::CliError;
use crate::output;

/// Most points drawn per series (longer runs are thinned evenly, keeping the last).
const MAX_POINTS: usize = 2000;

/// One curve: a name and a loss per epoch (epoch 1 first).
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// The legend entry.
    pub name: &'a str,
    /// Loss per epoch.
    pub losses: &'a [f32],
}

/// Positive values for a log axis: zeros and negatives are lifted to `floor`.
fn lifted(values: &[f32], floor: f64) -> impl Iterator<Item = f64> + '_ {
    values.iter().map(move |&v| if f64::from(v) > floor { f64::from(v) } else { floor })
}

/// The range of the log axis over every series: (floor, top).
fn log_range(series: &[Series]) -> (f64, f64) {
    let finite = series.iter().flat_map(|s| s.losses.iter()).map(|&v| f64::from(v)).filter(|v| v.is_finite());
    let smallest_positive = finite.clone().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min);
    let largest = finite.fold(0.0f64, f64::max);
    let floor = if smallest_positive.is_finite() { smallest_positive } else { 1e-12 };
    let top = if largest > floor { largest } else { floor * 10.0 };
    (floor, top)
}

/// Every `step`-th index and the last, so that at most [`MAX_POINTS`] remain.
fn thinned(n: usize) -> Vec<usize> {
    let step = n.div_ceil(MAX_POINTS).max(1);
    let mut idx: Vec<usize> = (0..n).step_by(step).collect();
    if n > 0 && idx.last() != Some(&(n - 1)) {
        idx.push(n - 1);
    }
    idx
}

/// The picture's size in pixels.
const SIZE: (u32, u32) = (900, 520);
/// The font every plot's text is drawn with.
const FONT: &[u8] = include_bytes!("../assets/DejaVuSansMono.ttf");

/// Makes the bundled font plotters' `sans-serif` (once per process).
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
                .map_err(|_| "the bundled font cannot be read".to_string())
        })
        .clone()
}

/// The file formats `--plot` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A bitmap, for a name ending in `.png`.
    Png,
    /// A vector drawing, for a name ending in `.svg`.
    Svg,
}

impl Format {
    /// The format named by `path`'s extension (either case), or bad input.
    pub fn of(path: &Path) -> Result<Format, CliError> {
        match path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => {
                Err(CliError::in_file(path, "a plot is written as PNG or SVG; expected a name ending in .png or .svg"))
            }
        }
    }
}

/// The SVG text of a loss plot.
pub fn loss_svg_text(title: &str, series: &[Series]) -> Result<String, String> {
    let mut svg = String::new();
    draw(SVGBackend::with_string(&mut svg, SIZE).into_drawing_area(), title, series)?;
    Ok(svg)
}

/// The PNG bytes of a loss plot.
pub fn loss_png_bytes(title: &str, series: &[Series]) -> Result<Vec<u8>, String> {
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    draw(BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area(), title, series)?;
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Draws the curves of `series` on `root`.
fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, title: &str, series: &[Series]) -> Result<(), String> {
    register_font()?;
    let (floor, top) = log_range(series);
    let epochs = series.iter().map(|s| s.losses.len()).max().unwrap_or(1).max(2) as f64;
    {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(1.0..epochs, (floor * 0.8..top * 1.25).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss (log scale)")
            .y_label_formatter(&|v| output::sig(*v, 3))
            .x_label_formatter(&|v| output::sig(*v, 6))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, s) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let values: Vec<f64> = lifted(s.losses, floor).collect();
            let points = thinned(values.len()).into_iter().map(|k| ((k + 1) as f64, values[k]));
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes a loss plot to `path` (atomically), as PNG or SVG by its extension.
pub fn loss_plot(path: &Path, title: &str, series: &[Series]) -> Result<(), CliError> {
    let bytes = match Format::of(path)? {
        Format::Png => loss_png_bytes(title, series),
        Format::Svg => loss_svg_text(title, series).map(String::into_bytes),
    }
    .map_err(|e| CliError::in_file(path, format!("cannot draw the plot: {e}")))?;
    output::write_atomic(path, &bytes)
}

/// A text chart of one loss curve, `height` rows of `width` columns, log scale, with the
/// axis values on the left.
pub fn text_chart(losses: &[f32], width: usize, height: usize) -> Vec<String> {
    if losses.is_empty() || width < 2 || height < 2 {
        return Vec::new();
    }
    let (floor, top) = log_range(&[Series { name: "", losses }]);
    let (lo, hi) = (floor.log10(), top.log10().max(floor.log10() + 1e-9));
    let values: Vec<f64> = lifted(losses, floor).collect();
    let mut grid = vec![vec![' '; width]; height];
    for (c, column) in (0..width).enumerate() {
        let k = column * (values.len() - 1) / (width - 1);
        let frac = (values[k].log10() - lo) / (hi - lo);
        let row = ((1.0 - frac) * (height - 1) as f64).round().clamp(0.0, (height - 1) as f64) as usize;
        grid[row][c] = '•';
    }
    let label = |v: f64| format!("{:>10}", output::sig(v, 3));
    grid.into_iter()
        .enumerate()
        .map(|(r, row)| {
            let axis = if r == 0 {
                label(top)
            } else if r == height - 1 {
                label(floor)
            } else {
                " ".repeat(10)
            };
            format!("{axis} │{}", row.into_iter().collect::<String>())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_the_curve_and_legend() {
        let losses: Vec<f32> = (0..5000).map(|k| 1.0 / (1.0 + k as f32)).collect();
        let svg = loss_svg_text(
            "test",
            &[Series { name: "xor", losses: &losses }, Series { name: "zero", losses: &[0.0, 0.0] }],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("xor") && svg.contains("polyline"));
    }

    #[test]
    fn png_is_a_png_and_the_format_follows_the_name() {
        let png = loss_png_bytes("test", &[Series { name: "training loss", losses: &[1.0, 0.5, 0.25] }]).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{:?}", &png[..8]);
        assert_eq!(Format::of(Path::new("a/loss.PNG")).unwrap(), Format::Png);
        assert_eq!(Format::of(Path::new("loss.svg")).unwrap(), Format::Svg);
        let e = Format::of(Path::new("loss.pdf")).unwrap_err().to_string();
        assert!(e.starts_with("loss.pdf: a plot is written as PNG or SVG"), "{e}");
    }

    #[test]
    fn text_chart_falls_from_top_left_to_bottom_right() {
        let losses: Vec<f32> = (0..100).map(|k| 10f32.powf(-(k as f32) / 20.0)).collect();
        let rows = text_chart(&losses, 40, 6);
        assert_eq!(rows.len(), 6);
        assert!(rows[0].contains("│•"));
        assert!(rows[5].ends_with('•'));
    }
}
