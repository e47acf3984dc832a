"""Webhook signing secrets encrypted at rest, with a key derived from the server's secret key.

Why this construction: `cryptography` is not a dependency, and AES is not in the standard
library, so the box is built from HMAC-SHA256 alone, which is: a keystream of
HMAC(enc_key, nonce || counter) blocks XORed with the plaintext (HMAC as a PRF in counter mode),
then an HMAC tag over everything (encrypt-then-MAC, checked in constant time before anything is
decrypted). A random 16-byte nonce per encryption keeps keystreams from repeating; the
encryption and MAC keys are derived separately from LINEAGE_SECRET_KEY. `context` (the
webhook's id) is authenticated too, so a ciphertext copied onto another webhook does not open.

Changing LINEAGE_SECRET_KEY makes stored secrets unreadable: deliveries then fail with a clear
error until the webhook's secret is rotated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

VERSION = b"wsb1"
NONCE_BYTES = 16
TAG_BYTES = 32


class SecretBoxError(Exception):
    """The ciphertext was not made with this key and context (or was altered)."""


def _keys(server_key: str) -> tuple[bytes, bytes]:
    root = hashlib.sha256(server_key.encode()).digest()
    enc = hmac.new(root, b"lineage webhook secret: encryption", hashlib.sha256).digest()
    mac = hmac.new(root, b"lineage webhook secret: authentication", hashlib.sha256).digest()
    return enc, mac


def _keystream(key: bytes, nonce: bytes, size: int) -> bytes:
    blocks = (size + 31) // 32
    return b"".join(
        hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(blocks)
    )[:size]


def _tag(key: bytes, context: str, nonce: bytes, body: bytes) -> bytes:
    label = context.encode()
    message = VERSION + len(label).to_bytes(4, "big") + label + nonce + body
    return hmac.new(key, message, hashlib.sha256).digest()


def seal(server_key: str, plaintext: str, *, context: str) -> str:
    """`plaintext` encrypted and authenticated, bound to `context`, as printable text."""
    enc, mac = _keys(server_key)
    nonce = secrets.token_bytes(NONCE_BYTES)
    data = plaintext.encode()
    body = bytes(a ^ b for a, b in zip(data, _keystream(enc, nonce, len(data)), strict=True))
    token = nonce + body + _tag(mac, context, nonce, body)
    return VERSION.decode() + ":" + base64.urlsafe_b64encode(token).decode()


def open_sealed(server_key: str, sealed: str, *, context: str) -> str:
    """The plaintext `seal` was given; `SecretBoxError` for anything it did not make with this
    key and context."""
    prefix, _, encoded = sealed.partition(":")
    try:
        token = base64.urlsafe_b64decode(encoded.encode())
    except (ValueError, UnicodeError):
        raise SecretBoxError("not a sealed secret") from None
    if prefix.encode() != VERSION or len(token) < NONCE_BYTES + TAG_BYTES:
        raise SecretBoxError("not a sealed secret")
    nonce, body, tag = token[:NONCE_BYTES], token[NONCE_BYTES:-TAG_BYTES], token[-TAG_BYTES:]
    enc, mac = _keys(server_key)
    if not hmac.compare_digest(tag, _tag(mac, context, nonce, body)):
        raise SecretBoxError("the secret does not open with this server key")
    data = bytes(a ^ b for a, b in zip(body, _keystream(enc, nonce, len(body)), strict=True))
    return data.decode()
