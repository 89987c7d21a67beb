//! Test support shared by the integration tests.

pub mod reference;

use smart_accounts::{Directory, Snapshot};

/// The directory's snapshot with the event logs dropped: accounts load from their state alone
/// (licenses from the opening balances), so a test sees the one problem it plants.
pub fn logless(dir: &Directory) -> Snapshot {
    let mut snap = dir.to_snapshot();
    for a in &mut snap.accounts {
        a.events.clear();
    }
    snap
}
