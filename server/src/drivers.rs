//! Door drivers: what actually opens a door once an unlock has been authorized and recorded.
//! The `simulated` driver (the embedded default) keeps each door's state in memory: an unlock
//! opens the door for its relock pulse, after which it is locked again.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// Live state of one door as its driver reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorState {
    pub online: bool,
    /// `Some(t)` while the door is unlocked, until `t`.
    pub unlocked_until: Option<DateTime<Utc>>,
}

/// A driver opens doors; it is called only after the unlock is committed to the audit trail.
pub trait DoorDriver: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;
    /// Opens `entrance` for `pulse_ms`; returns whether the device confirmed it.
    fn unlock(&self, entrance: Uuid, pulse_ms: u32, now: DateTime<Utc>) -> bool;
    fn state(&self, entrance: Uuid, now: DateTime<Utc>) -> DoorState;
}

/// Doors simulated in memory: always online, confirm at once, relock after the pulse.
#[derive(Debug, Default)]
pub struct SimulatedDriver {
    open_until: Mutex<HashMap<Uuid, DateTime<Utc>>>,
}

impl DoorDriver for SimulatedDriver {
    fn name(&self) -> &'static str {
        "simulated"
    }

    fn unlock(&self, entrance: Uuid, pulse_ms: u32, now: DateTime<Utc>) -> bool {
        let until = now + Duration::milliseconds(i64::from(pulse_ms));
        let mut map = self.open_until.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, t| *t > now);
        let slot = map.entry(entrance).or_insert(until);
        if *slot < until {
            *slot = until;
        }
        true
    }

    fn state(&self, entrance: Uuid, now: DateTime<Utc>) -> DoorState {
        let map = self.open_until.lock().unwrap_or_else(|e| e.into_inner());
        DoorState {
            online: true,
            unlocked_until: map.get(&entrance).copied().filter(|t| *t > now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_door_opens_for_the_pulse_then_relocks() {
        let d = SimulatedDriver::default();
        let door = Uuid::now_v7();
        let t0 = Utc::now();
        assert_eq!(d.state(door, t0).unlocked_until, None);
        assert!(d.unlock(door, 3000, t0));
        assert!(d
            .state(door, t0 + Duration::milliseconds(2999))
            .unlocked_until
            .is_some());
        assert_eq!(
            d.state(door, t0 + Duration::milliseconds(3000))
                .unlocked_until,
            None
        );
        // A second unlock extends, never shortens, the open time.
        d.unlock(door, 5000, t0);
        d.unlock(door, 1000, t0 + Duration::milliseconds(10));
        assert_eq!(
            d.state(door, t0).unlocked_until,
            Some(t0 + Duration::milliseconds(5000))
        );
    }
}
