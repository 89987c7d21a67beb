//! The Smart Licensing agreement (AGR001): accepted by an SA Admin or Approver, and recorded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::commands::{by, refused};
use crate::common::world;
use jiff::Timestamp;
use smart_accounts::{Action, Change, Command, Error, Role, RoleSet, RuleId, SaId};

#[test]
fn agr001_sa_admin_or_approver_accepts_the_agreement_and_it_is_recorded() {
    let mut w = world();
    let sa = w.acme.sa;
    for denied in [
        w.acme.bob,
        w.acme.carol,
        w.acme.erin,
        w.acme.oscar,
        w.partner.nina,
    ] {
        let err = refused(&mut w.dir, &by(denied), Command::AcceptAgreement { sa });
        assert!(
            matches!(
                err,
                Error::Denied { action: Action::AcceptAgreement, would_grant, .. }
                    if would_grant.iter().collect::<Vec<_>>() == [Role::SaAdmin, Role::SaApprover]
            ),
            "{err:?}"
        );
        assert_eq!(err.rule(), RuleId::ROLE005);
    }
    assert!(w.dir.account(sa).unwrap().agreement().is_none());
    let when: Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
    let events = w
        .dir
        .execute(&by(w.acme.dave), when, Command::AcceptAgreement { sa })
        .unwrap();
    assert!(matches!(events[0].change, Change::AgreementAccepted { by } if by == w.acme.dave));
    let acceptance = w.dir.account(sa).unwrap().agreement().copied().unwrap();
    assert_eq!((acceptance.by, acceptance.at), (w.acme.dave, when));
    // An SA Admin may accept too; the latest acceptance is recorded.
    w.dir
        .execute(&by(w.acme.alice), when, Command::AcceptAgreement { sa })
        .unwrap();
    assert_eq!(
        w.dir.account(sa).unwrap().agreement().unwrap().by,
        w.acme.alice
    );
    let err = refused(
        &mut w.dir,
        &by(w.acme.alice),
        Command::AcceptAgreement {
            sa: SaId::new(9_999),
        },
    );
    assert!(
        matches!(
            err,
            Error::NotFound {
                rule: RuleId::AGR001,
                ..
            }
        ),
        "{err:?}"
    );
    let _ = RoleSet::EMPTY;
}
