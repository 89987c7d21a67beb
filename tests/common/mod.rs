//! Test support shared by the integration tests.

pub mod reference;
pub mod snapshots;

use smart_accounts::fixtures::{self, World};
use smart_accounts::{Directory, NewUser, Snapshot, UserId, UserKind};

/// The directory's snapshot with the event logs dropped: accounts load from their state alone
/// (licenses from the opening balances), so a test sees the one problem it plants.
pub fn logless(dir: &Directory) -> Snapshot {
    let mut snap = dir.to_snapshot();
    for a in &mut snap.accounts {
        a.events.clear();
    }
    snap
}

/// The fixture world (`smart_accounts::fixtures::world`): acme.com with its Virtual Account
/// tree and roles, globex, a partner with its holding account and a distributor.
#[allow(clippy::unwrap_used)]
pub fn world() -> World {
    fixtures::world().unwrap()
}

/// The fixture plus `nico`, a second Nimbus (partner) user without any role.
#[allow(clippy::unwrap_used)]
pub fn world_with_nico() -> (World, UserId) {
    let mut w = world();
    let nico = w
        .dir
        .register_user(NewUser {
            cco_id: Some("nico".into()),
            email: "nico@nimbus-networks.com".into(),
            org: w.partner.org,
            kind: UserKind::Individual,
        })
        .unwrap();
    (w, nico)
}
