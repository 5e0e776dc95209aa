//! Charts drawn on the server as SVG (issue 29): no script, drawn 360 units wide so that a
//! phone shows them at their size, printable, and coloured by the stylesheet. A page follows
//! each with the table of its data, for screen readers and for copying.

use askama::filters::Escaper;
use std::fmt::Write;

const WIDTH: i64 = 360;

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = askama::filters::Html.write_escaped_str(&mut out, text);
    out
}

/// A number as Vietnamese print has it: thousands apart by dots.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// One bar per item, its label above it and its value beside it, the longest bar the
/// largest value.
pub fn bars(title: &str, items: &[(String, i64)]) -> String {
    const ROW: i64 = 34;
    let height = ROW * i64::try_from(items.len()).unwrap_or(0) + 4;
    let largest = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg class=\"chart bars\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" \
         height=\"{height}\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\">",
        escaped(title)
    );
    for (i, (label, n)) in items.iter().enumerate() {
        let y = ROW * i64::try_from(i).unwrap_or(0);
        let length = (WIDTH - 70) * n.max(&0) / largest;
        let _ = write!(
            svg,
            "<text class=\"label\" x=\"0\" y=\"{}\">{}</text>\
             <rect class=\"bar\" x=\"0\" y=\"{}\" width=\"{}\" height=\"12\" rx=\"2\"></rect>\
             <text class=\"value\" x=\"{}\" y=\"{}\">{}</text>",
            y + 13,
            escaped(label),
            y + 18,
            length.max(1),
            length + 6,
            y + 29,
            grouped(*n)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One column per period in order, the first, middle and last labelled below, the largest
/// value marked on the left.
pub fn columns(title: &str, items: &[(String, i64)]) -> String {
    const HEIGHT: i64 = 170;
    const AXIS: i64 = 34;
    const PLOT: i64 = HEIGHT - AXIS - 18;
    let count = i64::try_from(items.len()).unwrap_or(0).max(1);
    let largest = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let step = (WIDTH * 1000) / count;
    let width = (step * 8 / 10).max(1000);
    let mut svg = format!(
        "<svg class=\"chart columns\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\">\
         <text class=\"value\" x=\"0\" y=\"12\">{}</text>\
         <line class=\"axis\" x1=\"0\" y1=\"{}\" x2=\"{WIDTH}\" y2=\"{}\"></line>",
        escaped(title),
        grouped(largest),
        HEIGHT - AXIS,
        HEIGHT - AXIS,
    );
    let last = items.len().saturating_sub(1);
    for (i, (label, n)) in items.iter().enumerate() {
        let x = step * i64::try_from(i).unwrap_or(0);
        let h = PLOT * n.max(&0) / largest;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{}.{:03}\" y=\"{}\" width=\"{}.{:03}\" height=\"{}\"></rect>",
            x / 1000,
            x % 1000,
            HEIGHT - AXIS - h,
            width / 1000,
            width % 1000,
            h.max(if *n > 0 { 1 } else { 0 })
        );
        if i == 0 || i == last || i == last / 2 {
            let anchor = match i {
                0 => "start",
                i if i == last => "end",
                _ => "middle",
            };
            let at = match anchor {
                "start" => 0,
                "end" => WIDTH,
                _ => (x + step / 2) / 1000,
            };
            let _ = write!(
                svg,
                "<text class=\"label\" x=\"{at}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                HEIGHT - AXIS + 16,
                escaped(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_escapes_its_words_and_scales_to_the_largest() {
        let items = vec![("Zalo <b>".to_owned(), 30), ("SMS".to_owned(), 15)];
        let svg = bars("Theo kênh", &items);
        assert!(
            svg.contains("Zalo &#60;b&#62;") || svg.contains("Zalo &lt;b&gt;"),
            "{svg}"
        );
        assert!(svg.contains("width=\"290\""), "{svg}");
        assert!(svg.contains("width=\"145\""), "{svg}");
        let svg = columns("Theo ngày", &items);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert_eq!(grouped(1_234_567), "1.234.567");
        assert_eq!(grouped(12), "12");
        assert_eq!(grouped(-1000), "-1.000");
    }
}
