//! The monthly report as files (issue 29): a spreadsheet (`.xlsx`) and CSV, the same lines in
//! the same order as the page, each with its legal basis. The console's download and
//! `hotline stats monthly` both write them here.

use crate::i18n::Tr;
use hotline_core::statistics::{MonthlyLine, MonthlyReport};
use rust_xlsxwriter::{Format, Workbook};

/// What a line counts, in the reader's language.
pub fn item_label(tr: &Tr, line: &MonthlyLine) -> String {
    let key = match (line.section, line.item.as_str()) {
        ("received", _) => "stats-item-total".to_owned(),
        ("channel", item) => format!("channel-{item}"),
        ("legal_type", "unclassified") => "digest-unclassified".to_owned(),
        ("legal_type", item) => format!("legal_type-{item}"),
        ("outcome", item) => format!("stage-{item}"),
        ("limit", item) => format!("deadline-rule-{item}"),
        (_, item) => format!("stats-item-{item}"),
    };
    tr.t(&key)
}

/// A section's heading, in the reader's language.
pub fn section_label(tr: &Tr, section: &str) -> String {
    tr.t(&format!("stats-section-{section}"))
}

/// The columns' headings.
fn headings(tr: &Tr) -> [String; 5] {
    [
        tr.t("stats-col-section"),
        tr.t("stats-col-item"),
        tr.t("stats-col-count"),
        tr.t("stats-col-of"),
        tr.t("stats-col-basis"),
    ]
}

/// The report's title line: unit and month.
pub fn title(tr: &Tr, report: &MonthlyReport) -> String {
    tr.t2(
        "stats-monthly-title",
        ("unit", report.unit_name.clone()),
        ("month", report.from.format("%m/%Y").to_string()),
    )
}

/// The report as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the
/// diacritics right).
pub fn monthly_csv(tr: &Tr, report: &MonthlyReport) -> Result<Vec<u8>, String> {
    // The title line has one field, the rest five.
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |e: csv::Error| e.to_string();
    out.write_record([title(tr, report)]).map_err(fail)?;
    out.write_record(headings(tr)).map_err(fail)?;
    for line in &report.lines {
        out.write_record([
            section_label(tr, line.section),
            item_label(tr, line),
            line.count.to_string(),
            line.of.map(|n| n.to_string()).unwrap_or_default(),
            line.basis.to_owned(),
        ])
        .map_err(fail)?;
    }
    out.into_inner().map_err(|e| e.to_string())
}

/// The report as a workbook of one sheet, ready to print on A4.
pub fn monthly_xlsx(tr: &Tr, report: &MonthlyReport) -> Result<Vec<u8>, String> {
    let fail = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(&report.month).map_err(fail)?;
    sheet.set_paper_size(9);
    sheet.set_portrait();
    sheet.set_print_fit_to_pages(1, 0);
    let bold = Format::new().set_bold();
    sheet
        .write_string_with_format(0, 0, title(tr, report), &bold)
        .map_err(fail)?;
    sheet
        .write_string(
            1,
            0,
            tr.t2(
                "stats-monthly-period",
                ("from", report.from.format("%d/%m/%Y").to_string()),
                ("to", report.to.format("%d/%m/%Y").to_string()),
            ),
        )
        .map_err(fail)?;
    for (col, heading) in (0u16..).zip(headings(tr)) {
        sheet
            .write_string_with_format(3, col, heading, &bold)
            .map_err(fail)?;
    }
    for (row, line) in (4u32..).zip(&report.lines) {
        sheet
            .write_string(row, 0, section_label(tr, line.section))
            .map_err(fail)?;
        sheet
            .write_string(row, 1, item_label(tr, line))
            .map_err(fail)?;
        // Counts are far below 2^53: a spreadsheet number holds them exactly.
        #[allow(clippy::cast_precision_loss)]
        sheet
            .write_number(row, 2, line.count as f64)
            .map_err(fail)?;
        if let Some(of) = line.of {
            #[allow(clippy::cast_precision_loss)]
            sheet.write_number(row, 3, of as f64).map_err(fail)?;
        }
        sheet.write_string(row, 4, line.basis).map_err(fail)?;
    }
    for (col, width) in [(0u16, 26.0), (1, 40.0), (2, 10.0), (3, 12.0), (4, 60.0)] {
        sheet.set_column_width(col, width).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}
