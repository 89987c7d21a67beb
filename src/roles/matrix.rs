//! Roles, actions and the permission matrix (ROLE001, ROLE004, ROLE005), and what a role is
//! held on (a target) and who acts (an actor).

use std::fmt;

use crate::base::ids::{SaId, UserId, VaId};
use crate::base::limits::clip;

/// A role (ROLE001): four on a Smart Account, three on a Virtual Account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Role {
    /// Smart Account Administrator: everything.
    SaAdmin,
    /// Smart Account User: views and manages licenses and devices everywhere.
    SaUser,
    /// Smart Account Viewer: views everything.
    SaViewer,
    /// Smart Account Approver: views the account and accepts agreements.
    SaApprover,
    /// Virtual Account Administrator: manages licenses, devices, sub-accounts and roles of its
    /// Virtual Account.
    VaAdmin,
    /// Virtual Account User: manages licenses and devices of its Virtual Account.
    VaUser,
    /// Virtual Account Viewer: views its Virtual Account.
    VaViewer,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 7] = [
        Role::SaAdmin,
        Role::SaUser,
        Role::SaViewer,
        Role::SaApprover,
        Role::VaAdmin,
        Role::VaUser,
        Role::VaViewer,
    ];

    /// Whether the role is held on a Smart Account (as opposed to a Virtual Account).
    #[must_use]
    pub const fn is_account_role(self) -> bool {
        matches!(
            self,
            Role::SaAdmin | Role::SaUser | Role::SaViewer | Role::SaApprover
        )
    }

    /// The actions the role allows where it applies (ROLE005).
    #[must_use]
    pub const fn actions(self) -> ActionSet {
        use Action as A;
        let view = A::ViewAccount.bit() | A::ViewLicenses.bit();
        let manage = A::ManageLicenses.bit() | A::ManageDevices.bit();
        ActionSet(match self {
            Role::SaAdmin => ActionSet::EVERY.0,
            Role::SaUser => view | manage,
            Role::SaViewer => view,
            Role::SaApprover => A::ViewAccount.bit() | A::AcceptAgreement.bit(),
            Role::VaAdmin => view | manage | A::ManageChildVas.bit() | A::AssignVaRoles.bit(),
            Role::VaUser => view | manage,
            Role::VaViewer => view,
        })
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The roles that would allow `action`.
    #[must_use]
    pub fn granting(action: Action) -> RoleSet {
        // Computed at compile time, indexed by action: a deny's explanation costs one load.
        const GRANTING: [RoleSet; Action::ALL.len()] = {
            let mut table = [RoleSet::EMPTY; Action::ALL.len()];
            let mut cells: &mut [RoleSet] = &mut table;
            let mut actions: &[Action] = &Action::ALL;
            while let ([cell, more_cells @ ..], [action, more_actions @ ..]) = (cells, actions) {
                *cell = Role::granting_slow(*action);
                cells = more_cells;
                actions = more_actions;
            }
            table
        };
        GRANTING
            .get(action as usize)
            .copied()
            .unwrap_or(RoleSet::EMPTY)
    }

    const fn granting_slow(action: Action) -> RoleSet {
        let mut set = RoleSet::EMPTY;
        let mut roles: &[Role] = &Role::ALL;
        while let [role, rest @ ..] = roles {
            let applies = role.is_account_role() || !action.is_account_level();
            if applies && role.actions().contains(action) {
                set.0 |= role.bit();
            }
            roles = rest;
        }
        set
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::SaAdmin => "SA Admin",
            Role::SaUser => "SA User",
            Role::SaViewer => "SA Viewer",
            Role::SaApprover => "SA Approver",
            Role::VaAdmin => "VA Admin",
            Role::VaUser => "VA User",
            Role::VaViewer => "VA Viewer",
        })
    }
}

/// How far a Virtual Account role reaches (ROLE004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Inheritance {
    /// That Virtual Account only.
    AccountOnly,
    /// That Virtual Account and every one nested below it, including ones created later. The
    /// default.
    #[default]
    AccountAndChildren,
}

/// What a user may do: the rows of the permission matrix (ROLE005).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Action {
    /// View the account and the Virtual Account tree.
    ViewAccount,
    /// View licenses and devices.
    ViewLicenses,
    /// Transfer licenses, assign from holding, reserve, convert PAK.
    ManageLicenses,
    /// Register, move and remove devices.
    ManageDevices,
    /// Create a Virtual Account at the top level (account-level action).
    CreateTopLevelVa,
    /// Create, rename, move and delete Virtual Accounts directly below the target one. A
    /// Virtual Account Admin holds it on its own Virtual Account and, inherited, below it: so
    /// it manages Virtual Accounts strictly below its own, never its own.
    ManageChildVas,
    /// Assign and revoke Virtual Account roles on the target.
    AssignVaRoles,
    /// Assign and revoke Smart Account roles (account-level action).
    AssignSaRoles,
    /// Edit account properties (account-level action).
    EditAccount,
    /// Approve partner access requests (account-level action).
    ApprovePartnerAccess,
    /// Accept the Smart Licensing agreement (account-level action).
    AcceptAgreement,
    /// Read the event log (account-level action).
    ViewEventLog,
}

impl Action {
    /// Every action, in a stable order.
    pub const ALL: [Action; 12] = [
        Action::ViewAccount,
        Action::ViewLicenses,
        Action::ManageLicenses,
        Action::ManageDevices,
        Action::CreateTopLevelVa,
        Action::ManageChildVas,
        Action::AssignVaRoles,
        Action::AssignSaRoles,
        Action::EditAccount,
        Action::ApprovePartnerAccess,
        Action::AcceptAgreement,
        Action::ViewEventLog,
    ];

    /// Whether the action concerns the account as a whole: only Smart Account roles grant it,
    /// whatever the target.
    #[must_use]
    pub const fn is_account_level(self) -> bool {
        matches!(
            self,
            Action::CreateTopLevelVa
                | Action::AssignSaRoles
                | Action::EditAccount
                | Action::ApprovePartnerAccess
                | Action::AcceptAgreement
                | Action::ViewEventLog
        )
    }

    pub(crate) const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::ViewAccount => "view the account",
            Action::ViewLicenses => "view licenses and devices",
            Action::ManageLicenses => "manage licenses",
            Action::ManageDevices => "manage devices",
            Action::CreateTopLevelVa => "create a top-level virtual account",
            Action::ManageChildVas => "manage the virtual accounts below",
            Action::AssignVaRoles => "assign virtual account roles",
            Action::AssignSaRoles => "assign smart account roles",
            Action::EditAccount => "edit account properties",
            Action::ApprovePartnerAccess => "approve partner access",
            Action::AcceptAgreement => "accept agreements",
            Action::ViewEventLog => "view the event log",
        })
    }
}

/// A set of actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ActionSet(u16);

impl ActionSet {
    /// No action.
    pub const EMPTY: ActionSet = ActionSet(0);
    /// Every action.
    pub const EVERY: ActionSet = ActionSet((1 << Action::ALL.len()) - 1);

    /// Whether `action` is in the set.
    #[must_use]
    pub const fn contains(self, action: Action) -> bool {
        self.0 & action.bit() != 0
    }

    /// The set with `action` added.
    #[must_use]
    pub const fn with(self, action: Action) -> ActionSet {
        ActionSet(self.0 | action.bit())
    }

    /// The union of two sets.
    #[must_use]
    pub const fn union(self, other: ActionSet) -> ActionSet {
        ActionSet(self.0 | other.0)
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The actions in the set, in [`Action::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Action> {
        Action::ALL.into_iter().filter(move |a| self.contains(*a))
    }

    pub(crate) const fn bits(self) -> u16 {
        self.0
    }
}

/// A set of roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RoleSet(u8);

impl RoleSet {
    /// No role.
    pub const EMPTY: RoleSet = RoleSet(0);

    /// Whether `role` is in the set.
    #[must_use]
    pub const fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The roles in the set, in [`Role::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl fmt::Display for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for role in self.iter() {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            role.fmt(f)?;
        }
        if first {
            f.write_str("no role")?;
        }
        Ok(())
    }
}

/// Arbitrary sets hold only real actions and roles: the unused high bits stay clear, as in
/// every set the crate builds.
#[cfg(feature = "arbitrary")]
mod set_arbitrary {
    use super::{ActionSet, Role, RoleSet};
    use arbitrary::{Arbitrary, Result, Unstructured};

    impl<'a> Arbitrary<'a> for ActionSet {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(ActionSet(u16::arbitrary(u)? & ActionSet::EVERY.0))
        }
    }

    impl<'a> Arbitrary<'a> for RoleSet {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let every = Role::ALL.iter().fold(0, |acc, r| acc | r.bit());
            Ok(RoleSet(u8::arbitrary(u)? & every))
        }
    }
}

#[cfg(feature = "serde")]
mod set_serde {
    use super::{Action, ActionSet, Role, RoleSet};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl Serialize for ActionSet {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.iter())
        }
    }
    impl<'de> Deserialize<'de> for ActionSet {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let items = Vec::<Action>::deserialize(d)?;
            Ok(items.into_iter().fold(ActionSet::EMPTY, ActionSet::with))
        }
    }
    impl Serialize for RoleSet {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.iter())
        }
    }
    impl<'de> Deserialize<'de> for RoleSet {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let items = Vec::<Role>::deserialize(d)?;
            Ok(RoleSet(items.into_iter().fold(0, |acc, r| acc | r.bit())))
        }
    }
}

/// What a permission check is about: a whole Smart Account or one Virtual Account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Target {
    /// A Smart Account as a whole: only Smart Account roles count.
    Account(SaId),
    /// One Virtual Account: Smart Account roles and Virtual Account roles on it or, inherited,
    /// on an ancestor count.
    Va(VaId),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Account(sa) => sa.fmt(f),
            Target::Va(va) => va.fmt(f),
        }
    }
}

impl From<SaId> for Target {
    fn from(value: SaId) -> Self {
        Target::Account(value)
    }
}

impl From<VaId> for Target {
    fn from(value: VaId) -> Self {
        Target::Va(value)
    }
}

/// Who performs a command (SPEC vocabulary "actor").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Actor {
    /// A signed-in user; their roles decide what they may do.
    User(UserId),
    /// The ordering system fulfilling an order.
    Fulfilment,
    /// Vendor support acting on a support case.
    VendorSupport {
        /// The case number.
        case: String,
    },
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::User(u) => u.fmt(f),
            Actor::Fulfilment => f.write_str("order fulfilment"),
            Actor::VendorSupport { case } => {
                write!(f, "vendor support (case `{}`)", clip(case))
            }
        }
    }
}

/// Sets of actions and roles are JSON arrays of their members.
#[cfg(feature = "schemars")]
mod set_schema {
    use super::{Action, ActionSet, Role, RoleSet};
    use schemars::{JsonSchema, Schema, SchemaGenerator};
    use std::borrow::Cow;

    impl JsonSchema for ActionSet {
        fn schema_name() -> Cow<'static, str> {
            Cow::Borrowed("ActionSet")
        }
        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            <Vec<Action>>::json_schema(generator)
        }
    }
    impl JsonSchema for RoleSet {
        fn schema_name() -> Cow<'static, str> {
            Cow::Borrowed("RoleSet")
        }
        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            <Vec<Role>>::json_schema(generator)
        }
    }
}
