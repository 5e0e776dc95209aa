//! What the `hotline-bench` binary and the criterion benchmarks share.

pub mod texts;
