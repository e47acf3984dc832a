"""Signed upload and download URLs of the local blob store, served by the API itself.

The URL carries `verb`, `expires` and an HMAC `sig` scoped to one digest and one verb; anything
tampered with, expired, or for another verb is refused before a byte is read or written.
Uploads stream to disk and are verified against the digest in the path. An upload URL also signs
its `size`: a body declared longer is refused unread (413), one that runs longer is cut off at the
first extra byte (413) and one that ends short is refused (400), keeping nothing; a second PUT to
a URL whose first upload still runs answers 409.
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
from storage.local import LocalBlobStore, UploadInProgress, UploadSizeMismatch, UploadTooLarge


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _local_store(request: Request) -> LocalBlobStore | None:
    store = request.app.state.services.blobs
    return store if isinstance(store, LocalBlobStore) else None


def _verify(
    request: Request, store: LocalBlobStore, verb: str, staging: str | None = None
) -> tuple[str, int | None] | Response:
    """The digest and (for an upload) the signed size, or the refusal to answer with."""
    digest = request.path_params["digest"]
    query = request.query_params
    try:
        expires = int(query.get("expires", ""))
    except ValueError:
        return _error(403, "FORBIDDEN", "Missing or malformed signature")
    if query.get("verb") != verb:
        return _error(403, "FORBIDDEN", "This URL does not allow that method")
    size = query.get("size") if verb == "PUT" else None
    try:
        signed_size = store.verify_url(
            digest, verb, expires, query.get("sig", ""), size, staging=staging
        )
    except SignatureExpired:
        return _error(403, "FORBIDDEN", "Signed URL expired")
    except (InvalidSignature, InvalidDigest):
        return _error(403, "FORBIDDEN", "Invalid signature")
    return str(digest), signed_size


def _unread(response: Response) -> Response:
    """`response` to a request whose body is left unread: the connection closes after it, so
    the server reads no more of that body (uvicorn would otherwise drain it to keep it open)."""
    response.headers["connection"] = "close"
    return response


def _declared_length(request: Request) -> int | None:
    """The request's Content-Length, when it is a plain number (the server framed the body)."""
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() and len(value) <= 20 else None


async def upload_blob(request: Request) -> Response:
    store = _local_store(request)
    if store is None:
        return _error(404, "NOT_FOUND", "Blobs are not served by this API")
    staging = request.query_params.get("staging")  # signed: the draft's staging area
    verified = _verify(request, store, "PUT", staging)
    if isinstance(verified, Response):
        return _unread(verified)
    digest, signed_size = verified
    assert signed_size is not None  # verify_url refuses an upload URL without one
    too_large = _error(413, "LIMIT_EXCEEDED", f"This URL takes exactly {signed_size} bytes")
    declared = _declared_length(request)
    if declared is not None and declared > signed_size:
        return _unread(too_large)
    claim = f"{digest}:{request.query_params.get('sig', '').lower()}"
    try:
        size = await store.receive_upload(
            digest, signed_size, request.stream(), claim=claim, staging=staging
        )
    except UploadInProgress:
        return _unread(_error(409, "CONFLICT", "Another upload to this URL is still running"))
    except UploadTooLarge:
        return _unread(too_large)
    except UploadSizeMismatch:
        return _error(400, "SIZE_MISMATCH", f"This URL takes exactly {signed_size} bytes")
    except DigestMismatch:
        return _error(400, "DIGEST_MISMATCH", "Uploaded bytes do not match the digest")
    return JSONResponse({"digest": digest, "size": size}, status_code=201)


async def download_blob(request: Request) -> Response:
    store = _local_store(request)
    if store is None:
        return _error(404, "NOT_FOUND", "Blobs are not served by this API")
    verified = _verify(request, store, "GET")
    if isinstance(verified, Response):
        return verified
    digest, _ = verified
    size = await store.size(digest)
    if size is None:
        return _error(404, "NOT_FOUND", "No such blob")
    headers = {"content-length": str(size), "x-content-sha256": digest}
    filename = request.query_params.get("filename")
    if filename:
        headers["content-disposition"] = content_disposition(filename)
    try:
        return StreamingResponse(
            store.open_read(digest), headers=headers, media_type="application/octet-stream"
        )
    except BlobNotFound:
        return _error(404, "NOT_FOUND", "No such blob")
