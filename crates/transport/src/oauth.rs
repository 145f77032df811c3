//! Sending the OAuth code exchange and the uninstall (revocation) call.

use bytes::Bytes;
use http::HeaderValue;
use intercom_auth_types::{
    parse_token_response, AuthState, Authenticated, AuthorizationCode, OAuthApp, OAuthToken,
    UNINSTALL_PATH,
};

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
        let request = ApiRequest::new(token_request.method(), token_request.path())
            .body(HeaderValue::from_static(token_request.content_type()), body)
            .redact_bodies()
            .options(
                RequestOptions::new()
                    .retry_non_idempotent(false)
                    .follow_redirects(false),
            );
        match self.dispatch(request, None).await {
            Ok(response) => Ok(parse_token_response(
                response.status.as_u16(),
                &response.body,
            )?),
            Err(Error::Api(api)) => match parse_token_response(api.status.as_u16(), &api.body) {
                Err(exchange) => Err(Error::OAuth(exchange)),
                // A non-2xx answer is never a token, whatever its body says.
                Ok(_) => Err(Error::Api(api)),
            },
            Err(other) => Err(other),
        }
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
