//! Sending the OAuth code exchange and the uninstall (revocation) call.

use bytes::Bytes;
use http::HeaderValue;
use intercom_auth_types::{
    parse_token_response, AuthState, Authenticated, AuthorizationCode, OAuthApp, OAuthToken,
    UNINSTALL_PATH,
};

use zeroize::Zeroize;

use crate::client::Client;
use crate::error::Error;
use crate::request::{ApiRequest, RequestOptions};

impl<A: AuthState> Client<A> {
    /// Exchanges an authorization code (from [`CsrfState::verify_callback`]) for an
    /// [`OAuthToken`]: `POST /auth/eagle/token` on this client's base URL with the
    /// form-urlencoded `code`, `client_id` and `client_secret`, and no `Authorization` header.
    ///
    /// Works on any client, authenticated or not. The request is never retried once it may
    /// have reached the server (a code is single-use), redirects are not followed, and the
    /// request and response bodies are never logged, even at TRACE.
    ///
    /// A 401 becomes [`ExchangeError::UnauthorizedCode`], whose message lists the usual
    /// causes (a code mangled by URL decoding, reused, or older than about five minutes).
    ///
    /// [`CsrfState::verify_callback`]: intercom_auth_types::CsrfState::verify_callback
    /// [`ExchangeError::UnauthorizedCode`]: intercom_auth_types::ExchangeError::UnauthorizedCode
    pub async fn exchange_code(
        &self,
        app: &OAuthApp,
        code: AuthorizationCode,
    ) -> Result<OAuthToken, Error> {
        let token_request = app.token_request(code);
        // The form holds the code and the client secret. The zeroizing buffer is dropped at
        // the end of this statement; the `Bytes` copy lives until the request is sent
        // (see docs/token-handling.md).
        let body = Bytes::copy_from_slice(&token_request.form_body());
        let mut request = ApiRequest::new(token_request.method(), token_request.path())
            .body(HeaderValue::from_static(token_request.content_type()), body)
            .redact_bodies()
            .options(
                RequestOptions::new()
                    .retry_non_idempotent(false)
                    .follow_redirects(false),
            );
        let result = self.dispatch(&mut request, None).await;
        drop(request);
        match result {
            Ok(response) => {
                let parsed = parse_token_response(response.status.as_u16(), &response.body);
                // The answer holds the token: overwrite our copy once it has been parsed.
                wipe(response.body);
                Ok(parsed?)
            }
            Err(Error::Api(api)) => match parse_token_response(api.status.as_u16(), &api.body) {
                Err(exchange) => Err(Error::OAuth(exchange)),
                // A non-2xx answer is never a token, whatever its body says.
                Ok(_) => Err(Error::Api(api)),
            },
            Err(other) => Err(other),
        }
    }
}

/// Overwrites `body` with zeroes when this is the last handle to its buffer, and says whether
/// it could. A body that arrived in several frames was merged into a buffer of the client's
/// own, which is always wiped; one that arrived in a single frame may still share hyper's read
/// buffer, which hyper reuses for the connection's next response (see docs/token-handling.md).
pub(crate) fn wipe(body: Bytes) -> bool {
    match body.try_into_mut() {
        Ok(mut owned) => {
            owned.as_mut().zeroize();
            true
        }
        Err(_shared) => false,
    }
}

impl<A: Authenticated> Client<A> {
    /// Revokes this client's token by uninstalling the app from the workspace that issued it:
    /// `POST /auth/uninstall`.
    ///
    /// **Consequence:** the app is uninstalled for that workspace; this token (and every clone
    /// of this client) gets 401 from then on, and the workspace must go through the OAuth flow
    /// again to reinstall. Intercom also notifies the app's uninstall URL, if one is set.
    pub async fn revoke_token(&self) -> Result<(), Error> {
        self.execute(ApiRequest::post(UNINSTALL_PATH)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the exchange answer was dropped as it was.
    #[test]
    fn an_owned_answer_is_wiped_and_a_shared_one_reported() {
        let owned = Bytes::from(b"{\"token\":\"dG9rZW4=\"}".to_vec());
        assert!(wipe(owned));
        let shared = Bytes::from(b"{\"token\":\"dG9rZW4=\"}".to_vec());
        let other = shared.clone();
        assert!(!wipe(shared));
        assert_eq!(
            &other[..10],
            b"{\"token\":\"",
            "a shared buffer is left alone"
        );
        // What `wipe` does to an owned buffer, observed on a copy it cannot free.
        let mut buf = bytes::BytesMut::from(&b"secret"[..]);
        buf.as_mut().zeroize();
        assert_eq!(&buf[..], &[0u8; 6]);
    }
}
