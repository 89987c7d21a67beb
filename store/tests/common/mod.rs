//! What the store's tests share: a fresh store per test, on a SQLite file in a temporary
//! directory or in a PostgreSQL database of its own on the server of `SMART_ACCOUNTS_PG`.
#![allow(dead_code, reason = "each test file uses its part")]

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use smart_accounts::fixtures::World;
use smart_accounts::license::{LicenseCommand, TransferId, TransferLine};
use smart_accounts::{Actor, Command};
use smart_accounts_store::{Backend, BackendError, Postgres, Sqlite};

// ---------------------------------------------------------------------------------------------
// Fixtures: a fresh store per test.

pub trait Fixture: Sync {
    type B: Backend + 'static;
    /// A new connection to this test's store.
    fn open(&self) -> Self::B;
    fn name(&self) -> &'static str;
}

pub struct SqliteFixture {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl SqliteFixture {
    pub fn new() -> SqliteFixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        SqliteFixture { dir, path }
    }
}

impl Fixture for SqliteFixture {
    type B = Sqlite;
    fn open(&self) -> Sqlite {
        Sqlite::open(&self.path).unwrap()
    }
    fn name(&self) -> &'static str {
        "sqlite"
    }
}

/// The server's URL, or a failure that says how to get one: these tests never skip silently.
pub fn pg_url() -> String {
    match std::env::var("SMART_ACCOUNTS_PG") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "SMART_ACCOUNTS_PG is not set: the PostgreSQL tests need a server. Run \
             scripts/test.sh (it starts a throwaway PostgreSQL and sets SMART_ACCOUNTS_PG), or \
             set it to the URL of a server where this user may CREATE DATABASE"
        ),
    }
}

/// A database of its own for one test, dropped afterwards.
pub struct PgFixture {
    pub admin: postgres::Config,
    pub config: postgres::Config,
    pub db: String,
}

impl PgFixture {
    pub fn new() -> PgFixture {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin = postgres::Config::from_str(&pg_url()).unwrap();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let db = format!(
            "t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let mut client = admin.connect(postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .unwrap();
        let mut config = admin.clone();
        config.dbname(&db);
        PgFixture { admin, config, db }
    }

    pub fn client(&self) -> postgres::Client {
        self.config.connect(postgres::NoTls).unwrap()
    }
}

impl Drop for PgFixture {
    fn drop(&mut self) {
        if let Ok(mut client) = self.admin.connect(postgres::NoTls) {
            let _ =
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.db));
        }
    }
}

impl Fixture for PgFixture {
    type B = Postgres;
    fn open(&self) -> Postgres {
        Postgres::connect_config(&self.config).unwrap()
    }
    fn name(&self) -> &'static str {
        "postgres"
    }
}

/// `both!(name, body)`: the test `name::sqlite` and `name::postgres`, each running `body`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$body(&$crate::common::SqliteFixture::new());
            }
            #[test]
            fn postgres() {
                super::$body(&$crate::common::PgFixture::new());
            }
        }
    };
}

pub trait Tamper: Fixture {
    fn execute(&self, sql: &str);
    fn try_open(&self) -> Result<Self::B, BackendError>;
}

impl Tamper for SqliteFixture {
    fn execute(&self, sql: &str) {
        rusqlite::Connection::open(&self.path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }
    fn try_open(&self) -> Result<Sqlite, BackendError> {
        Sqlite::open(&self.path)
    }
}

impl Tamper for PgFixture {
    fn execute(&self, sql: &str) {
        self.client().batch_execute(sql).unwrap();
    }
    fn try_open(&self) -> Result<Postgres, BackendError> {
        Postgres::connect_config(&self.config)
    }
}

// ---------------------------------------------------------------------------------------------
// Commands on the fixture world.

/// One license of the holding's aged stock to Sam's Bikes: a transfer between two accounts.
pub fn assign_one(w: &World, transfer: &str) -> (Actor, Command) {
    let from = w
        .dir
        .account(w.partner.holding)
        .map(|a| a.default_va())
        .unwrap();
    let command = LicenseCommand::AssignFromHolding {
        transfer: TransferId::parse(transfer).unwrap(),
        from,
        to_sa: w.solo.sa,
        to_va: None,
        lines: vec![TransferLine {
            license: w.licensing.holding_dna.clone(),
            quantity: 1,
        }],
        order_lines: Vec::new(),
    };
    (Actor::User(w.partner.admin), Command::License(command))
}
