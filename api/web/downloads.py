"""Same-origin downloads of a version's files and manifest, so the web app's download links never
send the browser to the blob store's origin.

- `GET /files/<version id>/<path>`: the bytes of the stored file at `path` (exact match) in the
  version's manifest.
- `GET /manifests/<version id>`: the version's manifest blob (`lineage.manifest` JSON lines), saved
  as `<artifact>-v<N>.manifest.jsonl`.

`<version id>` is the `ArtifactVersion` (or `LineageVersion`) global id the API hands out, or the
stored id, percent-encoded as one path segment (a global id may hold `/`); each segment of `path`
is percent-encoded. Both answer `application/octet-stream` as an attachment with the file's
basename (`storage.disposition`), its `content-length`, `x-content-sha256` and `cache-control:
private, no-store`, streamed from the blob store (S3 or local) through the API.

Callers authenticate as for GraphQL: `Authorization: Bearer <key>`, else the session cookie, else
anonymous (allowed to read only with `LINEAGE_ALLOW_ANONYMOUS_READ`). A download is a safe read, so
a cookie request needs only the cross-site part of the CSRF rule (`api.web.csrf`): no foreign
`Origin`, and `Sec-Fetch-Site` (when sent) `same-origin` or `none`. Reading is the decision the
GraphQL resolvers make (`api.authz.decide`, READ in the version's organisation). Errors are coded
like the API's (`{"errors": [{"message", "extensions": {"code"}}]}`):

- 401 UNAUTHENTICATED: no credentials (anonymous read off), or a refused key or ended session;
- 403 CSRF_REJECTED: a cookie request from another site;
- 400 INVALID_PATH: a file path that escapes the root or is not normalised (`..`, `.`, empty
  segments, `\\`), or that is not UTF-8 once decoded;
- 429 RATE_LIMITED (with `Retry-After`): the caller's key (or, without a valid key, address)
  spent its allowance; downloads and GraphQL requests share one bucket (`api.ratelimit`);
- 404 NOT_FOUND: no such version, a version the caller may not read (the same answer), or no entry
  at that path;
- 409 CONFLICT: the entry is a reference (its bytes stay at its `s3://`, `file://` or `http(s)://`
  location, which the server does not fetch); `extensions.reference` holds that URI;
- 503 UNAVAILABLE: Neo4j cannot be reached; 503 STORAGE_ERROR: the blob store cannot (the codes
  GraphQL answers for the same outages), both with `Retry-After`.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import AsyncIterator
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError as S3ClientError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from api.artifacts.ids import SAME_OBJECT, typed_node_id
from api.authz import AUTHENTICATION_REQUIRED, Action, Caller, decide
from api.context import Services
from api.errors import RETRY_AFTER_SECONDS, ErrorCode
from api.ratelimit import RateLimits, admit
from api.web.csrf import cross_site_refusal, csrf_rejected, has_bearer, session_token
from graph.artifacts.manifests import validate_path
from graph.artifacts.records import VersionRecord
from graph.artifacts.versions import manifest_layouts, versions_by_ids
from graph.core.errors import (
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from storage.base import BlobNotFound, BlobStore, BlobStoreError
from storage.disposition import content_disposition
from workflows.pages import entry_at

log = logging.getLogger("lineage.downloads")

FILES_PREFIX = "/files/"
MANIFESTS_PREFIX = "/manifests/"
DOWNLOAD_HEADERS = {"cache-control": "private, no-store"}
NOT_FOUND_MESSAGE = "No such version, or it is not visible to you"


class Refusal(Exception):
    """An answer other than the download: raised by the steps, turned into the response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _error(status: int, code: ErrorCode, message: str, **extensions: str) -> JSONResponse:
    headers = {"cache-control": "no-store"}
    if status == 503:
        headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code.value, **extensions}}]},
        status_code=status,
        headers=headers,
    )


def _raw_rest(request: Request, prefix: str) -> str:
    """What follows `prefix` in the request's path as sent (still percent-encoded), so that an
    encoded `/` inside the version id stays apart from the file path's separators."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1").split("?", 1)[0] if isinstance(raw, bytes) else ""
    if not path.startswith(prefix):  # no raw path (or under a root path): the decoded one
        path = request.url.path
    return path[len(prefix) :] if path.startswith(prefix) else ""


def _decoded(text: str) -> str:
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise Refusal(
            _error(400, ErrorCode.INVALID_PATH, "The path is not UTF-8 once percent-decoded")
        ) from None


async def _caller(request: Request, services: Services) -> Caller:
    """The authenticated caller; `Refusal` for a cross-site cookie request or refused credentials
    (before anything is looked up, so a missing and a hidden version cannot be told apart)."""
    scope = request.scope
    session = None if has_bearer(scope) else session_token(scope)
    if session is not None:
        refusal = cross_site_refusal(scope, services.settings.public_url)
        if refusal is not None:
            raise Refusal(csrf_rejected(refusal))
    limits: RateLimits = request.app.state.rate_limits
    try:
        caller = await admit(
            limits,
            services,
            request.headers.get("authorization"),
            session,
            scope,
        )
    except RateLimited as refused:
        response = _error(429, ErrorCode.RATE_LIMITED, refused.message)
        response.headers["retry-after"] = str(refused.retry_after)
        raise Refusal(response) from None
    if caller.user_id is None and (caller.refused is not None or not caller.anonymous_read):
        raise Refusal(
            _error(401, ErrorCode.UNAUTHENTICATED, caller.refused or AUTHENTICATION_REQUIRED)
        )
    return caller


async def _readable_version(services: Services, caller: Caller, given: str) -> VersionRecord:
    """The committed version `given` names (global or stored id) if the caller may read its
    organisation; 404 alike for a missing one and one they may not read."""
    stored = typed_node_id(given, SAME_OBJECT["ArtifactVersion"]) or given
    if not stored:
        raise Refusal(_error(404, ErrorCode.NOT_FOUND, NOT_FOUND_MESSAGE))
    [record] = await versions_by_ids(services.graph, [stored])
    if record is None:
        raise Refusal(_error(404, ErrorCode.NOT_FOUND, NOT_FOUND_MESSAGE))
    try:
        await decide(caller, Action.READ, org=record.org_name)
    except (Forbidden, NotFound, Unauthenticated):
        raise Refusal(_error(404, ErrorCode.NOT_FOUND, NOT_FOUND_MESSAGE)) from None
    return record


async def _stream(blobs: BlobStore, digest: str, size: int, filename: str) -> StreamingResponse:
    """The blob as an attachment; its first chunk is read before answering, so a blob missing
    from the store is an error status rather than a cut-off 200."""
    chunks = blobs.open_read(digest)
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    except BlobNotFound:
        log.error("a committed version's blob is missing", extra={"digest": digest})
        raise Refusal(
            _error(404, ErrorCode.NOT_FOUND, "The file's bytes are missing from the blob store")
        ) from None

    async def body() -> AsyncIterator[bytes]:
        try:
            if first:
                yield first
            async for chunk in chunks:
                yield chunk
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()

    headers = {
        **DOWNLOAD_HEADERS,
        "content-length": str(size),
        "content-disposition": content_disposition(filename),
        "x-content-sha256": digest,
    }
    return StreamingResponse(body(), headers=headers, media_type="application/octet-stream")


async def _answer(request: Request, prefix: str) -> Response:
    services: Services = request.app.state.services
    try:
        caller = await _caller(request, services)
        rest = _raw_rest(request, prefix)
        if prefix == MANIFESTS_PREFIX:
            record = await _readable_version(services, caller, _decoded(rest))
            return await _stream(
                services.blobs,
                record.manifest_digest,
                record.manifest_size,
                f"{record.artifact_name}-v{record.index}.manifest.jsonl",
            )
        given, _, encoded_path = rest.partition("/")
        path = _decoded(encoded_path)
        try:
            validate_path(path, field="path")
        except DomainError as invalid:
            return _error(400, ErrorCode.INVALID_PATH, invalid.message)
        record = await _readable_version(services, caller, _decoded(given))
        [layout] = await manifest_layouts(services.graph, [record.id])
        entry = None if layout is None else await entry_at(services.blobs, layout, path)
        if entry is None:
            return _error(404, ErrorCode.NOT_FOUND, f"No file {path!r} in {record.path}")
        if entry.ref is not None:
            return _error(
                409,
                ErrorCode.CONFLICT,
                f"{path!r} is a reference: its bytes stay at {entry.ref} and are not stored "
                "here; fetch them from there",
                reference=entry.ref,
            )
        assert entry.digest is not None and entry.size is not None
        return await _stream(
            services.blobs, entry.digest, entry.size, posixpath.basename(entry.path)
        )
    except Refusal as refused:
        return refused.response
    except Unavailable as down:
        return _error(503, ErrorCode.UNAVAILABLE, down.message)
    except (BlobStoreError, BotoCoreError, S3ClientError) as failed:
        log.warning("blob store unavailable for a download", extra={"error": repr(failed)})
        return _error(503, ErrorCode.STORAGE_ERROR, "The blob store cannot be reached; retry")


async def download_file(request: Request) -> Response:
    return await _answer(request, FILES_PREFIX)


async def download_manifest(request: Request) -> Response:
    return await _answer(request, MANIFESTS_PREFIX)


def download_routes() -> list[Route]:
    return [
        Route(FILES_PREFIX + "{rest:path}", download_file, methods=["GET"]),
        Route(MANIFESTS_PREFIX + "{rest:path}", download_manifest, methods=["GET"]),
    ]
