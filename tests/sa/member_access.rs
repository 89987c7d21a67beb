//! SA011: "Request access to an existing Smart Account" (seed 001): a user of the owning
//! organization asks for a role on its account; an SA Admin of the owner approves, choosing the
//! role and the scope (the account, or a Virtual Account with its children or alone), or
//! rejects. Until approved the request grants nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::common::on_day::{accepted, refused};
use crate::common::world;
use smart_accounts::fixtures::World;
use smart_accounts::{
    Action, Change, Command, Directory, Inheritance, NewUser, RequestStatus, Role, RuleId, Target,
    UserId, UserKind,
};

/// The fixture and `ian`, an Acme employee without any role.
fn with_ian() -> (World, UserId) {
    let mut w = world();
    let ian = w
        .dir
        .register_user(NewUser {
            cco_id: Some("ian".into()),
            email: "ian@acme.com".into(),
            org: w.acme.org,
            kind: UserKind::Individual,
        })
        .unwrap();
    (w, ian)
}

fn ask(sa: smart_accounts::SaId) -> Command {
    Command::RequestAccountAccess {
        sa,
        target: Target::Account(sa),
        role: Role::SaUser,
        inheritance: Inheritance::AccountAndChildren,
    }
}

/// Ian asks for access to Acme's account (day 1); the identifier of his request.
fn ian_asks(w: &mut World, ian: UserId) -> u64 {
    accepted(&mut w.dir, ian, 1, ask(w.acme.sa));
    w.dir
        .account(w.acme.sa)
        .unwrap()
        .access_requests()
        .last()
        .unwrap()
        .id
}

/// Seed 001: Ian asks for access to Acme's account; Alice, its SA Admin, gives him VA User on
/// EMEA with its children instead of the account-wide role he asked for.
#[test]
fn sa011_an_employee_asks_for_access_and_the_sa_admin_approves_with_a_va_scope() {
    let (mut w, ian) = with_ian();
    let request = ian_asks(&mut w, ian);
    let approve = Command::ApproveAccessRequest {
        sa: w.acme.sa,
        request,
        target: Target::Va(w.acme.emea),
        role: Role::VaUser,
        inheritance: Inheritance::AccountAndChildren,
    };
    // Only an SA Admin of the owner approves: not Ian, not the VA Admin of EMEA, not a partner.
    for user in [ian, w.acme.erin, w.partner.nina] {
        refused(&mut w.dir, user, 2, approve.clone());
    }
    let events = w
        .dir
        .execute(
            &crate::common::on_day::by(w.acme.alice),
            crate::common::day(2),
            approve,
        )
        .unwrap();
    assert!(matches!(events[0].change, Change::AccessApproved { .. }));
    let record = w
        .dir
        .account(w.acme.sa)
        .unwrap()
        .access_request(request)
        .unwrap();
    assert!(matches!(record.status, RequestStatus::Approved { by, .. } if by == w.acme.alice));
    assert!(
        w.dir
            .is_allowed(ian, Action::ManageLicenses, Target::Va(w.acme.emea_sales))
    );
    assert!(
        !w.dir
            .is_allowed(ian, Action::ManageLicenses, Target::Va(w.acme.americas))
    );
    // The approval replays from the logs as evidence.
    assert_eq!(
        Directory::from_snapshot(w.dir.to_snapshot()).unwrap(),
        w.dir
    );
}

/// Seed 001: a pending request gives Ian nothing; a second one for the same access is refused.
#[test]
fn sa011_a_pending_access_request_grants_nothing() {
    let (mut w, ian) = with_ian();
    accepted(&mut w.dir, ian, 1, ask(w.acme.sa));
    for action in Action::ALL {
        assert!(
            !w.dir.is_allowed(ian, action, Target::Account(w.acme.sa)),
            "{action}"
        );
    }
    assert_eq!(
        refused(&mut w.dir, ian, 2, ask(w.acme.sa)).rule(),
        RuleId::SA011
    );
}

/// Seed 001: Alice rejects Ian's request; he gets nothing and it cannot be approved later.
#[test]
fn sa011_a_rejected_request_grants_nothing() {
    let (mut w, ian) = with_ian();
    let request = ian_asks(&mut w, ian);
    let sa = w.acme.sa;
    accepted(
        &mut w.dir,
        w.acme.alice,
        2,
        Command::RejectAccessRequest { sa, request },
    );
    assert!(
        !w.dir
            .is_allowed(ian, Action::ViewAccount, Target::Account(sa))
    );
    let approve = Command::ApproveAccessRequest {
        sa,
        request,
        target: Target::Account(sa),
        role: Role::SaViewer,
        inheritance: Inheritance::AccountAndChildren,
    };
    refused(&mut w.dir, w.acme.alice, 3, approve);
}

/// Only the owner's users ask this way: a partner asks with RequestPartnerAccess (PTR002),
/// another company's user not at all; a Pending account takes no such request; a partner's
/// request is not answered with this command.
#[test]
fn sa011_only_users_of_the_owning_organization_ask_and_only_for_an_active_account() {
    let (mut w, _) = with_ian();
    let err = refused(&mut w.dir, w.partner.nina, 1, ask(w.acme.sa));
    assert_eq!(err.rule(), RuleId::SA011, "{err}");
    let err = refused(&mut w.dir, w.globex.hank, 1, ask(w.acme.sa));
    assert_eq!(err.rule(), RuleId::SA011, "{err}");
    let pending = Command::RequestAccountAccess {
        sa: w.globex.sa,
        target: Target::Account(w.globex.sa),
        role: Role::SaViewer,
        inheritance: Inheritance::AccountAndChildren,
    };
    let err = refused(&mut w.dir, w.globex.hank, 1, pending);
    assert_eq!(err.rule(), RuleId::SA008, "{err}");
}

/// Hostile snapshots: an approval whose role assignment was cut out of the log, and a Pending
/// account holding an employee's request, are refused.
#[test]
fn sa011_hostile_snapshots_of_access_requests_are_refused() {
    let (mut w, ian) = with_ian();
    let request = ian_asks(&mut w, ian);
    let sa = w.acme.sa;
    accepted(
        &mut w.dir,
        w.acme.alice,
        2,
        Command::ApproveAccessRequest {
            sa,
            request,
            target: Target::Account(sa),
            role: Role::SaViewer,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    let mut cut = w.dir.to_snapshot();
    let i = cut.accounts.iter().position(|a| a.id == sa).unwrap();
    let log = &mut cut.accounts[i].events;
    let k = log
        .iter()
        .position(|e| matches!(e.change, Change::RoleAssigned { user, .. } if user == ian))
        .unwrap();
    log.remove(k);
    for (n, e) in log.iter_mut().enumerate() {
        e.seq = n as u64 + 1;
    }
    cut.accounts[i].roles.retain(|b| b.user != ian);
    assert!(
        Directory::from_snapshot(cut).is_err(),
        "an approval without its role is refused"
    );

    let mut pending = crate::common::logless(&w.dir);
    pending.directory_events.clear();
    let g = pending
        .accounts
        .iter()
        .position(|a| a.id == w.globex.sa)
        .unwrap();
    let mut asked = pending.accounts[i].access_requests[0];
    asked.user = w.globex.hank;
    asked.org = w.globex.org;
    asked.status = RequestStatus::Pending;
    asked.requested_at = pending.accounts[g].created_at;
    pending.accounts[g].access_requests.push(asked);
    let err = Directory::from_snapshot(pending).unwrap_err();
    assert_eq!(err.rule(), RuleId::SA011, "{err}");
}

/// An employee's request is answered as SA011 says, by an SA Admin who chooses the role and the
/// scope: the partner commands (PTR002) refuse it and change nothing.
#[test]
fn sa011_ptr002_an_employees_request_is_not_answered_with_the_partner_commands() {
    let (mut w, ian) = with_ian();
    let request = ian_asks(&mut w, ian);
    for command in [
        Command::ApprovePartnerAccess {
            sa: w.acme.sa,
            request,
            expires: None,
        },
        Command::RejectPartnerAccess {
            sa: w.acme.sa,
            request,
        },
    ] {
        let err = refused(&mut w.dir, w.acme.alice, 2, command);
        assert_eq!(err.rule(), RuleId::PTR002, "{err}");
        assert!(err.to_string().contains("RejectAccessRequest"), "{err}");
    }
    accepted(
        &mut w.dir,
        w.acme.alice,
        2,
        Command::RejectAccessRequest {
            sa: w.acme.sa,
            request,
        },
    );
}
