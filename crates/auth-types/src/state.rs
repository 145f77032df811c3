//! Sealed authentication typestate markers.

use crate::Authorization;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Unauthenticated {}
    impl Sealed for super::Private {}
    impl Sealed for super::OAuth {}
}

/// The authentication state of a client: [`Unauthenticated`], [`Private`] or [`OAuth`].
///
/// This trait is sealed: no type outside this crate can implement it, so the set of states
/// (and the guarantee that only [`Authenticated`] states can send requests) cannot be widened.
pub trait AuthState: sealed::Sealed + Send + Sync + Unpin + 'static {
    /// What a client in this state carries to authenticate its requests: `()` when it has no
    /// token, an [`Authorization`] header otherwise.
    type Credential: Clone + std::fmt::Debug + Send + Sync + Unpin + 'static;

    /// A short name for logs and error messages (`"unauthenticated"`, `"private"`, `"oauth"`).
    const NAME: &'static str;
}

/// States in which a client holds a bearer token and may send requests.
///
/// Implemented by [`Private`] and [`OAuth`] only (the trait is sealed through [`AuthState`]).
#[diagnostic::on_unimplemented(
    message = "this Intercom client has no token attached: `{Self}` is not an authenticated state",
    label = "requests can only be sent by a `Client<Private>` or a `Client<OAuth>`",
    note = "attach a token first: `client.with_access_token(AccessToken::from_env()?)` for a private app, or `client.with_oauth_token(token)` for a public app"
)]
pub trait Authenticated: AuthState<Credential = Authorization> {}

/// A client with no token attached. It can be configured but cannot send requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Unauthenticated;

/// A client authenticated with a private app's [`AccessToken`](crate::AccessToken).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Private;

/// A client authenticated with a public app's [`OAuthToken`](crate::OAuthToken).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OAuth;

impl AuthState for Unauthenticated {
    type Credential = ();
    const NAME: &'static str = "unauthenticated";
}

impl AuthState for Private {
    type Credential = Authorization;
    const NAME: &'static str = "private";
}

impl AuthState for OAuth {
    type Credential = Authorization;
    const NAME: &'static str = "oauth";
}

impl Authenticated for Private {}
impl Authenticated for OAuth {}
