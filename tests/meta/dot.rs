//! The Graphviz picture of an account.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smart_accounts::{Actor, Command, SaId, Target, Visibility, dot, fixtures};

#[test]
fn the_picture_shows_every_va_its_roles_partners_and_restrictions() {
    let mut w = fixtures::world().unwrap();
    let a = w.acme;
    let alice = Actor::User(a.alice);
    w.dir
        .create_va(&alice, w.at, a.sa, Some(a.emea), "Sales \"North\" \\ East")
        .unwrap();
    w.dir
        .execute(
            &alice,
            w.at,
            Command::SetRoleExpiry {
                user: w.partner.nina,
                target: Target::Va(a.americas),
                expires: Some("2026-03-01".parse().unwrap()),
            },
        )
        .unwrap();
    let text = dot::to_dot(&w.dir, a.sa, "2026-02-01".parse().unwrap()).unwrap();
    let account = w.dir.account(a.sa).unwrap();
    for va in account.vas() {
        let node = format!("va{} [", va.id().get());
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&node))
            .unwrap();
        assert_eq!(
            line.contains("dashed"),
            va.visibility() == Visibility::Restricted,
            "{line}"
        );
        assert_eq!(
            line.contains("penwidth=2"),
            va.id() == account.default_va(),
            "{line}"
        );
        let parent = va
            .parent()
            .map_or("sa".to_owned(), |p| format!("va{}", p.get()));
        assert!(text.contains(&format!("  {parent} -> va{};", va.id().get())));
    }
    assert!(
        text.contains(r#"label="Sales \"North\" \\ East""#),
        "quotes and backslashes are escaped"
    );
    assert!(text.contains("partner nina (Nimbus Networks): VA User [until 2026-03-01]"));
    assert!(text.contains("frank: VA User, this VA only"));
    // From the expiry on, the role shows as expired and the VA is no longer filled as partner.
    let later = dot::to_dot(&w.dir, a.sa, "2026-03-01".parse().unwrap()).unwrap();
    assert!(later.contains("[expired 2026-03-01]"));
    let americas = format!("va{} [", a.americas.get());
    assert!(
        text.lines()
            .find(|l| l.contains(&americas))
            .unwrap()
            .contains("#fde8c8")
    );
    assert!(
        !later
            .lines()
            .find(|l| l.contains(&americas))
            .unwrap()
            .contains("#fde8c8")
    );
    // Deterministic, and nothing for an unknown account.
    assert_eq!(
        text,
        dot::to_dot(&w.dir.clone(), a.sa, "2026-02-01".parse().unwrap()).unwrap()
    );
    assert!(dot::to_dot(&w.dir, SaId::new(999), "2026-02-01".parse().unwrap()).is_none());

    // License stock per Virtual Account, and the licenses waiting in a holding account.
    assert!(
        text.contains("stock: 70 x ISE-PLS-LIC (perpetual): 68 available"),
        "{text}"
    );
    assert!(text.contains("0 available, 10 short"));
    let holding = dot::to_dot(&w.dir, w.partner.holding, "2026-02-01".parse().unwrap()).unwrap();
    assert!(
        holding.contains(
            "waiting: 20 x C9300-DNA-E-3Y (2025-09-15 to 2028-09-14) since 2025-09-15 (139 days)"
        ),
        "{holding}"
    );
}
