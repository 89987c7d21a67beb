//! Event streams of `smart-accounts` in SQLite (the embedded default) and PostgreSQL.
#![forbid(unsafe_code)]
