//! Roles and permissions (ROLE): the roles, actions and permission matrix, and the permission
//! check with its explanations and reverse queries.

mod assign;
pub(crate) mod check;
pub(crate) mod explain;
pub(crate) mod matrix;
