//! The contract's stories, one file per aggregate; each public `async fn` is one story.

mod alerts;
mod audit;
mod calls;
mod channels;
mod directory;
mod duty;
mod handling;
mod intake;
mod notifications;
mod outbox;
mod reports;
mod retention;
mod reveals;
mod routing;
mod search;
mod staff;
mod units;
mod vault;

pub use alerts::*;
pub use audit::*;
pub use calls::*;
pub use channels::*;
pub use directory::*;
pub use duty::*;
pub use handling::*;
pub use intake::*;
pub use notifications::*;
pub use outbox::*;
pub use reports::*;
pub use retention::*;
pub use reveals::*;
pub use routing::*;
pub use search::*;
pub use staff::*;
pub use units::*;
pub use vault::*;
