//! `smart-accounts serve`: the HTTP JSON API over a store.
//!
//! The service opens the store once and keeps its directory in memory behind a read-write
//! lock: queries (validate, check, who-can, advice) share the read lock; commands take the
//! write lock and commit through the [`smart_accounts_store::Store`] with expected versions
//! (EV005). A follower thread catches up with other writers of the same store every
//! `--follow-ms`. Database calls run on blocking threads, never on the async workers (the
//! PostgreSQL client is synchronous). Ctrl-C or SIGTERM stops accepting connections, lets the
//! requests in flight finish, saves a snapshot and exits 0.

pub(crate) mod api;
pub(crate) mod auth;
pub(crate) mod error;
pub(crate) mod openapi;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use crate::out::{Fail, Result, Stdout};
use crate::source::{AnyStore, Need, open_store, redact};

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The store: a SQLite file (created by `store init`) or a `postgres://` URL.
    #[arg(long, value_name = "DB")]
    pub(crate) store: String,
    /// The address to listen on; port 0 picks a free port. The bound address is printed on the
    /// first line of standard output: `listening on http://127.0.0.1:PORT`.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// The tokens file: bearer tokens and the actors they stand for.
    #[arg(long, value_name = "TOKENS.json")]
    pub(crate) tokens: String,
    /// The largest request body accepted, in bytes (larger: 413).
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub(crate) max_body: usize,
    /// How often to catch up with other writers of the store, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 250)]
    pub(crate) follow_ms: u64,
    /// Log format on standard error: `text` or `json` (one object a line); the level comes
    /// from `RUST_LOG` (default `info`).
    #[arg(long, value_name = "text|json", default_value = "text")]
    pub(crate) log_format: String,
}

/// What every request shares.
#[derive(Debug)]
pub(crate) struct App {
    /// The store and its directory in memory.
    pub(crate) store: RwLock<AnyStore>,
    /// The bearer tokens.
    pub(crate) tokens: auth::Tokens,
}

impl App {
    /// The store, for reading.
    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, AnyStore> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store, for writing.
    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, AnyStore> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }
}

fn init_logs(format: &str) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    let result = match format {
        "text" => builder.try_init(),
        "json" => builder.json().flatten_event(true).try_init(),
        other => {
            return Err(Fail::new(format!(
                "--log-format: `{}` is not `text` or `json`",
                smart_accounts::clip(other)
            )));
        }
    };
    result.map_err(|e| Fail::new(format!("cannot start the logs: {e}")))
}

/// Runs the service until Ctrl-C or SIGTERM; exit 0 after a graceful shutdown.
///
/// # Errors
///
/// A store or tokens file that does not open, an address that cannot be bound.
pub(crate) fn run(args: &Args, out: &mut Stdout) -> Result<u8> {
    init_logs(&args.log_format)?;
    let tokens = auth::Tokens::load(&args.tokens)?;
    let started = std::time::Instant::now();
    // Opened before the runtime starts: the PostgreSQL client must not run on an async worker.
    let store = open_store(&args.store, Need::Existing)?;
    tracing::info!(
        store = %redact(&args.store),
        position = store.position(),
        accounts = store.directory().accounts().count(),
        users = store.directory().users().count(),
        tokens = tokens.len(),
        load_ms = started.elapsed().as_millis() as u64,
        "store loaded"
    );
    let app = Arc::new(App {
        store: RwLock::new(store),
        tokens,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new(format!("cannot start the runtime: {e}")))?;
    let stop = Arc::new(AtomicBool::new(false));
    let follower = follow(
        app.clone(),
        stop.clone(),
        Duration::from_millis(args.follow_ms.max(10)),
    );
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| Fail::new(format!("cannot listen on {}: {e}", args.listen)))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Fail::new(format!("cannot read the bound address: {e}")))?;
        out.line(&format!("listening on http://{bound}"))?;
        out.flush()?;
        tracing::info!(address = %bound, max_body = args.max_body, "listening");
        let router = api::router(app.clone(), args.max_body);
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| Fail::new(format!("the server failed: {e}")))
    });
    stop.store(true, Ordering::Relaxed);
    let _ = follower.join();
    served?;
    let mut store = app.write();
    match store.save_snapshot() {
        Ok(()) => tracing::info!(position = store.position(), "snapshot saved, stopped"),
        Err(e) => tracing::warn!(error = %e, "stopped; the snapshot could not be saved"),
    }
    Ok(0)
}

/// Catches up with other writers every `every` until `stop`.
fn follow(app: Arc<App>, stop: Arc<AtomicBool>, every: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(every);
            let mut store = app.write();
            match store.catch_up() {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, position = store.position(), "caught up"),
                Err(e) => tracing::error!(error = %e, "cannot follow the store"),
            }
        }
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
}
