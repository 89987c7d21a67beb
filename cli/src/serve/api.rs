//! The routes of the HTTP API and their handlers; `cli/openapi.json` describes them.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use smart_accounts::advisor::Scope;
use smart_accounts::license::OrderId;
use smart_accounts::records::LineState;
use smart_accounts::{
    Action, Actor, Command, CommandId, Directory, Error, Quote, Role, Stage, StreamId, Target,
    UserId, validate,
};

use smart_accounts_store::Backend as _;

use super::App;
use super::auth::{Principal, bearer};
use super::error::ApiError;
use crate::cmd::events::{row_json, stream_name};
use crate::json;
use crate::names;
use crate::query;

/// The handlers' result.
type ApiResult = Result<axum::Json<Value>, ApiError>;

/// The routes, with the body limit and the request log.
pub(crate) fn router(app: Arc<App>, max_body: usize) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/quotes/validate", post(validate_quote))
        .route("/v1/check", post(check))
        .route("/v1/explain", post(explain))
        .route("/v1/who-can", post(who_can))
        .route("/v1/commands", post(command))
        .route("/v1/streams/{stream}/events", get(events))
        .route("/v1/advice", get(advice))
        .route("/v1/orders/{order}", get(order))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(app)
}

/// Logs each request: method, path (never a header, so never a token), status, duration.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path = %smart_accounts::clip(&path),
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such endpoint; see GET /v1/openapi.json",
    )
}

/// Runs `work` on a blocking thread (database calls and the CPU-bound rules never hold an
/// async worker).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("a request failed inside the service: {e}")))?
}

/// The caller's principal, from the bearer token: 401 without one or with an unknown one.
fn principal(app: &App, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "a bearer token is needed: Authorization: Bearer TOKEN",
        ));
    };
    let token =
        value.to_str().ok().and_then(bearer).ok_or_else(|| {
            ApiError::unauthorized("the Authorization header is not `Bearer TOKEN`")
        })?;
    app.tokens
        .find(token)
        .cloned()
        .ok_or_else(|| ApiError::unauthorized("the bearer token is not known"))
}

/// The actor of a principal: 403 for a user who is not registered (SA004).
fn actor(dir: &Directory, principal: &Principal) -> Result<Actor, ApiError> {
    principal.actor(dir).map_err(|fail| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            format!("{} (the token's user)", fail.0),
        )
    })
}

/// The body as a `T`: 413 over the limit, 400 with the path of the bad field.
fn body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|rejection| {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the request body is larger than the service accepts (--max-body)".to_owned()
        } else {
            format!("the request body cannot be read: {}", rejection.body_text())
        };
        ApiError::new(status, message)
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "the request body is not UTF-8 JSON",
        )
    })?;
    json::parse_value(text).map_err(ApiError::bad_json)
}

/// A refusal for a user who may not `action` on `target` (ROLE005), with names.
fn denied(dir: &Directory, user: UserId, action: Action, target: Target) -> ApiError {
    let error = Error::Denied {
        rule: smart_accounts::RuleId::ROLE005,
        user,
        action,
        target,
        would_grant: Role::granting(action),
    };
    ApiError::refused(dir, &error)
}

/// Whether the caller may ask about `target`: the fulfilment system and vendor support may;
/// a user needs "view the account" on it (ROLE005), or asks about themselves.
fn may_ask(
    dir: &Directory,
    actor: &Actor,
    target: Target,
    about: Option<UserId>,
) -> Result<(), ApiError> {
    match actor {
        Actor::User(me) if about != Some(*me) => {
            if dir.is_allowed(*me, Action::ViewAccount, target) {
                Ok(())
            } else {
                Err(denied(dir, *me, Action::ViewAccount, target))
            }
        }
        _ => Ok(()),
    }
}

async fn healthz(State(app): State<Arc<App>>) -> ApiResult {
    blocking(move || {
        let store = app.read();
        Ok(axum::Json(json!({
            "status": "ok",
            "position": store.position(),
            "accounts": store.directory().accounts().count(),
        })))
    })
    .await
}

async fn openapi() -> axum::Json<Value> {
    axum::Json(super::openapi::document())
}

/// `POST /v1/quotes/validate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidateRequest {
    quote: Quote,
    stage: Stage,
    date: Date,
    #[serde(default)]
    calendar: Option<String>,
}

async fn validate_quote(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let who = principal(&app, &headers)?;
    let request: ValidateRequest = body(raw)?;
    let name = request.calendar.as_deref().unwrap_or("cisco");
    let calendar = match smart_accounts::PolicyCalendar::named(name) {
        Some(calendar) => calendar,
        None => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "calendar `{}` is not `cisco` or `original`",
                    smart_accounts::clip(name)
                ),
            )
            .at("calendar"));
        }
    };
    blocking(move || {
        let store = app.read();
        let dir = store.directory();
        actor(dir, &who)?;
        let report = validate(dir, &request.quote, request.stage, request.date, &calendar);
        Ok(axum::Json(json!({
            "allowed": report.is_allowed(),
            "text": names::humanize(dir, &report.to_string()),
            "report": report,
        })))
    })
    .await
}

/// `POST /v1/check`, `/v1/explain`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    user: String,
    action: String,
    target: String,
    #[serde(default)]
    date: Option<Date>,
}

async fn check(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let decision = decide(app, headers, raw).await?;
    Ok(axum::Json(json!({
        "allowed": decision.allowed,
        "user": decision.user,
        "action": decision.action,
        "target": decision.target,
    })))
}

async fn explain(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let decision = decide(app, headers, raw).await?;
    Ok(axum::Json(json!(decision)))
}

async fn decide(
    app: Arc<App>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<query::NamedDecision, ApiError> {
    let who = principal(&app, &headers)?;
    let request: CheckRequest = body(raw)?;
    let action =
        names::parse_action(&request.action).map_err(|f| ApiError::bad_field(f, "action"))?;
    blocking(move || {
        let store = app.read();
        let dir = store.directory();
        let actor = actor(dir, &who)?;
        let user =
            names::find_user(dir, &request.user).map_err(|f| ApiError::not_found(f, "user"))?;
        let target = names::find_target(dir, &request.target)
            .map_err(|f| ApiError::not_found(f, "target"))?;
        may_ask(dir, &actor, target, Some(user))?;
        Ok(query::check(dir, user, action, target, request.date))
    })
    .await
}

/// `POST /v1/who-can`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhoCanRequest {
    action: String,
    target: String,
    #[serde(default)]
    date: Option<Date>,
}

async fn who_can(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let who = principal(&app, &headers)?;
    let request: WhoCanRequest = body(raw)?;
    let action =
        names::parse_action(&request.action).map_err(|f| ApiError::bad_field(f, "action"))?;
    blocking(move || {
        let store = app.read();
        let dir = store.directory();
        let actor = actor(dir, &who)?;
        let target = names::find_target(dir, &request.target)
            .map_err(|f| ApiError::not_found(f, "target"))?;
        may_ask(dir, &actor, target, None)?;
        let users = query::who_can(dir, action, target, request.date);
        Ok(axum::Json(json!({
            "action": names::action_name(action),
            "target": names::target(dir, target),
            "users": users,
        })))
    })
    .await
}

/// `POST /v1/commands`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandRequest {
    command: Command,
    #[serde(default)]
    command_id: Option<String>,
    #[serde(default)]
    expected: Vec<Expected>,
}

/// A stream and the version the caller read it at.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    stream: String,
    version: u64,
}

async fn command(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let who = principal(&app, &headers)?;
    let request: CommandRequest = body(raw)?;
    let command_id = match &request.command_id {
        None => None,
        Some(text) => Some(CommandId::parse(text).map_err(|e| {
            ApiError::refused(&Directory::new(), &e)
                .at("command_id")
                .with_status(StatusCode::BAD_REQUEST)
        })?),
    };
    let label = who.label();
    blocking(move || {
        let mut store = app.write();
        store
            .catch_up()
            .map_err(|e| ApiError::store(store.directory(), &e))?;
        let dir = store.directory();
        let actor = actor(dir, &who)?;
        for (i, expected) in request.expected.iter().enumerate() {
            let stream = stream_of(dir, &expected.stream)
                .map_err(|e| e.at(&format!("expected[{i}].stream")))?;
            let actual = dir.version(stream);
            if actual != expected.version {
                let error = Error::Conflict {
                    stream,
                    expected: expected.version,
                    actual,
                };
                return Err(ApiError::refused(dir, &error));
            }
        }
        let committed = match store.execute(&actor, Timestamp::now(), request.command, command_id)
        {
            Ok(committed) => committed,
            Err(e) => {
                let error = ApiError::store(store.directory(), &e);
                tracing::info!(actor = %label, status = error.0.status.as_u16(), rule = ?error.0.rule, "command refused");
                return Err(error);
            }
        };
        let dir = store.directory();
        let mut streams: Vec<StreamId> = Vec::new();
        if !committed.directory.is_empty() {
            streams.push(StreamId::Directory);
        }
        for event in &committed.accounts {
            let stream = StreamId::Account(event.sa);
            if !streams.contains(&stream) {
                streams.push(stream);
            }
        }
        let versions: Vec<Value> = streams
            .iter()
            .map(|s| json!({ "stream": stream_name(dir, *s), "version": dir.version(*s) }))
            .collect();
        tracing::info!(actor = %label, repeated = committed.repeated, events = committed.accounts.len() + committed.directory.len(), "command committed");
        Ok(axum::Json(json!({
            "repeated": committed.repeated,
            "versions": versions,
            "directory_events": committed.directory,
            "account_events": committed.accounts,
        })))
    })
    .await
}

/// The stream a name gives: `directory`, or an account.
fn stream_of(dir: &Directory, text: &str) -> Result<StreamId, ApiError> {
    if text == "directory" {
        return Ok(StreamId::Directory);
    }
    names::find_account(dir, text)
        .map(|a| StreamId::Account(a.id()))
        .map_err(|f| ApiError::not_found(f, "stream"))
}

/// `GET /v1/streams/{stream}/events?after=N&limit=M`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    limit: Option<usize>,
}

/// Most events one answer carries.
const MAX_EVENTS: usize = 10_000;

async fn events(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(stream): Path<String>,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> ApiResult {
    let who = principal(&app, &headers)?;
    let Query(query) = query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let limit = query.limit.unwrap_or(1000).clamp(1, MAX_EVENTS);
    blocking(move || {
        let mut store = app.write();
        let dir = store.directory();
        let actor = actor(dir, &who)?;
        let stream = stream_of(dir, &stream)?;
        match (&actor, stream) {
            (Actor::VendorSupport { .. }, _) => {}
            (Actor::User(me), StreamId::Account(sa)) => {
                if let Err(e) = dir.events(*me, sa) {
                    return Err(ApiError::refused(dir, &e));
                }
            }
            (Actor::User(me), StreamId::Directory) => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "EV001: `{}` may not read the directory's stream; only vendor support and the fulfilment system may",
                        names::user(dir, *me)
                    ),
                ));
            }
            (Actor::Fulfilment, StreamId::Directory) => {}
            (_, StreamId::Account(sa)) => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "EV001: order fulfilment may not read the event log of `{}`; an SA Admin or vendor support may",
                        names::account(dir, sa)
                    ),
                ));
            }
        }
        let version = dir.version(stream);
        let name = stream_name(dir, stream);
        let rows = store
            .backend_mut()
            .read_stream(stream.number(), query.after, limit)
            .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("EV005: the store: {e}")))?;
        let dir = store.directory();
        let events: Vec<Value> = rows.iter().map(|row| row_json(dir, row)).collect();
        Ok(axum::Json(json!({
            "stream": name,
            "version": version,
            "events": events,
        })))
    })
    .await
}

/// `GET /v1/advice?account=ACCOUNT&date=YYYY-MM-DD`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdviceQuery {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    date: Option<Date>,
}

async fn advice(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<AdviceQuery>, QueryRejection>,
) -> ApiResult {
    let who = principal(&app, &headers)?;
    let Query(query) = query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let date = query
        .date
        .unwrap_or_else(|| jiff::tz::Offset::UTC.to_datetime(Timestamp::now()).date());
    blocking(move || {
        let store = app.read();
        let dir = store.directory();
        let actor = actor(dir, &who)?;
        let scope = match &query.account {
            Some(text) => {
                let sa = names::find_account(dir, text)
                    .map_err(|f| ApiError::not_found(f, "account"))?
                    .id();
                may_ask(dir, &actor, Target::Account(sa), None)?;
                Scope::Account(sa)
            }
            None => match &actor {
                Actor::User(me) => {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        format!(
                            "ROLE005: `{}` may ask for advice on an account they may view (?account=…); advice over the whole directory is for vendor support and the fulfilment system",
                            names::user(dir, *me)
                        ),
                    ));
                }
                _ => Scope::All,
            },
        };
        let advice = query::advice(dir, scope, date);
        Ok(axum::Json(json!({ "date": date, "advice": advice })))
    })
    .await
}

/// `GET /v1/orders/{order}`: an order record (Q011) with each line's state for people.
async fn order(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(order): Path<String>,
) -> ApiResult {
    let who = principal(&app, &headers)?;
    let id = OrderId::parse(&order).map_err(|e| {
        ApiError::refused(&Directory::new(), &e)
            .at("order")
            .with_status(StatusCode::BAD_REQUEST)
    })?;
    blocking(move || {
        let store = app.read();
        let dir = store.directory();
        let actor = actor(dir, &who)?;
        let Some(record) = dir.order(&id) else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("Q011: no order `{id}` is recorded"),
            ));
        };
        if let Actor::User(me) = &actor {
            let org = dir.user(*me).map(|u| u.org);
            let seller = org.is_some_and(|o| {
                o == record.quote.partner || Some(o) == record.quote.distributor
            });
            if !seller {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "Q011: `{}` may not read order `{id}`; users of the quoting partner or distributor, the fulfilment system and vendor support may",
                        names::user(dir, *me)
                    ),
                ));
            }
        }
        let lines: Vec<Value> = (1u32..)
            .zip(record.quote.lines.iter().zip(&record.lines))
            .map(|(n, (line, state))| order_line_json(dir, n, &line.id.to_string(), state))
            .collect();
        Ok(axum::Json(json!({ "order": record, "lines": lines })))
    })
    .await
}

/// One line of an order record for people: its number, quote line, state, account and Virtual
/// Account by name, and what a line on hold waits for.
fn order_line_json(dir: &Directory, n: u32, id: &str, state: &LineState) -> Value {
    let (name, sa, va, waits_for) = match state {
        LineState::Unassigned => ("unassigned", None, None, None),
        LineState::OnHold { hold } => {
            let text = names::humanize(dir, &hold.to_string());
            ("on_hold", None, None, Some(text))
        }
        LineState::Ready { sa, va } => ("ready", Some(*sa), Some(*va), None),
        LineState::Booked { sa, va } => ("booked", *sa, *va, None),
        LineState::Fulfilled { sa } => ("fulfilled", Some(*sa), None, None),
    };
    json!({
        "line": n,
        "id": id,
        "state": name,
        "account": sa.map(|sa| names::account(dir, sa)),
        "va": va.map(|va| names::va(dir, va)),
        "waits_for": waits_for,
    })
}
