//! Model-based property tests: random command sequences run against the [`Directory`] and a
//! slow, obviously-correct reference model (plain maps, parent pointers, a list of bindings,
//! permissions by walking up the parents and applying the ROLE005 matrix of `docs/RULES.md`:
//! `smart_accounts::reference`, in `src/testing/reference.rs`). After every step the two must
//! agree, and the directory's invariants must hold.
//!
//! Cases: `PROPTEST_CASES` (default 256).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::cases;

use proptest::prelude::*;
use smart_accounts::reference::{self, Model};
use smart_accounts::strategies::{self, AT};
use smart_accounts::{Actor, Command, Directory, SmartAccount, UserId, VaId, fixtures};

// ---------------------------------------------------------------------------------------------
// The properties

/// Checks replay and the snapshot round trips; returns the directory reloaded from its snapshot.
fn assert_replay_and_snapshot(dir: &Directory) -> Directory {
    let snapshot = dir.to_snapshot();
    for s in &snapshot.accounts {
        let replayed = SmartAccount::replay(&s.events).expect("the log replays");
        assert_eq!(
            Some(&replayed),
            dir.account(s.id),
            "EV003: replay of {}",
            s.id
        );
    }
    let reloaded =
        Directory::from_snapshot(snapshot).expect("a snapshot of a valid directory loads");
    assert_eq!(&reloaded, dir, "snapshot round trip");
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(dir).unwrap();
        let back: Directory = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, dir, "JSON round trip");
    }
    reloaded
}

fn agrees(model: &Model, dir: &Directory) {
    model
        .agrees(
            dir,
            UserId::new(strategies::DANGLING),
            VaId::new(strategies::DANGLING),
        )
        .unwrap();
}

fn assert_invariants(dir: &Directory) {
    reference::check_invariants(dir).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn ev001_ev003_ev004_model_agrees_with_directory_on_random_commands_as_time_advances(
        (mut dir, commands) in strategies::directory_and_commands(1..30),
        days in prop::collection::vec(0u8..=200, 30),
    ) {
        let mut model = Model::from_directory(&dir);
        assert_invariants(&dir);
        agrees(&model, &dir);
        let mut reloaded = assert_replay_and_snapshot(&dir);
        // The clock advances 0 to 200 days before each command; every snapshot reloads with its
        // logs re-checked as evidence (EV004).
        let mut now = AT;
        for ((actor, command), days) in commands.into_iter().zip(days) {
            now = now.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(days))).unwrap();
            let before = dir.clone();
            let result = dir.execute(&actor, now, command.clone());
            // A directory reloaded from a snapshot behaves exactly the same, new IDs included.
            prop_assert_eq!(&reloaded.execute(&actor, now, command.clone()), &result);
            let events = result.as_deref().unwrap_or_default().to_vec();
            let model_accepts = model
                .run(&actor, now, &command, &events)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            match &result {
                Ok(events) => {
                    prop_assert!(model_accepts, "the directory accepted what the model refuses: {:?} by {:?}", command, actor);
                    prop_assert!(!events.is_empty(), "an accepted command appends events");
                }
                Err(err) => {
                    prop_assert!(!model_accepts, "the directory refused what the model accepts: {:?} by {:?}: {}", command, actor, err);
                    prop_assert_eq!(&dir, &before, "a refused command changed the directory");
                    prop_assert!(err.to_string().starts_with(err.rule().code()));
                }
            }
            assert_invariants(&dir);
            agrees(&model, &dir);
            reloaded = assert_replay_and_snapshot(&dir);
        }
    }
}

/// The public model reports a difference instead of panicking: a command it accepts but whose
/// events do not say what the directory created, a command it does not run, and a directory
/// that moved on without it each come back as a `Disagreement` naming what differs.
#[test]
fn ev001_the_reference_model_reports_what_differs() {
    let w = fixtures::world().unwrap();
    let mut model = Model::from_directory(&w.dir);
    let alice = Actor::User(w.acme.alice);
    let create = Command::CreateVa {
        sa: w.acme.sa,
        parent: None,
        name: "Lab".into(),
    };
    let err = model.run(&alice, w.at, &create, &[]).unwrap_err();
    assert!(
        err.to_string().contains("create no Virtual Account"),
        "{err}"
    );
    model
        .agrees(&w.dir, UserId::new(u32::MAX), VaId::new(u32::MAX))
        .unwrap();

    let revoke = Command::RevokePartnerAccess {
        sa: w.acme.sa,
        org: w.partner.org,
    };
    assert!(!reference::knows(&revoke));
    let err = model.run(&alice, w.at, &revoke, &[]).unwrap_err();
    assert!(err.to_string().contains("does not run"), "{err}");

    // The model follows a copy of the directory: it agrees with the copy, not the original.
    let mut copy = w.dir.clone();
    let events = copy.execute(&alice, w.at, create.clone()).unwrap();
    assert!(model.run(&alice, w.at, &create, &events).unwrap());
    reference::check_invariants(&copy).unwrap();
    model
        .agrees(&copy, UserId::new(u32::MAX), VaId::new(u32::MAX))
        .unwrap();
    let err = model
        .agrees(&w.dir, UserId::new(u32::MAX), VaId::new(u32::MAX))
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!("account {}", w.acme.sa)),
        "{err}"
    );
}
