//! The per-tag handle type shared by the generated modules.

/// Options of a handle that sets none.
pub(crate) fn no_options() -> &'static intercom_transport::RequestOptions {
    static NONE: std::sync::OnceLock<intercom_transport::RequestOptions> =
        std::sync::OnceLock::new();
    NONE.get_or_init(intercom_transport::RequestOptions::default)
}

/// Defines a tag's handle: a borrowed client plus the [`RequestOptions`] applied to every
/// call made through it (shared, not cloned, by those calls; none by default).
///
/// [`RequestOptions`]: intercom_transport::RequestOptions
macro_rules! resource_group {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// Obtained from [`IntercomApi`](crate::IntercomApi); cheap to create and to clone.
        /// Each operation method returns a [`Call`](crate::call::Call) builder.
        pub struct $name<'a, A: intercom_auth_types::AuthState> {
            client: &'a intercom_transport::Client<A>,
            options: Option<std::sync::Arc<intercom_transport::RequestOptions>>,
        }

        impl<'a, A: intercom_auth_types::AuthState> $name<'a, A> {
            pub(crate) fn new(client: &'a intercom_transport::Client<A>) -> Self {
                Self {
                    client,
                    options: None,
                }
            }

            /// Applies `options` (per-request `Intercom-Version`, timeouts, retries, headers)
            /// to every call made through this handle; a call's own setters take precedence.
            #[must_use]
            pub fn with_options(mut self, options: intercom_transport::RequestOptions) -> Self {
                self.options = (!options.is_empty()).then(|| std::sync::Arc::new(options));
                self
            }

            /// The options applied to every call made through this handle.
            pub fn options(&self) -> &intercom_transport::RequestOptions {
                match &self.options {
                    Some(options) => options,
                    None => crate::group::no_options(),
                }
            }
        }

        impl<'a, A: intercom_auth_types::Authenticated> $name<'a, A> {
            /// A call of this handle's client with this handle's options.
            fn call<O: crate::call::Operation>(
                &self,
                request: intercom_transport::ApiRequest,
                op: O,
            ) -> crate::call::Call<'a, A, O> {
                crate::call::Call::new(self.client, self.options.clone(), request, op)
            }
        }

        impl<A: intercom_auth_types::AuthState> Clone for $name<'_, A> {
            fn clone(&self) -> Self {
                Self {
                    client: self.client,
                    options: self.options.clone(),
                }
            }
        }

        impl<A: intercom_auth_types::AuthState> std::fmt::Debug for $name<'_, A> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("client", self.client)
                    .field("options", self.options())
                    .finish()
            }
        }
    };
}
pub(crate) use resource_group;
