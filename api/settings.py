"""Every setting Lineage reads, read in one place (`Settings.from_env`) into a frozen object.

Tests build `Settings(...)` directly. Secrets are wrapped in `Secret` so they never print.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graph.core.names import NAME_PATTERN
from services.neo4j_server import LOCAL_USER, read_password
from services.private_files import private_dir, read_private_file, write_private_file


@dataclass(frozen=True)
class Secret:
    """A value that is masked in repr and logs."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    """Service configuration; see the README's settings table for the environment names."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".lineage")
    public_url: str = ""
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: Secret | None = None
    neo4j_database: str = "neo4j"
    local_neo4j_port: int = 7687
    local_neo4j_heap: str = "1g"
    local_neo4j_pagecache: str = "512m"
    blob_store_url: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_public_endpoint_url: str | None = None
    secret_key: Secret = field(default_factory=lambda: Secret(secrets.token_hex(32)))
    signed_url_ttl_seconds: int = 900
    max_page_size: int = 100
    default_page_size: int = 20
    max_request_bytes: int = 4 * 1024 * 1024
    max_response_bytes: int = 32 * 1024 * 1024
    """LINEAGE_MAX_RESPONSE_BYTES: the largest GraphQL answer sent; a larger one is replaced
    whole by a LIMIT_EXCEEDED error (api/limits.py)."""
    log_level: str = "INFO"
    sweep_interval_seconds: int = 300
    allow_anonymous_read: bool = False
    """LINEAGE_ALLOW_ANONYMOUS_READ=true lets callers without an API key read (never write)."""
    rate_limit_per_key: int = 3000
    """LINEAGE_RATE_LIMIT_PER_KEY: GraphQL requests and downloads per minute per API key, in
    bursts of up to as many; 0 turns it off. Kept per API process (api/ratelimit.py)."""
    rate_limit_anonymous: int = 300
    """LINEAGE_RATE_LIMIT_ANONYMOUS: GraphQL requests and downloads per minute per client
    address for requests without a valid API key; 0 turns it off."""
    workers: int = 1
    """LINEAGE_WORKERS (or `lineage serve --workers N`): API worker processes sharing the port;
    each has its own Neo4j connections, event follower and webhook worker, and they share the
    rate limit buckets through `rate_limit_tables`."""
    rate_limit_tables: Path | None = None
    """LINEAGE_RATE_LIMIT_TABLES: the directory of the rate limit tables the workers of one
    `serve` share (`api.ratelimit_shared`); `serve` sets it for its workers."""
    session_hours: float = 12.0
    """LINEAGE_SESSION_HOURS: how long a browser session (signed in with an API key) lasts;
    it ends sooner when its key is revoked or expires (graph/access/sessions.py)."""
    event_retention_days: float = 30.0
    """LINEAGE_EVENT_RETENTION_DAYS: how long the event log keeps an event (the sweeper removes
    older ones); subscribers and webhooks resume from a cursor within that time."""
    event_poll_seconds: float = 0.05
    """LINEAGE_EVENT_POLL_SECONDS: how often each API process reads the event log for its
    subscribers (one query per poll for all of them); the floor of subscription latency."""
    webhook_worker: bool = True
    """LINEAGE_WEBHOOK_WORKER=false: this process delivers no webhooks (others do; a replica
    that must not reach the outside, or a test server on a shared database)."""
    webhook_allow_http: bool = False
    """LINEAGE_WEBHOOK_ALLOW_HTTP=true accepts http:// webhook URLs (https only otherwise)."""
    webhook_allow_private_addresses: bool = False
    """LINEAGE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true lets webhooks reach loopback, private,
    link-local and metadata addresses (refused by default: SSRF)."""
    webhook_timeout_seconds: float = 10.0
    """LINEAGE_WEBHOOK_TIMEOUT_SECONDS: a delivery attempt that takes longer has failed."""
    webhook_retry_seconds: float = 24 * 3600.0
    """LINEAGE_WEBHOOK_RETRY_SECONDS: how long a failing delivery is retried, with exponential
    backoff and jitter, before it is given up."""
    webhook_backoff_seconds: float = 1.0
    """LINEAGE_WEBHOOK_BACKOFF_SECONDS: the first retry's delay; each later one doubles it, up
    to an hour, with full jitter."""
    webhook_disable_after_failures: int = 50
    """LINEAGE_WEBHOOK_DISABLE_AFTER: consecutive failed attempts after which a webhook is
    disabled (audited); an admin enables it again."""
    openlineage_projects: Mapping[str, str] = field(default_factory=dict[str, str])
    """LINEAGE_OPENLINEAGE_PROJECTS: a JSON object mapping OpenLineage job and dataset
    namespaces to project names (docs/openlineage.md); other namespaces map by rule."""

    @property
    def base_url(self) -> str:
        """The URL clients reach this API at; signed local-store URLs are built on it."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def blob_store(self) -> str:
        return self.blob_store_url or str((self.data_dir / "blobs").resolve())

    @property
    def uses_local_neo4j(self) -> bool:
        return not self.neo4j_uri

    @property
    def effective_neo4j_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.local_neo4j_port}"

    @property
    def local_neo4j_home(self) -> Path:
        """Where the local Neo4j keeps its store, logs and generated password."""
        return (self.data_dir / "neo4j").resolve()

    def neo4j_auth(self) -> tuple[str, str | None]:
        """User and password for `effective_neo4j_uri`: NEO4J_USER / NEO4J_PASSWORD for a
        NEO4J_URI, else the password the local server generated into its folder at first start
        (None only for a local server started before passwords, still running with auth off).
        Read when connecting, since the first start writes it after the settings were read."""
        if self.uses_local_neo4j:
            return LOCAL_USER, read_password(self.local_neo4j_home)
        return self.neo4j_user, self.neo4j_password.value if self.neo4j_password else None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the environment; a malformed value fails here, at start, with its name."""
        env = os.environ if env is None else env
        data_dir = private_dir(Path(env.get("LINEAGE_DATA_DIR", ".lineage")))
        password = env.get("NEO4J_PASSWORD")
        return cls(
            host=env.get("LINEAGE_HOST", "127.0.0.1"),
            port=_int(env, "LINEAGE_PORT", 8000),
            data_dir=data_dir,
            public_url=env.get("LINEAGE_PUBLIC_URL", ""),
            neo4j_uri=env.get("NEO4J_URI") or None,
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password=Secret(password) if password else None,
            neo4j_database=env.get("NEO4J_DATABASE", "neo4j"),
            local_neo4j_port=_int(env, "LINEAGE_NEO4J_PORT", 7687),
            local_neo4j_heap=env.get("LINEAGE_NEO4J_HEAP", "1g"),
            local_neo4j_pagecache=env.get("LINEAGE_NEO4J_PAGECACHE", "512m"),
            blob_store_url=env.get("LINEAGE_BLOB_STORE", ""),
            s3_endpoint_url=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None,
            s3_public_endpoint_url=env.get("LINEAGE_S3_PUBLIC_ENDPOINT") or None,
            s3_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            secret_key=Secret(env.get("LINEAGE_SECRET_KEY") or _persistent_secret(data_dir)),
            signed_url_ttl_seconds=_int(env, "LINEAGE_SIGNED_URL_TTL", 900),
            max_page_size=_int(env, "LINEAGE_MAX_PAGE_SIZE", 100),
            max_request_bytes=_int(env, "LINEAGE_MAX_REQUEST_BYTES", 4 * 1024 * 1024),
            max_response_bytes=_int(env, "LINEAGE_MAX_RESPONSE_BYTES", 32 * 1024 * 1024),
            log_level=env.get("LINEAGE_LOG_LEVEL", "INFO").upper(),
            sweep_interval_seconds=_int(env, "LINEAGE_SWEEP_INTERVAL", 300),
            allow_anonymous_read=_bool(env, "LINEAGE_ALLOW_ANONYMOUS_READ", False),
            rate_limit_per_key=_int(env, "LINEAGE_RATE_LIMIT_PER_KEY", 3000),
            rate_limit_anonymous=_int(env, "LINEAGE_RATE_LIMIT_ANONYMOUS", 300),
            workers=_int(env, "LINEAGE_WORKERS", 1),
            rate_limit_tables=Path(env["LINEAGE_RATE_LIMIT_TABLES"])
            if env.get("LINEAGE_RATE_LIMIT_TABLES")
            else None,
            session_hours=_positive_float(env, "LINEAGE_SESSION_HOURS", 12.0),
            event_retention_days=_positive_float(env, "LINEAGE_EVENT_RETENTION_DAYS", 30.0),
            event_poll_seconds=_positive_float(env, "LINEAGE_EVENT_POLL_SECONDS", 0.05),
            webhook_worker=_bool(env, "LINEAGE_WEBHOOK_WORKER", True),
            webhook_allow_http=_bool(env, "LINEAGE_WEBHOOK_ALLOW_HTTP", False),
            webhook_allow_private_addresses=_bool(
                env, "LINEAGE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False
            ),
            webhook_timeout_seconds=_positive_float(env, "LINEAGE_WEBHOOK_TIMEOUT_SECONDS", 10.0),
            webhook_retry_seconds=_positive_float(env, "LINEAGE_WEBHOOK_RETRY_SECONDS", 86400.0),
            webhook_backoff_seconds=_positive_float(env, "LINEAGE_WEBHOOK_BACKOFF_SECONDS", 1.0),
            webhook_disable_after_failures=_int(env, "LINEAGE_WEBHOOK_DISABLE_AFTER", 50),
            openlineage_projects=_projects(env, "LINEAGE_OPENLINEAGE_PROJECTS"),
        )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise SystemExit(f"{name} must be a positive number, got {raw!r}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SystemExit(f"{name} must be true or false, got {raw!r}")


def _projects(env: Mapping[str, str], name: str) -> dict[str, str]:
    """A JSON object of namespace -> project name, each a valid name."""
    raw = env.get(name, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a JSON object, got {raw!r}") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _is_name(v) for k, v in value.items()
    ):
        raise SystemExit(f"{name} must map namespaces to project names, got {raw!r}")
    return {str(k): str(v) for k, v in value.items()}


def _is_name(value: str) -> bool:
    return bool(NAME_PATTERN.fullmatch(value)) and value not in {".", ".."}


def _persistent_secret(data_dir: Path) -> str:
    """A signing key kept in the data folder (0600), so signed URLs survive a restart."""
    path = data_dir / "secret_key"
    key = read_private_file(path)
    if key is None:
        key = secrets.token_hex(32)
        write_private_file(path, key)
    return key
