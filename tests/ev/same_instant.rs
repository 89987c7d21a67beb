//! EV004: commands of different accounts at one instant. The logs do not record in which order
//! they happened, so the verifier tries them in some order and puts a command that is refused
//! back until the others of that instant have run; a log is refused only when no order works.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::snapshots::acc;
use crate::common::{day, world};
use jiff::Timestamp;
use smart_accounts::fixtures::World;
use smart_accounts::license::LicenseChange;
use smart_accounts::{
    Actor, Change, Command, DeviceId, Directory, LicenseCommand, RuleId, Snapshot, VaId,
};

/// The fixture after Acme and Sam's Bikes swapped a device each at one instant: Sam removes
/// `SAM-RTR` and registers Acme's `SW-EMEA-2`, Acme removes `SW-EMEA-2` and registers `SAM-RTR`.
/// Returns the world and the sequence numbers of the two removals' events (Sam's, Acme's).
fn swapped(mut w: World, at: Timestamp) -> (World, [Vec<u64>; 2]) {
    let sam = Actor::User(w.solo.sam);
    let alice = Actor::User(w.acme.alice);
    let router = w.licensing.sam_router.clone();
    let switch = w.licensing.sw_emea_2.clone();
    let remove = |device: &DeviceId| LicenseCommand::RemoveDevice {
        device: device.clone(),
    };
    let register = |device: &DeviceId, va: VaId| LicenseCommand::RegisterDevice {
        device: device.clone(),
        va,
        installed: "2025-12-01".parse().unwrap(),
    };
    let seqs = |events: Vec<smart_accounts::Event>| events.iter().map(|e| e.seq).collect();
    let sams_removal = seqs(w.dir.license(&sam, at, remove(&router)).unwrap());
    let acmes_removal = seqs(w.dir.license(&alice, at, remove(&switch)).unwrap());
    let sams_va = w.dir.account(w.solo.sa).unwrap().default_va();
    w.dir.license(&sam, at, register(&switch, sams_va)).unwrap();
    w.dir
        .license(&alice, at, register(&router, w.acme.emea))
        .unwrap();
    (w, [sams_removal, acmes_removal])
}

/// Where the last registration of `device` sits in the log of account `i` of the snapshot.
fn registration(snap: &Snapshot, i: usize, device: &DeviceId) -> usize {
    snap.accounts[i]
        .events
        .iter()
        .rposition(|e| {
            matches!(&e.change, Change::License(LicenseChange::DeviceRegistered { device: d, .. }) if d == device)
        })
        .unwrap()
}

#[test]
fn ev004_devices_swapped_between_accounts_within_one_instant_load() {
    // Sam's log is the shorter, so his registration of SW-EMEA-2 is tried before Acme's
    // removal of it and is refused (Acme still holds the switch): the verifier must put it back
    // and try it again once Acme's commands of that instant have run.
    let (w, [_, acmes_removal]) = swapped(world(), day(1));
    let snap = w.dir.to_snapshot();
    let sam = acc(&snap, w.solo.sa);
    let sams_registration = registration(&snap, sam, &w.licensing.sw_emea_2);
    assert!(
        snap.accounts[sam].events[sams_registration].seq < acmes_removal[0],
        "the case needs Sam's registration to sort before Acme's removal"
    );
    let back = Directory::from_snapshot(snap).unwrap();
    assert_eq!(back, w.dir);
}

/// `snap` with the events of `seqs` taken out of account `i`'s log, the rest renumbered.
fn without(snap: &mut Snapshot, i: usize, seqs: &[u64]) {
    let log = &mut snap.accounts[i].events;
    log.retain(|e| !seqs.contains(&e.seq));
    for (k, e) in log.iter_mut().enumerate() {
        e.seq = k as u64 + 1;
    }
}

#[test]
fn ev004_devices_swapped_within_one_instant_without_their_removals_are_refused_at_the_first_of_the_instant()
 {
    // The same swap with neither removal in the logs: each account registers a device the
    // other keeps, and no order of the two commands works. Sam's registration goes first and
    // is put back, Acme's is refused too, and on the second round the verifier gives up at
    // Sam's, the first of the instant. The answer must not depend on how many events the logs
    // hold (a bound on retries counts them), so the case runs twice: once with Ingress's
    // account renamed the day before, one event more.
    for extra in [false, true] {
        let mut w = world();
        if extra {
            w.dir
                .execute(
                    &Actor::User(w.distributor.admin),
                    day(1),
                    Command::RenameAccount {
                        sa: w.distributor.holding,
                        name: "Ingress Stock".into(),
                    },
                )
                .unwrap();
        }
        let (w, [sams_removal, acmes_removal]) = swapped(w, day(2));
        let mut snap = w.dir.to_snapshot();
        let (sam, acme) = (acc(&snap, w.solo.sa), acc(&snap, w.acme.sa));
        without(&mut snap, sam, &sams_removal);
        without(&mut snap, acme, &acmes_removal);
        let k = registration(&snap, sam, &w.licensing.sw_emea_2);
        let err = Directory::from_snapshot(snap).expect_err("no order of the swap works");
        assert_eq!(err.rule(), RuleId::EV004, "{err}");
        assert_eq!(err.path(), format!("accounts[{sam}].events[{k}]"), "{err}");
        assert!(err.to_string().contains("SW-EMEA-2"), "{err}");
    }
}

/// `n` Customer accounts, each created by its own admin at `t0`; then, at `t1`, a chain of device
/// hand-overs in which account k+1 holds device `X-k` for a moment before account k registers
/// it for good (executed live in the order that works: the last account first). Returns the
/// directory.
fn device_chain(n: usize) -> Directory {
    use smart_accounts::{AccountKind, NewUser, OrgKind, UserKind};
    let t0: Timestamp = "2026-03-01T09:00:00Z".parse().unwrap();
    let t1: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    let installed = "2026-01-01".parse().unwrap();
    let mut dir = Directory::new();
    let org = dir
        .register_organization("Chain Corp", OrgKind::Customer)
        .unwrap();
    let mut accounts = Vec::new();
    for k in 0..n {
        let admin = dir
            .register_user(NewUser {
                cco_id: Some(format!("admin{k}")),
                email: format!("admin@chain{k}.example"),
                org,
                kind: UserKind::Individual,
            })
            .unwrap();
        let actor = Actor::User(admin);
        let domain = format!("chain{k}.example");
        let sa = dir
            .request_account(&actor, t0, AccountKind::Customer, "", Some(&domain), admin)
            .unwrap();
        let va = dir.account(sa).unwrap().default_va();
        accounts.push((actor, va));
    }
    let device = |k: usize| DeviceId::parse(&format!("X-{k}")).unwrap();
    // Live order: the last account holds X-(n-2) for a moment, then account n-2 registers it
    // for good and holds X-(n-3) for a moment, and so on down to account 0.
    for k in (1..n).rev() {
        let (holder, holder_va) = &accounts[k];
        if k < n - 1 {
            dir.register_device(holder, t1, device(k), *holder_va, installed)
                .unwrap();
        }
        dir.register_device(holder, t1, device(k - 1), *holder_va, installed)
            .unwrap();
        let remove = LicenseCommand::RemoveDevice {
            device: device(k - 1),
        };
        dir.license(holder, t1, remove).unwrap();
    }
    let (first, first_va) = &accounts[0];
    dir.register_device(first, t1, device(0), *first_va, installed)
        .unwrap();
    dir
}

#[test]
fn ev004_a_short_chain_of_device_hand_overs_at_one_instant_loads() {
    // Six accounts: each waits for the next, 15 retries for fewer than 30 events.
    let dir = device_chain(6);
    let back = Directory::from_snapshot(dir.to_snapshot()).unwrap();
    assert_eq!(back, dir);
}

#[test]
fn ev004_a_log_that_needs_more_retries_than_it_has_events_is_refused_as_too_much_work() {
    // Sixteen accounts in a chain: replayed account by account, each round lets one more go,
    // 120 retries for fewer than 80 events. The verifier bounds its work at one retry per event (a hostile
    // log must not make it quadratic), so it refuses the log and says why.
    let dir = device_chain(16);
    let err = Directory::from_snapshot(dir.to_snapshot()).unwrap_err();
    assert_eq!(err.rule(), RuleId::EV004, "{err}");
    assert!(err.to_string().contains("retries"), "{err}");
}
