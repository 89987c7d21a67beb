//! The integration tests, as modules of one test binary: a change to the crate then recompiles
//! and links one test crate, not fifteen (see DESIGN.md). The folders follow the sections of the
//! rule catalog (`docs/RULES.md`): the tests of a rule live in the folder of its ID prefix
//! (`sa/`, `va/`, `role/`, `ptr/`, `lic/`, `dev/`, `q/`, `ev/` with AGR, `bp/`), and each test's
//! name starts with the lowercase ID of the rule it proves. `meta/` holds what proves no single
//! rule; `common/` the shared fixtures and the reference model. Run one section or one rule with
//! a name filter: `cargo test --all-features --test all ptr::` or `... ptr005_`.

mod common;

mod bp;
mod dev;
mod ev;
mod lic;
mod meta;
mod ptr;
mod q;
mod role;
mod sa;
mod va;
