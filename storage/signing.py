"""HMAC-signed URLs for the local store, which has no S3 server to presign for it.

A signature covers one verb on one blob until one instant (and, for an upload into a staging
area, that area), so a download link cannot be replayed as an upload, nor pointed at another blob
or area, nor used after it expires. An upload's signature also covers its size, so the API can
refuse every byte past it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from storage.base import InvalidSignature, SignatureExpired
from storage.keys import validate_digest


class UrlSigner:
    """Signs and verifies `(verb, digest, expires_at)` with HMAC-SHA256 under one secret."""

    def __init__(self, secret: bytes) -> None:
        # How strong the secret must be is the settings' call; an empty one is always a mistake.
        if not secret:
            raise ValueError("the URL signing secret must not be empty")
        self._secret = secret

    def __repr__(self) -> str:
        return "UrlSigner(secret=<hidden>)"

    def sign(
        self, digest: str, verb: str, expires_at: int, size: int | None = None, *, scope: str = ""
    ) -> str:
        """The hex signature allowing `verb` on blob `digest` until unix time `expires_at`,
        within `scope` (a staging area) when given, for exactly `size` bytes when given."""
        validate_digest(digest)
        message = f"{verb.upper()}\n{digest}\n{int(expires_at)}"
        if scope:
            message += f"\n{scope}"
        if size is not None:
            message += f"\nsize={int(size)}"
        return hmac.new(self._secret, message.encode("ascii"), hashlib.sha256).hexdigest()

    def verify(
        self,
        digest: str,
        verb: str,
        expires_at: int,
        sig: str,
        now: float | None = None,
        size: int | None = None,
        *,
        scope: str = "",
    ) -> None:
        """Return if `sig` allows `verb` on `digest` at `now` (default: the current time).

        Raises `InvalidSignature` for a signature that does not match (checked in constant time,
        before the expiry, so a forged URL learns nothing), and `SignatureExpired` for a genuine
        one whose `expires_at` has passed.
        """
        expected = self.sign(digest, verb, expires_at, size, scope=scope)
        if not sig.isascii() or not hmac.compare_digest(expected, sig.lower()):
            raise InvalidSignature("signature does not match this blob, verb and expiry")
        if (time.time() if now is None else now) > expires_at:
            raise SignatureExpired(f"signed URL expired at {expires_at}")
