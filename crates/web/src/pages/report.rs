//! A report in the console: its page, what an officer does on it, its evidence.

mod actions;
mod files;
mod view;

pub use actions::*;
pub use files::*;
pub use view::*;
