//! LIC010, reservations with a code: a specific license reservation for a device that cannot
//! report (seed 003; the CSSM help's "Specific License Reservation") takes available licenses
//! out of its pool under a code, and the code releases exactly that reservation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::all_events;
use crate::common::licenses::{license_refused, pool};
use crate::common::world;
use smart_accounts::{
    Actor, DeviceId, Directory, Error, LicenseChange, LicenseCommand, Reservation, ReservationCode,
    RuleId,
};

fn code(text: &str) -> ReservationCode {
    ReservationCode::parse(text).unwrap()
}

/// Acme reserves 10 ISE licenses of its DEFAULT pool for an air-gapped firewall under its
/// authorization code; the code releases them, and only them.
#[test]
fn lic010_a_reservation_for_a_device_that_cannot_report_is_released_by_its_code() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let bob = Actor::User(acme.bob);
    let ise = w.licensing.ise.clone();
    let before = pool(&w.dir, acme.sa, acme.default_va, &ise);
    assert_eq!(before, (70, 0, 2, 68, 0));
    let slr = Reservation {
        code: code("SLR-AUTH-7731"),
        va: acme.default_va,
        license: ise.clone(),
        quantity: 10,
        device: Some(DeviceId::parse("FW-AIRGAP-1").unwrap()),
    };
    let events = w
        .dir
        .license(&bob, at, LicenseCommand::ReserveWithCode(slr.clone()))
        .unwrap();
    assert!(matches!(
        &events[..],
        [e] if e.change == smart_accounts::Change::License(LicenseChange::ReservedWithCode(Box::new(slr.clone())))
    ));
    assert_eq!(
        pool(&w.dir, acme.sa, acme.default_va, &ise),
        (70, 0, 12, 58, 0)
    );
    let account = w.dir.account(acme.sa).unwrap();
    assert_eq!(account.reservation(&slr.code), Some(&slr));
    assert_eq!(account.reservations().count(), 1);
    // A release without a code takes only the 2 that no code holds.
    let err = license_refused(
        &mut w.dir,
        &bob,
        at,
        LicenseCommand::ReleaseReservation {
            va: acme.default_va,
            license: ise.clone(),
            quantity: 3,
        },
    );
    assert!(
        matches!(
            err,
            Error::Insufficient {
                available: 2,
                requested: 3,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.rule(), RuleId::LIC010);
    // The code releases the reservation, all of it, once.
    let release = LicenseCommand::ReleaseByCode {
        sa: acme.sa,
        code: slr.code.clone(),
    };
    w.dir.license(&bob, at, release.clone()).unwrap();
    assert_eq!(pool(&w.dir, acme.sa, acme.default_va, &ise), before);
    assert!(
        w.dir
            .account(acme.sa)
            .unwrap()
            .reservation(&slr.code)
            .is_none()
    );
    let err = license_refused(&mut w.dir, &bob, at, release);
    assert!(matches!(err, Error::ReservationCode { .. }), "{err}");
    assert_eq!(err.rule(), RuleId::LIC010);
    assert!(err.to_string().contains("SLR-AUTH-7731"), "{err}");
    // The log replays to the same directory.
    let again = Directory::from_events(w.dir.config().clone(), all_events(&w.dir)).unwrap();
    assert_eq!(again, w.dir);
}

/// A code is used once per account; a viewer may not reserve; more than is available is
/// refused; each refusal changes nothing.
#[test]
fn lic010_a_code_is_used_once_and_reserving_needs_manage_licenses_and_availability() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let bob = Actor::User(acme.bob);
    let ise = w.licensing.ise.clone();
    let r = |c: &str, quantity| Reservation {
        code: code(c),
        va: acme.default_va,
        license: ise.clone(),
        quantity,
        device: None,
    };
    w.dir
        .license(&bob, at, LicenseCommand::ReserveWithCode(r("A-1", 5)))
        .unwrap();
    let err = license_refused(
        &mut w.dir,
        &bob,
        at,
        LicenseCommand::ReserveWithCode(r("A-1", 1)),
    );
    assert!(matches!(err, Error::ReservationCode { .. }), "{err}");
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.carol),
        at,
        LicenseCommand::ReserveWithCode(r("A-2", 1)),
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    let err = license_refused(
        &mut w.dir,
        &bob,
        at,
        LicenseCommand::ReserveWithCode(r("A-3", 64)),
    );
    assert!(
        matches!(err, Error::Insufficient { available: 63, .. }),
        "{err}"
    );
    // Nothing is reserved in a holding account (LIC005).
    let holding = Reservation {
        va: w.partner.holding_default,
        ..r("H-1", 1)
    };
    let err = license_refused(
        &mut w.dir,
        &Actor::User(w.partner.admin),
        at,
        LicenseCommand::ReserveWithCode(holding),
    );
    assert_eq!(err.rule(), RuleId::LIC005);
}

/// Reservations with a code round-trip through snapshots; a snapshot whose codes hold more than
/// their pool has reserved, or lists a code twice, is refused naming LIC010.
#[cfg(feature = "serde")]
#[test]
fn lic010_reservations_with_codes_round_trip_and_hostile_snapshots_are_refused() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let ise = w.licensing.ise.clone();
    let slr = Reservation {
        code: code("SLR-1"),
        va: acme.default_va,
        license: ise.clone(),
        quantity: 4,
        device: Some(DeviceId::parse("FW-9").unwrap()),
    };
    w.dir
        .license(
            &Actor::User(acme.bob),
            at,
            LicenseCommand::ReserveWithCode(slr.clone()),
        )
        .unwrap();
    let text = serde_json::to_string(&w.dir).unwrap();
    let back: Directory = serde_json::from_str(&text).unwrap();
    assert_eq!(back, w.dir);
    assert_eq!(
        back.account(acme.sa).unwrap().reservation(&slr.code),
        Some(&slr)
    );
    // Without logs, the state alone: too much held by codes, or a code twice.
    let mut snapshot = w.dir.to_snapshot();
    for a in &mut snapshot.accounts {
        a.events.clear();
    }
    let at_acme = snapshot
        .accounts
        .iter()
        .position(|a| a.id == acme.sa)
        .unwrap();
    let mut too_much = snapshot.clone();
    too_much.accounts[at_acme].licenses.reservations[0].quantity = 100;
    let twice = {
        let mut s = snapshot.clone();
        let again = s.accounts[at_acme].licenses.reservations[0].clone();
        s.accounts[at_acme].licenses.reservations.push(Reservation {
            quantity: 1,
            ..again
        });
        s
    };
    for hostile in [too_much, twice] {
        let err = Directory::from_snapshot(hostile).unwrap_err();
        assert!(err.to_string().contains("LIC010"), "{err}");
        assert!(err.to_string().contains("reservations"), "{err}");
    }
}
