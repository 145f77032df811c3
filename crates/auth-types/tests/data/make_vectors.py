#!/usr/bin/env python3
"""Known-answer vectors for intercom-auth-types, computed with Python's hmac/hashlib only.

Regenerate (from the workspace root) with:

    python3 crates/auth-types/tests/data/make_vectors.py > crates/auth-types/tests/data/vectors.json

The output is deterministic. Bodies are stored as hex so every byte (including invalid UTF-8,
CR/LF and trailing newlines) is reproduced exactly.
"""
import hashlib
import hmac
import json
import sys

# Sanity-check Python's HMAC against published RFC vectors before trusting it.
assert hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha1).hexdigest() == \
    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"  # RFC 2202, test case 2
assert hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest() == \
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"  # RFC 4231, test case 2

SECRETS = [
    "Jefe",
    "3c6ea8e2-5b31-4f2e-9d8a-0c1b2a3d4e5f",
    "k" * 64,            # exactly one SHA-1/SHA-256 block
    "K" * 65,            # one byte over: HMAC hashes the key first
    "s3cr3t!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "x" * 200,
]

BODIES = [
    b"",
    b"what do ya want for nothing?",
    b'{"type":"notification_event","app_id":"abc123","id":"notif_c2441832-0000-4000-8000-000000000001",'
    b'"topic":"ticket.created","created_at":1715937890,"first_sent_at":1715937891,'
    b'"delivery_status":"pending","delivery_attempts":1,"delivered_at":0,"links":{},"self":null,'
    b'"data":{"type":"notification_event_data","item":{"type":"ticket","id":"5"}}}',
    b'{ "type" : "notification_event" ,\r\n  "app_id":"abc123" }\n',
    '{"topic":"ping","data":{"item":{"message":"h\u00e9llo \u2713 \U0001F600"}}}'.encode("utf-8"),
    bytes(range(256)),
]

IDENTITIES = [
    "user-42",
    "jane.doe@example.com",
    "J\u00f6rg+tag@exämple.com",
    " leading-and-trailing-space ",
    "",
]


def mac(secret, message, algo):
    return hmac.new(secret.encode("utf-8"), message, algo).hexdigest()


webhooks = []
for secret in SECRETS:
    for body in BODIES:
        webhooks.append({
            "secret": secret,
            "body_hex": body.hex(),
            "x_hub_signature": "sha1=" + mac(secret, body, hashlib.sha1),
            "x_body_signature": mac(secret, body, hashlib.sha256),
        })

identity = []
for secret in SECRETS:
    for who in IDENTITIES:
        identity.append({
            "secret": secret,
            "user_id_or_email": who,
            "user_hash": mac(secret, who.encode("utf-8"), hashlib.sha256),
        })

json.dump(
    {
        "generator": "python3 crates/auth-types/tests/data/make_vectors.py",
        "webhooks": webhooks,
        "identity": identity,
    },
    sys.stdout,
    indent=1,
    ensure_ascii=True,
)
sys.stdout.write("\n")
