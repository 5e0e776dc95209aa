//! Integration tests: the real server on an ephemeral port, over HTTP.

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod admin;
mod audit;
mod bad_input;
mod browser;
mod calls;
mod capture;
mod channels;
mod cli;
mod crash;
mod directory;
mod duty;
mod email;
mod evidence;
mod flow;
mod follow_up;
mod harness;
mod inbox;
mod insiders;
mod keys;
mod mail_servers;
mod moved;
mod nodes;
mod permissions;
mod platforms;
mod procedure;
mod register;
mod retention;
mod reveal;
mod rotation;
mod routing;
mod search;
mod second_factor;
mod staff_api;
mod stand_in;
mod statistics;
mod stolen_copy;
mod stress;
mod triage;
