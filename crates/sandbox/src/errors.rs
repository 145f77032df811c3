//! Intercom-shaped errors and the replies handlers produce.

use http::StatusCode;
use intercom_resources::models;
use serde::Serialize;
use serde_json::Value;

/// An error the sandbox answers in Intercom's `error.list` shape (not the transport's
/// `ApiError`, which is what a client decodes from such an answer).
#[derive(Debug, Clone)]
pub(crate) struct ErrorReply {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) field: Option<String>,
    /// `Link` header (410 `contact_merged`).
    pub(crate) link: Option<String>,
    /// `Retry-After` in seconds.
    pub(crate) retry_after: Option<u64>,
}

impl ErrorReply {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            field: None,
            link: None,
            retry_after: None,
        }
    }

    pub(crate) fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Access Token Invalid",
        )
    }

    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Resource Not Found")
    }

    pub(crate) fn user_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "User Not Found")
    }

    /// 400 `parameter_invalid`.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "parameter_invalid", message)
    }

    /// 400 `parameter_not_found` (a required parameter is missing).
    pub(crate) fn missing(field: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "parameter_not_found",
            format!("{field} parameter not found"),
        )
        .with_field(field)
    }

    /// The `error.list` body (the generated `Error` model).
    pub(crate) fn body(&self, request_id: &str) -> models::Error {
        fill!(models::Error {
            type_: "error.list".into(),
            request_id: Some(request_id.to_owned()),
            errors: vec![fill!(models::ErrorErrorsItem {
                code: self.code.clone(),
                message: Some(self.message.clone()),
                field: self.field.clone(),
            })],
        })
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    /// `None` answers with an empty body.
    pub(crate) body: Option<Value>,
    /// `Location` header (redirects).
    pub(crate) location: Option<String>,
    /// A text body with its media type, sent instead of `body` (the OAuth consent form's
    /// HTML, plain-text downloads).
    pub(crate) text: Option<(&'static str, String)>,
}

impl Reply {
    /// 200 with a JSON body built by hand (only for what no generated model describes).
    pub(crate) fn json(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            location: None,
            text: None,
        }
    }

    /// 200 with a generated model as the body.
    pub(crate) fn model<T: Serialize>(body: &T) -> Outcome {
        to_json(body).map(Self::json)
    }

    pub(crate) fn accepted() -> Self {
        Self {
            status: StatusCode::ACCEPTED,
            body: None,
            location: None,
            text: None,
        }
    }

    pub(crate) fn redirect(location: String) -> Self {
        Self {
            status: StatusCode::FOUND,
            body: None,
            location: Some(location),
            text: None,
        }
    }

    /// 303 See Other: the answer to a form post, followed with a GET.
    pub(crate) fn see_other(location: String) -> Self {
        Self {
            status: StatusCode::SEE_OTHER,
            ..Self::redirect(location)
        }
    }

    /// 200 with an HTML page.
    pub(crate) fn html(page: String) -> Self {
        Self {
            status: StatusCode::OK,
            body: None,
            location: None,
            text: Some(("text/html; charset=utf-8", page)),
        }
    }

    /// 200 with a plain-text body.
    pub(crate) fn plain(body: String) -> Self {
        Self {
            text: Some(("text/plain; charset=utf-8", body)),
            ..Self::html(String::new())
        }
    }
}

/// What a handler returns.
pub(crate) type Outcome = Result<Reply, ErrorReply>;

/// Serializes a model to JSON; a failure (which the models cannot produce) is a 500.
pub(crate) fn to_json<T: Serialize>(model: &T) -> Result<Value, ErrorReply> {
    serde_json::to_value(model).map_err(|error| {
        tracing::error!(%error, "sandbox could not serialize a response model");
        ErrorReply::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The sandbox could not render this response",
        )
    })
}
