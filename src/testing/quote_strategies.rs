//! Proptest strategies for quotes, policy calendars and directories to validate them against
//! (feature `proptest`).
//!
//! Identifiers are drawn mostly from small ranges, so that generated quotes often name the
//! organizations, accounts and Virtual Accounts of [`crate::fixtures::world`]
//! and sometimes name nothing at all; names and strings include case variants, blanks, control
//! characters and long text.

use jiff::civil::{Date, date};
use proptest::collection::{btree_set, vec};
use proptest::option;
use proptest::prelude::*;

use crate::Command;
use crate::accounts::kinds::{AccountKind, Visibility};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::base::text::{Domain, Email};
use crate::directory::Directory;
use crate::directory::people::{NewUser, OrgKind};
use crate::fixtures;
use crate::orders::policy::{DealScope, Phase, PolicyAction, PolicyCalendar};
use crate::orders::quote::{
    Assignment, Contact, Country, Deal, DealKind, EndCustomer, LicenseKind, Line, LineId, Quote,
    SaRef, SaRequirement, Term, VaRef,
};
use crate::orders::validate::Stage;
use crate::roles::matrix::Actor;

/// A country: mostly `JP`, `US` and `DE`, else any valid code.
pub fn country() -> impl Strategy<Value = Country> {
    prop_oneof![
        3 => Just(Country::JP),
        2 => Just(Country::US),
        1 => Just(Country::DE),
        2 => "[A-Z]{2}".prop_filter_map("private-use code", |s| Country::parse(&s).ok()),
    ]
}

/// A deal kind: RNSD Transactional or a named other kind.
pub fn deal_kind() -> impl Strategy<Value = DealKind> {
    prop_oneof![
        Just(DealKind::RnsdTransactional),
        "(Standard|Promotion|[A-Za-z ]{0,12})".prop_map(DealKind::Other),
    ]
}

/// A domain: the fixture's domains and prefixed forms of them, public ones, and others.
pub fn domain() -> impl Strategy<Value = Domain> {
    prop_oneof![
        "(acme\\.com|emea\\.acme\\.com|globex\\.com|nimbus-networks\\.com|ingress-dist\\.com|gmail\\.com|initech\\.com)",
        "[a-z]{1,8}\\.(com|net|co\\.jp)",
    ]
    .prop_filter_map("valid domain", |s| Domain::parse(&s).ok())
}

/// An email at one of [`domain`]'s domains.
pub fn email() -> impl Strategy<Value = Email> {
    ("[a-z]{1,6}", domain()).prop_filter_map("valid email", |(local, d)| {
        Email::parse(&format!("{local}@{d}")).ok()
    })
}

/// A contact, with or without a Cisco.com ID.
pub fn contact() -> impl Strategy<Value = Contact> {
    (option::of("[a-z]{0,6}"), email()).prop_map(|(cco_id, email)| Contact { cco_id, email })
}

/// A Virtual Account reference: fixture names in several spellings, identifiers, junk.
pub fn va_ref() -> impl Strategy<Value = VaRef> {
    prop_oneof![
        "(DEFAULT|EMEA|emea|EMEA-Sales|Americas|US|APAC|apac|Apac| APAC|Labs|Lab-10|Mars|)"
            .prop_map(VaRef::Name),
        "\\PC{0,12}".prop_map(VaRef::Name),
        (0u32..48).prop_map(|n| VaRef::Id(VaId::new(n))),
    ]
}

/// A Smart Account identifier: mostly one of the fixture's, sometimes one that does not exist.
pub fn sa_id() -> impl Strategy<Value = SaId> {
    prop_oneof![
        4 => (0u32..8).prop_map(SaId::new),
        1 => any::<u32>().prop_map(SaId::new),
    ]
}

/// A Smart Account reference: mostly an identifier ([`sa_id`]), sometimes a domain or an email
/// (the fixture's and others).
pub fn sa_ref() -> impl Strategy<Value = SaRef> {
    prop_oneof![
        4 => sa_id().prop_map(SaRef::Id),
        1 => domain().prop_map(SaRef::Domain),
        1 => email().prop_map(SaRef::Email),
    ]
}

/// An organization identifier, mostly one of the fixture's.
pub fn org_id() -> impl Strategy<Value = OrgId> {
    prop_oneof![
        4 => (0u32..8).prop_map(OrgId::new),
        1 => any::<u32>().prop_map(OrgId::new),
    ]
}

/// Any assignment (Q002).
pub fn assignment() -> impl Strategy<Value = Assignment> {
    prop_oneof![
        4 => (sa_ref(), option::of(va_ref())).prop_map(|(sa, va)| Assignment::Account { sa, va }),
        1 => (option::of(domain()), contact())
            .prop_map(|(domain, contact)| Assignment::NewAccount { domain, contact }),
        1 => contact().prop_map(|contact| Assignment::Delegate { contact }),
    ]
}

/// Any line.
pub fn line() -> impl Strategy<Value = Line> {
    line_from(assignment().boxed())
}

/// A line whose assignments come from `assignment`.
fn line_from(assignment: BoxedStrategy<Assignment>) -> impl Strategy<Value = Line> {
    (
        "(1\\.0|2\\.0|3\\.0|[A-Z0-9.-]{0,6})",
        "(C9300-NW-E-24|\\PC{0,10})",
        prop_oneof![Just(0u32), 1u32..100, Just(u32::MAX)],
        prop_oneof![
            Just(SaRequirement::Mandatory),
            Just(SaRequirement::Optional),
            Just(SaRequirement::NotApplicable),
        ],
        prop_oneof![Just(LicenseKind::Smart), Just(LicenseKind::Classic)],
        prop_oneof![
            Just(Term::Perpetual),
            (0u16..100).prop_map(|months| Term::Subscription { months }),
        ],
        any::<bool>(),
        option::of(assignment.clone()),
        option::weighted(0.2, assignment),
    )
        .prop_map(
            |(id, sku, quantity, requirement, license, term, booked, assignment, new)| Line {
                id: LineId::from(id),
                sku,
                quantity,
                requirement,
                license,
                term,
                booked,
                assignment,
                new_assignment: new,
            },
        )
}

/// Any quote of up to `max_lines` lines.
pub fn quote_with(max_lines: usize) -> impl Strategy<Value = Quote> {
    quote_from(
        org_id().boxed(),
        domain().boxed(),
        line().boxed(),
        max_lines,
    )
}

/// A quote from these parts.
fn quote_from(
    org: BoxedStrategy<OrgId>,
    domain: BoxedStrategy<Domain>,
    line: BoxedStrategy<Line>,
    max_lines: usize,
) -> impl Strategy<Value = Quote> {
    (
        "(D-[0-9]{1,4}|)",
        deal_kind(),
        org.clone(),
        option::of(org),
        "(Acme|Globex|\\PC{0,8})",
        option::of(domain),
        country(),
        vec(line, 0..=max_lines),
    )
        .prop_map(
            |(id, kind, partner, distributor, name, domain, country, lines)| Quote {
                deal: Deal { id, kind },
                partner,
                distributor,
                end_customer: EndCustomer {
                    name,
                    domain,
                    country,
                },
                lines,
            },
        )
}

/// Any quote of up to 8 lines.
pub fn quote() -> impl Strategy<Value = Quote> {
    quote_with(8)
}

/// Quotes that name what `dir` holds (issue 15: quote strategies over any directory, not only
/// the fixture world): its partners and distributors, its accounts by identifier, domain or
/// contact email, its Virtual Accounts by name (in several spellings) and identifier, mixed
/// with the generic values of [`quote_with`] (a quarter of the time), which name nothing in
/// `dir` or something malformed. Up to `max_lines` lines.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "fixtures")] {
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use smart_accounts::fixtures::builder::Builder;
/// use smart_accounts::quote_strategies::quote_for;
///
/// let mut b = Builder::new("2026-01-05T09:00:00Z".parse()?);
/// let acme = b.customer("Acme", "acme.com")?;
/// b.va_path(&acme, "Region-US/Finance")?;
/// let dir = b.build();
/// let mut runner = TestRunner::deterministic();
/// let quote = quote_for(&dir, 4).new_tree(&mut runner).map_err(|e| e.to_string())?.current();
/// assert!(quote.lines.len() <= 4);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn quote_for(dir: &Directory, max_lines: usize) -> BoxedStrategy<Quote> {
    let names = Names::of(dir);
    let org = names.seller();
    let domain = names.domain();
    let line = line_from(names.assignment()).boxed();
    quote_from(org, domain, line, max_lines).boxed()
}

/// What a directory offers a quote to name.
#[derive(Debug, Clone, Default)]
struct Names {
    sellers: Vec<OrgId>,
    accounts: Vec<SaId>,
    domains: Vec<Domain>,
    emails: Vec<Email>,
    va_names: Vec<String>,
    va_ids: Vec<VaId>,
}

impl Names {
    fn of(dir: &Directory) -> Names {
        let mut names = Names {
            sellers: dir
                .organizations()
                .filter(|o| o.kind.is_seller())
                .map(|o| o.id)
                .collect(),
            ..Names::default()
        };
        for account in dir.accounts() {
            names.accounts.push(account.id());
            match account.identifier() {
                crate::Identifier::Domain(d) => names.domains.push(d.clone()),
                crate::Identifier::Email(e) => names.emails.push(e.clone()),
            }
            for va in account.vas() {
                names.va_ids.push(va.id());
                let name = va.name();
                names.va_names.extend([
                    name.to_owned(),
                    name.to_uppercase(),
                    format!(" {}", name.to_lowercase()),
                ]);
            }
        }
        names
    }

    fn seller(&self) -> BoxedStrategy<OrgId> {
        either(self.sellers.clone(), org_id().boxed())
    }

    fn domain(&self) -> BoxedStrategy<Domain> {
        either(self.domains.clone(), domain().boxed())
    }

    fn sa_ref(&self) -> BoxedStrategy<SaRef> {
        prop_oneof![
            4 => either(self.accounts.clone(), sa_id().boxed()).prop_map(SaRef::Id),
            1 => self.domain().prop_map(SaRef::Domain),
            1 => either(self.emails.clone(), email().boxed()).prop_map(SaRef::Email),
        ]
        .boxed()
    }

    fn va_ref(&self) -> BoxedStrategy<VaRef> {
        prop_oneof![
            2 => either(self.va_names.clone(), Just(String::new()).boxed()).prop_map(VaRef::Name),
            2 => either(self.va_ids.clone(), Just(VaId::new(0)).boxed()).prop_map(VaRef::Id),
            1 => va_ref(),
        ]
        .boxed()
    }

    fn assignment(&self) -> BoxedStrategy<Assignment> {
        let account = (self.sa_ref(), option::of(self.va_ref()))
            .prop_map(|(sa, va)| Assignment::Account { sa, va });
        prop_oneof![
            4 => account,
            1 => (option::of(self.domain()), contact())
                .prop_map(|(domain, contact)| Assignment::NewAccount { domain, contact }),
            1 => contact().prop_map(|contact| Assignment::Delegate { contact }),
        ]
        .boxed()
    }
}

/// One of `items` three times in four, else a value of `other`; `other` alone when there are
/// no items.
fn either<T: Clone + std::fmt::Debug + 'static>(
    items: Vec<T>,
    other: BoxedStrategy<T>,
) -> BoxedStrategy<T> {
    if items.is_empty() {
        other
    } else {
        prop_oneof![3 => proptest::sample::select(items), 1 => other].boxed()
    }
}

/// A stage.
pub fn stage() -> impl Strategy<Value = Stage> {
    prop_oneof![Just(Stage::Submit), Just(Stage::Order), Just(Stage::Change)]
}

/// A day from 2019 to 2030, with the policy's boundary days often.
pub fn day() -> impl Strategy<Value = Date> {
    prop_oneof![
        Just(date(2020, 9, 12)),
        Just(date(2020, 9, 13)),
        Just(date(2020, 10, 24)),
        Just(date(2020, 10, 25)),
        Just(date(2021, 1, 3)),
        Just(date(2021, 1, 4)),
        (2019i16..=2030, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d)),
    ]
}

/// A policy calendar: Cisco's, the originally announced one, or random phases.
pub fn calendar() -> impl Strategy<Value = PolicyCalendar> {
    let phase = (
        day(),
        prop_oneof![
            Just(DealScope::All),
            vec(deal_kind(), 0..3).prop_map(DealScope::Kinds),
        ],
        prop_oneof![
            Just(PolicyAction::None),
            Just(PolicyAction::Warn),
            Just(PolicyAction::Block),
        ],
        btree_set(country(), 0..3),
    )
        .prop_map(|(from, scope, action, exempt_countries)| Phase {
            from,
            scope,
            action,
            exempt_countries,
        });
    prop_oneof![
        Just(PolicyCalendar::cisco()),
        Just(PolicyCalendar::originally_announced()),
        vec(phase, 0..4).prop_map(|mut phases| {
            phases.sort_by_key(|p| p.from);
            phases.dedup_by_key(|p| p.from);
            PolicyCalendar::new(phases).unwrap_or_default()
        }),
    ]
}

/// A change to the fixture directory, for [`directory`].
#[derive(Debug, Clone)]
enum Op {
    Va { parent: u32, name: String },
    Restrict { va: u32, restricted: bool },
    Account { domain: String, on_behalf: bool },
    Activate { sa: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u32..40, "(EMEA|Apac|[A-Za-z]{1,6})").prop_map(|(parent, name)| Op::Va { parent, name }),
        (0u32..48, any::<bool>()).prop_map(|(va, restricted)| Op::Restrict { va, restricted }),
        ("[a-z]{1,6}\\.(acme\\.com|com)", any::<bool>())
            .prop_map(|(domain, on_behalf)| Op::Account { domain, on_behalf }),
        (0u32..12).prop_map(|sa| Op::Activate { sa }),
    ]
}

/// A directory: the fixture world changed by up to 12 random commands (new Virtual Accounts
/// in Acme, visibility changes, new Pending or Active customer accounts, activations). Refused
/// commands are skipped, so every directory is one the commands can produce.
pub fn directory() -> impl Strategy<Value = Directory> {
    vec(op(), 0..12).prop_map(|ops| {
        let Ok(world) = fixtures::world() else {
            return Directory::new();
        };
        let mut dir = world.dir;
        let alice = Actor::User(world.acme.alice);
        let at = world.at;
        for (n, op) in ops.into_iter().enumerate() {
            let _ = match op {
                Op::Va { parent, name } => {
                    let parent = Some(VaId::new(parent)).filter(|p| p.get() != 0);
                    dir.create_va(&alice, at, world.acme.sa, parent, &name)
                        .map(|_| ())
                }
                Op::Restrict { va, restricted } => {
                    let visibility = if restricted {
                        Visibility::Restricted
                    } else {
                        Visibility::Unrestricted
                    };
                    dir.execute(
                        &alice,
                        at,
                        Command::SetVisibility {
                            va: VaId::new(va),
                            visibility,
                        },
                    )
                    .map(|_| ())
                }
                Op::Account { domain, on_behalf } => {
                    let tail = domain.split_once('.').map_or("com", |(_, t)| t);
                    let org = dir.register_organization("Generated", OrgKind::Customer);
                    let contact = org.and_then(|org| {
                        dir.register_user(NewUser {
                            cco_id: Some(format!("gen-{n}")),
                            email: format!("gen-{n}@{tail}"),
                            org,
                            kind: Default::default(),
                        })
                    });
                    contact.and_then(|contact| {
                        let actor = if on_behalf {
                            Actor::User(world.partner.admin)
                        } else {
                            Actor::User(contact)
                        };
                        dir.request_account(
                            &actor,
                            at,
                            AccountKind::Customer,
                            "Generated",
                            Some(&domain),
                            contact,
                        )
                        .map(|_| ())
                    })
                }
                Op::Activate { sa } => {
                    let sa = SaId::new(sa);
                    let contact = dir.account(sa).map_or(UserId::new(0), |a| a.contact());
                    dir.execute(&Actor::User(contact), at, Command::ActivateAccount { sa })
                        .map(|_| ())
                }
            };
        }
        dir
    })
}
