//! Report texts for the triage benchmarks: the labelled sets' fictional reports, joined into
//! texts of about 2 KB (a long report) so that each holds many phrases and places.

const LABELLED: [&str; 2] = [
    include_str!("../../domain/tests/data/triage_eval.jsonl"),
    include_str!("../../domain/tests/data/triage_heldout.jsonl"),
];

/// Texts of at least `bytes` bytes, each starting at another labelled report and going on
/// through the ones after it.
pub fn long_reports(bytes: usize) -> Vec<String> {
    let reports: Vec<String> = LABELLED
        .iter()
        .flat_map(|set| set.lines())
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|item| item.get("text")?.as_str().map(str::to_owned))
        .collect();
    (0..reports.len())
        .map(|first| {
            let mut text = String::with_capacity(bytes + 512);
            for report in reports.iter().cycle().skip(first) {
                if text.len() >= bytes {
                    break;
                }
                text.push_str(report);
                text.push('\n');
            }
            text
        })
        .collect()
}
