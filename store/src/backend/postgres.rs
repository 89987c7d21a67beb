//! The PostgreSQL backend (placeholder while the SQLite one is built).
