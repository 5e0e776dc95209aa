//! Time as a parameter: use cases take a `Clock` so deadlines and tests can run on a fake clock.

use chrono::{DateTime, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock; the one place in the code base allowed to read it.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to, for tests and for back-dating demo data.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Vietnam's civil time zone: what people read and what the law's days are counted in.
pub const VIETNAM: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// The year of `at` in Vietnam, as printed in case numbers.
pub fn vietnam_year(at: DateTime<Utc>) -> i32 {
    use chrono::Datelike;
    at.with_timezone(&VIETNAM).year()
}
