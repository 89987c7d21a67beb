//! BP: the best-practice advisor (BP001–BP009 in `docs/RULES.md`). Tests named `bp_` (no number)
//! concern the advisor as a whole rather than one rule.

mod advisor;
