//! Property tests of every parser that reads what the platforms send: webhook bodies, mail, the
//! PBX's events, and the headers deliveries are signed and checked with. Inputs are arbitrary
//! bytes, the platforms' own samples (`fixtures/platforms`, `fixtures/email`) with bytes
//! flipped, cut or repeated, and the JSON samples with values swapped for odd ones (huge
//! numbers, deep nesting, wrong types, lone surrogates). Each property runs 10,000 cases from a
//! fixed seed; each parse runs on a thread of its own and fails when it takes longer than
//! `hotline_fuzzing::LIMIT`, so a hang is a failure with its input rather than a stuck run. A
//! few seconds a property in a debug build.

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod inputs;
mod parsers;
mod signatures;

use chrono::{DateTime, Utc};

/// The seed every property here starts from: the same cases on every run and every machine.
const SEED: u64 = 0x4854_4c4e_4655_5a5a;
/// The time deliveries are taken apart at, and signatures checked against.
const NOW: i64 = 1_795_185_012;

fn received() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW, 0).unwrap()
}
