-- One row per installed workspace. The token is sealed (ChaCha20-Poly1305): only the key id,
-- the nonce and the ciphertext are stored, never the token itself.
CREATE TABLE IF NOT EXISTS intercom_app_tokens (
    workspace_id TEXT PRIMARY KEY NOT NULL,
    key_id TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    installed_at INTEGER NOT NULL,
    admin_id TEXT,
    region TEXT,
    revoked_at INTEGER,
    revision INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS intercom_app_tokens_key_id ON intercom_app_tokens (key_id);
