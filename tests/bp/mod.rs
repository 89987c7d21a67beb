//! BP: the best-practice advisor (BP001–BP009 in `docs/RULES.md`).

mod advisor;
