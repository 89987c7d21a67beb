//! The errors of the HTTP API: a status, the rule where one applies, a message with names, the
//! path of a bad field, and for a conflict the stream and its versions.
//!
//! ```json
//! {"status": 409, "rule": "EV005", "message": "…", "stream": "acme.com", "expected": 3, "actual": 4}
//! ```

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use smart_accounts::{Directory, Error, StreamId};
use smart_accounts_store::StoreError;

use crate::cmd::events::stream_name;
use crate::json::JsonError;
use crate::names::humanize;
use crate::out::Fail;

/// An error answer (boxed: it travels through many `Result`s).
#[derive(Debug, Clone)]
pub(crate) struct ApiError(pub(crate) Box<ErrorBody>);

/// What an error answer says.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorBody {
    /// The HTTP status.
    #[serde(serialize_with = "status_code")]
    pub(crate) status: StatusCode,
    /// The rule, e.g. `ROLE005`, where one applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rule: Option<String>,
    /// What went wrong, with names.
    pub(crate) message: String,
    /// The path of the bad field in the request body, e.g. `quote.lines[2].quantity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    /// For a conflict: the stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) stream: Option<String>,
    /// For a conflict: the version the command expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expected: Option<u64>,
    /// For a conflict: the version the stream is at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) actual: Option<u64>,
}

fn status_code<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

/// The rule a message starts with (`ROLE005: …`), if any.
fn leading_rule(message: &str) -> Option<String> {
    let (head, _) = message.split_once(':')?;
    let letters = head.chars().take_while(char::is_ascii_uppercase).count();
    let ok = letters >= 1
        && head.len() > letters
        && head.chars().skip(letters).all(|c| c.is_ascii_digit());
    ok.then(|| head.to_owned())
}

impl ApiError {
    /// An error with a status and a message; the rule is read from the message's start.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError(Box::new(ErrorBody {
            status,
            rule: leading_rule(&message),
            message,
            path: None,
            stream: None,
            expected: None,
            actual: None,
        }))
    }

    /// The same error with the path of the field it is about.
    pub(crate) fn at(mut self, path: &str) -> ApiError {
        self.0.path = Some(path.to_owned());
        self
    }

    /// A request body that does not read: 400 with the path of the bad field.
    pub(crate) fn bad_json(e: JsonError) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the request body does not read: {}: {}", e.path, e.message),
        )
        .at(&e.path)
    }

    /// A name that does not resolve (an unknown user, account or Virtual Account): 404.
    pub(crate) fn not_found(fail: Fail, path: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, fail.0).at(path)
    }

    /// Bad input in a field: 400.
    pub(crate) fn bad_field(fail: Fail, path: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, fail.0).at(path)
    }

    /// 401: no token, or one that is not known.
    pub(crate) fn unauthorized(message: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 500: the service itself failed.
    pub(crate) fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// A refused command or query, by the core crate's error: 409 for a conflict (EV005), 403
    /// for a permission (ROLE005, ROLE006, …), 404 for a missing entity, 422 for any other
    /// rule. The message has names instead of identifiers.
    pub(crate) fn refused(dir: &Directory, error: &Error) -> ApiError {
        let status = match error {
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::Denied { .. }
            | Error::ActorNotAllowed { .. }
            | Error::NotPermitted { .. }
            | Error::WrongActor { .. } => StatusCode::FORBIDDEN,
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let mut api = ApiError::new(status, humanize(dir, &error.to_string()));
        api.0.rule = Some(error.rule().to_string());
        if let Error::Conflict {
            stream,
            expected,
            actual,
        } = error
        {
            api = api.conflict(dir, *stream, *expected, *actual);
        }
        api
    }

    /// The same error with the details of a conflict.
    pub(crate) fn conflict(
        mut self,
        dir: &Directory,
        stream: StreamId,
        expected: u64,
        actual: u64,
    ) -> ApiError {
        self.0.stream = Some(stream_name(dir, stream));
        self.0.expected = Some(expected);
        self.0.actual = Some(actual);
        self
    }

    /// A store error: refusals as [`ApiError::refused`], database failures 503.
    pub(crate) fn store(dir: &Directory, error: &StoreError) -> ApiError {
        match error {
            StoreError::Refused(e) => ApiError::refused(dir, e),
            StoreError::Backend(e) => {
                let mut api =
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("the store: {e}"));
                api.0.rule = Some(error.rule().to_string());
                api
            }
            other => {
                let mut api = ApiError::internal(humanize(dir, &other.to_string()));
                api.0.rule = Some(other.rule().to_string());
                api
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.0.status == StatusCode::UNAUTHORIZED;
        let mut response = (self.0.status, axum::Json(&*self.0)).into_response();
        if unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"smart-accounts\""),
            );
        }
        response
    }
}

impl ApiError {
    /// The same error with another status.
    pub(crate) fn with_status(mut self, status: StatusCode) -> ApiError {
        self.0.status = status;
        self
    }
}
