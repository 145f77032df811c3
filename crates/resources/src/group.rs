//! The per-tag handle type shared by the generated modules.

/// Defines a tag's handle: a borrowed client plus per-request [`RequestOptions`].
///
/// [`RequestOptions`]: intercom_transport::RequestOptions
macro_rules! resource_group {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// Obtained from [`IntercomApi`](crate::IntercomApi); cheap to create and to clone.
        pub struct $name<'a, A: intercom_auth_types::AuthState> {
            client: &'a intercom_transport::Client<A>,
            options: intercom_transport::RequestOptions,
        }

        impl<'a, A: intercom_auth_types::AuthState> $name<'a, A> {
            pub(crate) fn new(client: &'a intercom_transport::Client<A>) -> Self {
                Self {
                    client,
                    options: intercom_transport::RequestOptions::default(),
                }
            }

            /// Applies `options` (per-request `Intercom-Version`, timeouts, retries, headers)
            /// to every call made through this handle.
            #[must_use]
            pub fn with_options(mut self, options: intercom_transport::RequestOptions) -> Self {
                self.options = options;
                self
            }

            /// The options applied to every call made through this handle.
            pub fn options(&self) -> &intercom_transport::RequestOptions {
                &self.options
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
                    .field("options", &self.options)
                    .finish()
            }
        }
    };
}
pub(crate) use resource_group;
