//! The date-effective Smart Account policy for quote submission (Q004, Q005), as a calendar of
//! phases.
//!
//! A [`PolicyCalendar`] is a list of [`Phase`]s, each effective from its date until the next
//! one starts. A phase names the deal kinds in scope, what happens to an in-scope quote whose
//! Smart-Account-required lines are not all assigned (nothing, a warning, a block) and the
//! countries exempt from it. Before the first phase there is no quote-time requirement. Deals
//! outside a phase's scope have none either: the order-time rule Q001 still applies to them.
//!
//! The default is Cisco's calendar ([`PolicyCalendar::cisco`]); the originally announced plan,
//! enforcement for every deal from 2020-10-25, is [`PolicyCalendar::originally_announced`].
//! Calendars load from serde:
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use smart_accounts::PolicyCalendar;
//!
//! let json = serde_json::to_string(&PolicyCalendar::cisco())?;
//! let back: PolicyCalendar = serde_json::from_str(&json)?;
//! assert_eq!(back, PolicyCalendar::cisco());
//! // Phases must start on strictly increasing dates.
//! let bad = r#"{"phases": [
//!     {"from": "2021-01-04", "scope": "all", "action": "block"},
//!     {"from": "2020-09-13", "scope": "all", "action": "warn"}]}"#;
//! assert!(serde_json::from_str::<PolicyCalendar>(bad).is_err());
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, date};

use crate::orders::quote::{Country, DealKind};

/// What the policy does to an in-scope quote whose Smart-Account-required lines are not all
/// assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum PolicyAction {
    /// No quote-time requirement.
    #[default]
    None,
    /// The requirement is monitored: a warning, no impact on submission.
    Warn,
    /// The quote cannot be submitted until the requirement holds.
    Block,
}

impl fmt::Display for PolicyAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyAction::None => "no requirement",
            PolicyAction::Warn => "monitored (warning only)",
            PolicyAction::Block => "enforced (blocks submission)",
        })
    }
}

/// Which deals a phase applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum DealScope {
    /// Every deal and quote.
    All,
    /// Only deals of these kinds.
    Kinds(Vec<DealKind>),
}

impl DealScope {
    /// Whether a deal of `kind` is in scope.
    #[must_use]
    pub fn contains(&self, kind: &DealKind) -> bool {
        match self {
            DealScope::All => true,
            DealScope::Kinds(kinds) => kinds.contains(kind),
        }
    }
}

/// One phase of the calendar, effective from `from` until the next phase starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Phase {
    /// The first day the phase applies.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::date")
    )]
    pub from: Date,
    /// The deal kinds in scope; others have no quote-time requirement during the phase.
    pub scope: DealScope,
    /// What happens to an in-scope quote that misses assignments.
    pub action: PolicyAction,
    /// End-customer countries the phase does not apply to (Q005).
    #[cfg_attr(feature = "serde", serde(default))]
    pub exempt_countries: BTreeSet<Country>,
}

/// What the calendar asks of one quote on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// What happens when a Smart-Account-required line is unassigned.
    pub action: PolicyAction,
    /// Whether the end customer's country exempted the quote from a phase whose action would
    /// otherwise be `Warn` or `Block` (the action is then `None`).
    pub exempted: bool,
}

/// Why a calendar was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Q004: policy calendar phase {index} starts on {from}, not after the phase before it")]
pub struct CalendarError {
    index: usize,
    from: Date,
}

impl CalendarError {
    /// The position of the offending phase.
    #[must_use]
    pub fn index(&self) -> usize {
        self.index
    }
}

/// The date-effective quote-submission policy (Q004): phases on strictly increasing dates.
///
/// # Examples
///
/// ```
/// use jiff::civil::date;
/// use smart_accounts::PolicyCalendar;
/// use smart_accounts::policy::PolicyAction;
/// use smart_accounts::quote::{Country, DealKind};
///
/// let cisco = PolicyCalendar::default();
/// let rnsd = DealKind::RnsdTransactional;
/// let other = DealKind::Other("Standard".into());
/// let on = |d| cisco.requirement(d, &rnsd, Country::US).action;
/// assert_eq!(on(date(2020, 9, 12)), PolicyAction::None);
/// assert_eq!(on(date(2020, 9, 13)), PolicyAction::Warn);
/// assert_eq!(on(date(2021, 1, 4)), PolicyAction::Block);
/// assert_eq!(cisco.requirement(date(2021, 1, 4), &other, Country::US).action, PolicyAction::None);
/// // Japan is exempt (Q005).
/// let jp = cisco.requirement(date(2021, 1, 4), &rnsd, Country::JP);
/// assert_eq!(jp.action, PolicyAction::None);
/// assert!(jp.exempted);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PolicyCalendar {
    phases: Vec<Phase>,
}

impl Default for PolicyCalendar {
    /// Cisco's calendar ([`PolicyCalendar::cisco`]).
    fn default() -> Self {
        PolicyCalendar::cisco()
    }
}

fn japan() -> BTreeSet<Country> {
    BTreeSet::from([Country::JP])
}

impl PolicyCalendar {
    /// A calendar of `phases`.
    ///
    /// # Errors
    ///
    /// [`CalendarError`] when a phase does not start strictly after the one before it.
    pub fn new(phases: Vec<Phase>) -> Result<PolicyCalendar, CalendarError> {
        for (index, pair) in phases.windows(2).enumerate() {
            if let [before, after] = pair
                && after.from <= before.from
            {
                return Err(CalendarError {
                    index: index + 1,
                    from: after.from,
                });
            }
        }
        Ok(PolicyCalendar { phases })
    }

    /// Cisco's calendar as it happened (Q004, Q005), the default:
    ///
    /// | from | deals in scope | action | exempt |
    /// | --- | --- | --- | --- |
    /// | (before 2020-09-13) | — | none | — |
    /// | 2020-09-13 | all | warn (monitored without impact) | JP |
    /// | 2021-01-04 | RNSD Transactional | block | JP |
    #[must_use]
    pub fn cisco() -> PolicyCalendar {
        PolicyCalendar {
            phases: vec![
                Phase {
                    from: date(2020, 9, 13),
                    scope: DealScope::All,
                    action: PolicyAction::Warn,
                    exempt_countries: japan(),
                },
                Phase {
                    from: date(2021, 1, 4),
                    scope: DealScope::Kinds(vec![DealKind::RnsdTransactional]),
                    action: PolicyAction::Block,
                    exempt_countries: japan(),
                },
            ],
        }
    }

    /// A built-in calendar by the name callers give it: `"cisco"` ([`PolicyCalendar::cisco`])
    /// or `"original"` ([`PolicyCalendar::originally_announced`]); `None` for any other name.
    ///
    /// # Examples
    ///
    /// ```
    /// use smart_accounts::PolicyCalendar;
    ///
    /// assert_eq!(PolicyCalendar::named("cisco"), Some(PolicyCalendar::cisco()));
    /// assert_eq!(PolicyCalendar::named("calendar.json"), None);
    /// ```
    #[must_use]
    pub fn named(name: &str) -> Option<PolicyCalendar> {
        match name {
            "cisco" => Some(PolicyCalendar::cisco()),
            "original" => Some(PolicyCalendar::originally_announced()),
            _ => None,
        }
    }

    /// The plan as first announced: monitoring from 2020-09-13, then enforcement for every
    /// deal from 2020-10-25, Japan exempt throughout as in Cisco's calendar. It differs from
    /// [`PolicyCalendar::cisco`] exactly from 2020-10-25 on, outside Japan: it blocks where
    /// Cisco's warns (until 2021-01-03) or asks nothing (from 2021-01-04, deals other than RNSD
    /// Transactional).
    #[must_use]
    pub fn originally_announced() -> PolicyCalendar {
        PolicyCalendar {
            phases: vec![
                Phase {
                    from: date(2020, 9, 13),
                    scope: DealScope::All,
                    action: PolicyAction::Warn,
                    exempt_countries: japan(),
                },
                Phase {
                    from: date(2020, 10, 25),
                    scope: DealScope::All,
                    action: PolicyAction::Block,
                    exempt_countries: japan(),
                },
            ],
        }
    }

    /// The phases, by date.
    #[must_use]
    pub fn phases(&self) -> &[Phase] {
        &self.phases
    }

    /// The phase in effect on `day`, if any.
    #[must_use]
    pub fn phase_on(&self, day: Date) -> Option<&Phase> {
        self.phases.iter().rev().find(|p| p.from <= day)
    }

    /// What the calendar asks of a quote for a deal of `kind` and an end customer in
    /// `country`, submitted on `day`.
    #[must_use]
    pub fn requirement(&self, day: Date, kind: &DealKind, country: Country) -> Requirement {
        let none = Requirement {
            action: PolicyAction::None,
            exempted: false,
        };
        let Some(phase) = self.phase_on(day) else {
            return none;
        };
        if !phase.scope.contains(kind) || phase.action == PolicyAction::None {
            return none;
        }
        if phase.exempt_countries.contains(&country) {
            return Requirement {
                action: PolicyAction::None,
                exempted: true,
            };
        }
        Requirement {
            action: phase.action,
            exempted: false,
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for PolicyCalendar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            phases: Vec<Phase>,
        }
        let raw = Raw::deserialize(deserializer)?;
        PolicyCalendar::new(raw.phases).map_err(serde::de::Error::custom)
    }
}
