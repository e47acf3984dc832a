"""Signed upload and download URLs of the local blob store, served by the API itself.

The URL carries `verb`, `expires` and an HMAC `sig` scoped to one digest and one verb; anything
tampered with, expired, or for another verb is refused before a byte is read or written.
Uploads stream to disk and are verified against the digest in the path.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from storage.base import (
    BlobNotFound,
    DigestMismatch,
    InvalidDigest,
    InvalidSignature,
    SignatureExpired,
)
from storage.disposition import content_disposition
from storage.local import LocalBlobStore


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _local_store(request: Request) -> LocalBlobStore | None:
    store = request.app.state.services.blobs
    return store if isinstance(store, LocalBlobStore) else None


def _verify(request: Request, store: LocalBlobStore, verb: str) -> str | Response:
    digest = request.path_params["digest"]
    query = request.query_params
    try:
        expires = int(query.get("expires", ""))
    except ValueError:
        return _error(403, "FORBIDDEN", "Missing or malformed signature")
    if query.get("verb") != verb:
        return _error(403, "FORBIDDEN", "This URL does not allow that method")
    try:
        store.verify_url(digest, verb, expires, query.get("sig", ""))
    except SignatureExpired:
        return _error(403, "FORBIDDEN", "Signed URL expired")
    except (InvalidSignature, InvalidDigest):
        return _error(403, "FORBIDDEN", "Invalid signature")
    return str(digest)


async def upload_blob(request: Request) -> Response:
    store = _local_store(request)
    if store is None:
        return _error(404, "NOT_FOUND", "Blobs are not served by this API")
    verified = _verify(request, store, "PUT")
    if isinstance(verified, Response):
        return verified
    try:
        size = await store.put_stream(verified, request.stream())
    except DigestMismatch:
        return _error(400, "DIGEST_MISMATCH", "Uploaded bytes do not match the digest")
    return JSONResponse({"digest": verified, "size": size}, status_code=201)


async def download_blob(request: Request) -> Response:
    store = _local_store(request)
    if store is None:
        return _error(404, "NOT_FOUND", "Blobs are not served by this API")
    verified = _verify(request, store, "GET")
    if isinstance(verified, Response):
        return verified
    size = await store.size(verified)
    if size is None:
        return _error(404, "NOT_FOUND", "No such blob")
    headers = {"content-length": str(size), "x-content-sha256": verified}
    filename = request.query_params.get("filename")
    if filename:
        headers["content-disposition"] = content_disposition(filename)
    try:
        return StreamingResponse(
            store.open_read(verified), headers=headers, media_type="application/octet-stream"
        )
    except BlobNotFound:
        return _error(404, "NOT_FOUND", "No such blob")
