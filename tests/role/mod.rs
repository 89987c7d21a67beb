//! ROLE: roles and permissions (ROLE001–ROLE010 in `docs/RULES.md`): which roles exist and where,
//! one role per account, the union over accounts, reach, the permission matrix, who assigns what,
//! the last SA Admin, the first SA Admin, explained decisions and reverse queries.

mod batch;
mod check_index;
mod dated_queries;
mod explain;
mod index_updates;
mod last_admin;
mod roles;
