//! The logs as the directory keeps them (EV001, EV005): packed in memory, they hand back every
//! event exactly as the command that appended it returned it, in order, from every reader.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use crate::common::cases;
use proptest::prelude::*;
use smart_accounts::strategies::{self, AT};
use smart_accounts::{
    Actor, Change, Directory, Event, IdempotencyKey, LicenseChange, Role, SaId, TransferLine,
};

/// Every reader of the account logs and the directory's stream agrees with `expected`.
fn readers_agree(
    dir: &Directory,
    expected: &BTreeMap<SaId, Vec<Event>>,
) -> Result<(), TestCaseError> {
    let snapshot = dir.to_snapshot();
    for account in &snapshot.accounts {
        let want = expected.get(&account.id).cloned().unwrap_or_default();
        prop_assert_eq!(&account.events, &want, "snapshot log of {}", account.id);
        // The views, for an SA Admin who may read the log today (a role can have expired, an
        // account can be closed): the snapshot above covers every account.
        let Some(log) = account
            .roles
            .iter()
            .filter(|b| b.role == Role::SaAdmin)
            .find_map(|b| dir.events(b.user, account.id).ok())
        else {
            continue;
        };
        prop_assert_eq!(log.len(), want.len());
        prop_assert_eq!(&log.to_vec(), &want);
        prop_assert_eq!(&log.iter().collect::<Vec<_>>(), &want);
        let mut back: Vec<Event> = log.iter().rev().collect();
        back.reverse();
        prop_assert_eq!(&back, &want);
        for (i, event) in want.iter().enumerate() {
            prop_assert_eq!(log.get(i), Some(event.clone()));
        }
        prop_assert_eq!(log.get(want.len()), None);
        prop_assert_eq!(log.last(), want.last().cloned());
    }
    let stream = dir.directory_events();
    let all = stream.to_vec();
    prop_assert_eq!(&all, &snapshot.directory_events);
    prop_assert_eq!(&stream.iter().collect::<Vec<_>>(), &all);
    for (i, event) in all.iter().enumerate() {
        prop_assert_eq!(event.seq, i as u64 + 1);
        prop_assert_eq!(stream.get(i), Some(event.clone()));
    }
    prop_assert_eq!(stream.last(), all.last().cloned());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Random commands with time advancing: after every step, each account's log read back
    /// (whole, one by one, forwards, backwards, in a snapshot) is the events its commands
    /// returned, and the directory's stream only grows, numbered from 1 without gaps.
    #[test]
    fn ev001_ev005_the_packed_logs_hand_back_every_event_as_appended(
        (dir, steps) in strategies::directory().prop_flat_map(|dir| {
            let steps = strategies::timed_commands(&dir, 10..40);
            (Just(dir), steps)
        })
    ) {
        let mut dir = dir;
        let mut expected: BTreeMap<SaId, Vec<Event>> = dir
            .to_snapshot()
            .accounts
            .into_iter()
            .map(|a| (a.id, a.events))
            .collect();
        readers_agree(&dir, &expected)?;
        let mut now = AT;
        for step in steps {
            now = now
                .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(step.after_days)))
                .unwrap();
            let stream = dir.directory_events().to_vec();
            if let Ok(events) = dir.execute(&step.actor, now, step.command) {
                for event in events {
                    expected.entry(event.sa).or_default().push(event);
                }
            }
            prop_assert!(dir.directory_events().to_vec().starts_with(&stream));
            readers_agree(&dir, &expected)?;
        }
    }
}

/// Transfers inside an account are kept as a reference to their used key (LIC009): each is
/// read back whole, lines and all, from the live directory, from its snapshot and from the
/// directory reloaded from that snapshot, however many transfers follow it.
#[test]
fn ev001_lic009_transfers_come_back_whole_from_their_used_keys() {
    let mut w = crate::common::world();
    let (acme, l) = (w.acme, w.licensing.clone());
    let alice = Actor::User(acme.alice);
    let mut returned = Vec::new();
    for (n, (from, to)) in [
        (acme.default_va, acme.us),
        (acme.us, acme.emea),
        (acme.emea, acme.us),
    ]
    .into_iter()
    .enumerate()
    {
        let quantity = 3 - n as u64;
        let lines = vec![
            TransferLine {
                license: l.ise.clone(),
                quantity,
            },
            TransferLine {
                license: l.ise.clone(),
                quantity: 1,
            },
        ];
        let key = IdempotencyKey::parse(&format!("packed-{n}")).unwrap();
        let event = w
            .dir
            .transfer(&alice, w.at, from, to, lines.clone(), key.clone())
            .unwrap()
            .unwrap();
        // A retry appends nothing.
        assert!(
            w.dir
                .transfer(&alice, w.at, from, to, lines, key)
                .unwrap()
                .is_none()
        );
        returned.push((event, quantity + 1));
    }
    let log = w.dir.events(acme.alice, acme.sa).unwrap().to_vec();
    for (event, total) in &returned {
        assert_eq!(log.get(event.seq as usize - 1), Some(event));
        let Change::License(LicenseChange::Transferred { lines, .. }) = &event.change else {
            panic!("not a transfer: {event:?}");
        };
        let moved: u64 = lines.iter().map(|l| l.quantity).sum();
        assert_eq!(moved, *total, "the lines come back");
    }
    let snapshot = w.dir.to_snapshot();
    let logged = snapshot.accounts.iter().find(|a| a.id == acme.sa).unwrap();
    assert_eq!(logged.events, log);
    let reloaded = Directory::from_snapshot(snapshot).unwrap();
    assert_eq!(reloaded.events(acme.alice, acme.sa).unwrap().to_vec(), log);
    assert_eq!(reloaded, w.dir);
}
