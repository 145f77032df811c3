-- One row per installed workspace. The token is sealed (ChaCha20-Poly1305): only the key id,
-- the nonce and the ciphertext are stored, never the token itself.
CREATE TABLE IF NOT EXISTS intercom_app_tokens (
    workspace_id TEXT PRIMARY KEY NOT NULL,
    key_id TEXT NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    installed_at BIGINT NOT NULL,
    admin_id TEXT,
    region TEXT,
    revoked_at BIGINT,
    revision BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS intercom_app_tokens_key_id ON intercom_app_tokens (key_id);
