-- Install states already presented to the OAuth callback, each kept until its expiry (Unix
-- seconds), so every server sharing the database refuses a replayed callback.
CREATE TABLE IF NOT EXISTS intercom_app_spent_states (
    state TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS intercom_app_spent_states_expires_at
    ON intercom_app_spent_states (expires_at);
