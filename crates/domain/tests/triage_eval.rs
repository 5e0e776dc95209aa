//! The triage hints measured on two labelled sets of fictional reports written for the project:
//! the one the rules were tuned on (`tests/data/triage_eval.jsonl`) and one held out from
//! tuning (`tests/data/triage_heldout.jsonl`): accuracy per field and the urgency confusion,
//! printed as the tables docs/triage.md quotes. A regression shows in the table; only a broken set or a
//! collapse to chance fails.

// Test code: a broken set is the test's failure.
#![allow(clippy::unwrap_used, clippy::panic)]

use hotline_domain::hints::hints;
use hotline_domain::{Gazetteer, LegalType, Topic, Urgency};
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    text: String,
    legal_type: LegalType,
    topic: Topic,
    urgency: Urgency,
    province_code: Option<u32>,
}

const URGENCIES: [Urgency; 3] = [Urgency::Emergency, Urgency::Urgent, Urgency::Normal];

fn share(right: usize, all: usize) -> f64 {
    if all == 0 {
        0.0
    } else {
        right as f64 / all as f64
    }
}

/// Measures the hints on one set, prints its table and returns the shares right of legal type,
/// topic and emergencies caught.
fn measure(name: &str, set: &str) -> (f64, f64, f64) {
    let labelled: Vec<Labelled> = set
        .lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1))
        })
        .collect();
    let places = Gazetteer::embedded().unwrap();
    for item in &labelled {
        if let Some(p) = item.province_code {
            assert!(places.province(p).is_some(), "province {p}");
        }
    }
    let (mut legal, mut topic, mut urgency, mut place) = (0, 0, 0, 0);
    let mut confusion = [[0usize; 3]; 3];
    let index = |u: Urgency| {
        URGENCIES
            .iter()
            .position(|x| *x == u)
            .unwrap_or(URGENCIES.len() - 1)
    };
    for item in &labelled {
        let h = hints(&item.text, &places);
        legal += usize::from(h.legal_type == item.legal_type);
        topic += usize::from(h.topic == item.topic);
        urgency += usize::from(h.urgency == item.urgency);
        place += usize::from(h.province_code == item.province_code);
        if let Some(cell) = confusion
            .get_mut(index(item.urgency))
            .and_then(|row| row.get_mut(index(h.urgency)))
        {
            *cell += 1;
        }
    }
    let n = labelled.len();
    let emergencies: usize = confusion.first().map_or(0, |row| row.iter().sum());
    let caught = confusion
        .first()
        .and_then(|row| row.first())
        .copied()
        .unwrap_or(0);
    println!("Triage hints on {n} labelled reports ({name})\n");
    println!("| field | accuracy |\n| --- | --- |");
    for (field, right) in [
        ("legal type", legal),
        ("topic", topic),
        ("urgency", urgency),
        ("province", place),
    ] {
        println!(
            "| {field} | {:.1} % ({right}/{n}) |",
            100.0 * share(right, n)
        );
    }
    println!(
        "\nEmergency recall: {:.1} % ({caught}/{emergencies})\n",
        100.0 * share(caught, emergencies)
    );
    println!("| labelled \\ hinted | emergency | urgent | normal |\n| --- | --- | --- | --- |");
    for (u, row) in URGENCIES.iter().zip(confusion) {
        let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
        println!("| {u} | {} |", cells.join(" | "));
    }
    (share(legal, n), share(topic, n), share(caught, emergencies))
}

#[test]
fn the_hints_are_measured_on_the_labelled_set() {
    let set = include_str!("data/triage_eval.jsonl");
    assert!(
        set.lines().count() >= 300,
        "{} reports",
        set.lines().count()
    );
    let (legal, topic, emergencies) = measure("the set the rules were tuned on", set);
    // Eight legal types and fifteen topics: chance is far below these floors.
    assert!(legal > 0.4, "legal type collapsed");
    assert!(topic > 0.3, "topic collapsed");
    assert!(emergencies > 0.5, "emergencies missed");
}

/// Written apart, by someone who saw neither the rules nor the first set: what the hints do on
/// text they were not tuned to. Never tune on it; add what it teaches to the first set instead.
#[test]
fn the_hints_are_measured_on_the_held_out_set() {
    let set = include_str!("data/triage_heldout.jsonl");
    assert!(
        set.lines().count() >= 150,
        "{} reports",
        set.lines().count()
    );
    let (legal, topic, emergencies) = measure("held out", set);
    assert!(legal > 0.3, "legal type collapsed");
    assert!(topic > 0.25, "topic collapsed");
    assert!(emergencies > 0.5, "emergencies missed");
}
