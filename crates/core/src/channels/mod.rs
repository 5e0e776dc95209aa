//! Platform channels: accounts connected by an administrator, deliveries made durable before
//! the platform hears "200", and the job that takes them apart into reports. A delivery is
//! checked (signature on the raw bytes) before anything is kept, journalled sealed, and then
//! processed from the journal: idempotently, because platforms deliver the same message again
//! on timeouts and for days. Each citizen is a blind index of (platform, account, sender):
//! their messages thread into their open report, or open a new one once it is closed.

mod accounts;
mod fetch;
mod keyed_ids;
mod process;
mod receive;

pub use accounts::{AccountInput, AccountView};
pub use fetch::FetchRound;
pub use hotline_channels::platforms::{DeliveryHeaders, HandshakeAnswer};
pub(crate) use process::ReplyAddress;
pub use process::{DeliveryPass, began_in_public};
