"""The `lineage` command: run the service, manage the local Neo4j, export the schema.

lineage serve [--workers N] [--host H] [--port P]
                                GraphQL on http://127.0.0.1:8000/graphql (local Neo4j if
                                NEO4J_URI is unset, blobs in ./.lineage/blobs by default);
                                N worker processes share the port (LINEAGE_WORKERS; host and
                                port also LINEAGE_HOST, LINEAGE_PORT)
lineage neo4j start|stop|status the project's own Neo4j Community server (auth on: user neo4j,
                                password in <data dir>/neo4j/password)
lineage export-schema [--check] print schema.graphql (or fail when the file differs)
lineage admin-key [--name N]    a new API key for server admin N (default admin), written to
                                <data dir>/admin_api_key; the first `serve` makes one itself
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from api.settings import Settings
from services import neo4j_server
from services.neo4j_server import Neo4jServerConfig, Neo4jServerError

if TYPE_CHECKING:
    import uvicorn

# This module and what it imports at the top are standard library only, so the console script
# also loads where only the SDK is installed; the server's modules are imported by the commands.
OWN_PACKAGES = frozenset({"api", "graph", "storage", "services", "workflows", "lineage"})


def local_neo4j_config(settings: Settings) -> Neo4jServerConfig:
    return Neo4jServerConfig(
        home=settings.local_neo4j_home,
        bolt_port=settings.local_neo4j_port,
        heap=settings.local_neo4j_heap,
        pagecache=settings.local_neo4j_pagecache,
    )


def _neo4j(action: str, settings: Settings) -> int:
    config = local_neo4j_config(settings)
    if action == "start":
        started = time.monotonic()
        pid = neo4j_server.start(config)
        print(
            f"neo4j running (pid {pid}) at {config.bolt_uri}, "
            f"ready in {time.monotonic() - started:.1f}s; data in {config.home}; "
            f"user {neo4j_server.LOCAL_USER}, password in {config.password_file}"
        )
        _warn_if_auth_off(config)
    elif action == "stop":
        stopped = neo4j_server.stop(config)
        print("neo4j stopped" if stopped else "neo4j was not running")
    else:
        running = neo4j_server.running_pid(config)
        print(
            f"neo4j running (pid {running}) at {config.bolt_uri}; "
            f"user {neo4j_server.LOCAL_USER}, password in {config.password_file}"
            if running
            else "neo4j not running"
        )
        if running:
            _warn_if_auth_off(config)
        return 0 if running else 3
    return 0


def _warn_if_auth_off(config: Neo4jServerConfig) -> None:
    if not neo4j_server.auth_enabled(config):
        print(
            f"warning: this neo4j was started before passwords and accepts anyone on"
            f" {config.bolt_uri}; `lineage neo4j stop` and start it again to turn auth on",
            file=sys.stderr,
        )


# SIGHUP is what closing the terminal sends: it must stop the Neo4j `serve` started as SIGTERM
# and Ctrl-C do, not kill the API and leave that Neo4j running.
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _listen(host: str, port: int) -> socket.socket:
    """The API's socket, taken before anything else starts so that a busy port fails at once
    (exit status 2); connections made before the app is up wait in its backlog."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # uvicorn's default backlog
    except OSError as error:
        sock.close()
        print(
            f"error: {host}:{port} is already in use (another `lineage serve`?); stop it or"
            " choose another port with LINEAGE_PORT"
            if error.errno == errno.EADDRINUSE
            else f"error: cannot listen on {host}:{port}: {error.strerror}",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    return sock


def _server(settings: Settings) -> uvicorn.Server:
    """uvicorn with `serve`'s additions: SIGHUP shuts down gracefully as SIGTERM does, and the
    ready line is printed once the app has started and the socket accepts connections."""
    import uvicorn

    from api.app import create_app

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn handles SIGINT and SIGTERM itself and re-raises them once shut down; SIGHUP
            # joins them, so `serve`'s handler then stops Neo4j as for SIGTERM.
            with super().capture_signals():
                previous = signal.signal(signal.SIGHUP, self.handle_exit)
                try:
                    yield
                finally:
                    signal.signal(signal.SIGHUP, previous)

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                print(
                    f"Lineage GraphQL on {settings.base_url}/graphql (Ctrl-C stops it)",
                    file=sys.stderr,
                    flush=True,
                )

    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
    return Server(config)


def _workers(settings: Settings, sock: socket.socket) -> None:
    """`settings.workers` processes serving `sock`, each building the app from the environment
    (`api.app.app_from_env`); the rate limit buckets they share are tables under the data dir
    (`api.ratelimit_shared`), made afresh here. Returns once they have stopped: SIGTERM, SIGINT
    and SIGHUP stop them all (uvicorn's restart on SIGHUP would leave `serve`'s Neo4j behind a
    closed terminal); a worker that dies is replaced."""
    import uvicorn
    from uvicorn.supervisors.multiprocess import Multiprocess

    from api.ratelimit_shared import create_tables

    tables = (settings.data_dir / "run" / f"ratelimit-{settings.port}").resolve()
    create_tables(tables)
    os.environ["LINEAGE_RATE_LIMIT_TABLES"] = str(tables)
    config = uvicorn.Config(
        "api.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,
        access_log=False,
    )

    class Supervisor(Multiprocess):
        def init_processes(self) -> None:
            super().init_processes()
            if all(process.wait_until_ready(60, self.should_exit) for process in self.processes):
                print(
                    f"Lineage GraphQL on {settings.base_url}/graphql with {settings.workers} "
                    "workers (Ctrl-C stops it)",
                    file=sys.stderr,
                    flush=True,
                )

        def handle_hup(self) -> None:
            self.should_exit.set()

    Supervisor(config, sockets=[sock]).run()


def _serve(settings: Settings) -> int:
    from api.logs import configure_logging

    configure_logging(settings.log_level)
    # First the port, so a busy one fails in a second, before Neo4j starts or an admin is made.
    sock = _listen(settings.host, settings.port)
    # uvicorn shuts down gracefully on SIGTERM, then restores the previous handler and re-raises
    # the signal; with the default handler the process would die before stopping Neo4j below.
    # The same handler covers the Neo4j start-up, which then stops what it started.
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _exit_on_signal)
    config = local_neo4j_config(settings)
    started_here = False
    server: uvicorn.Server | None = None
    try:
        if settings.uses_local_neo4j:
            started_here = neo4j_server.running_pid(config) is None
            began = time.monotonic()
            pid = neo4j_server.start(config)
            print(
                f"local neo4j ready at {config.bolt_uri} in {time.monotonic() - began:.1f}s"
                if started_here
                else f"using the local neo4j already running (pid {pid}) at {config.bolt_uri};"
                " `lineage neo4j stop` stops it",
                file=sys.stderr,
            )
            if not started_here:
                _warn_if_auth_off(config)
        if settings.workers > 1:
            _workers(settings, sock)
        else:
            server = _server(settings)
            server.run(sockets=[sock])
    finally:
        sock.close()
        stopped = started_here and neo4j_server.stop(config)
        if settings.workers > 1 or (server is not None and server.started):
            print(
                "Lineage stopped; the local Neo4j it started is stopped too."
                if stopped
                else "Lineage stopped.",
                file=sys.stderr,
            )
    return 0


def _export_schema(check: bool, path: Path) -> int:
    from api.schema import export_schema

    text = export_schema()
    if not check:
        sys.stdout.write(text)
        return 0
    if path.exists() and path.read_text() == text:
        return 0
    print(f"{path} differs from the code; run: lineage export-schema > {path}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lineage", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the GraphQL API")
    serve.add_argument(
        "--workers",
        type=int,
        help="API worker processes sharing the port (default LINEAGE_WORKERS, else 1)",
    )
    serve.add_argument("--host", help="address to listen on (default LINEAGE_HOST, else 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default LINEAGE_PORT, else 8000)")
    neo4j = commands.add_parser("neo4j", help="manage the local Neo4j server")
    neo4j.add_argument("action", choices=["start", "stop", "status"])
    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--check", action="store_true", help="compare with the file instead")
    export.add_argument("--path", type=Path, default=Path("schema.graphql"))
    admin_key = commands.add_parser("admin-key", help="make a new server admin API key")
    admin_key.add_argument("--name", default="admin", help="the server admin's user name")
    args = parser.parse_args(argv)
    if args.command == "serve":  # through the environment: worker processes read it too
        if args.host is not None:
            os.environ["LINEAGE_HOST"] = args.host
        if args.port is not None:
            os.environ["LINEAGE_PORT"] = str(args.port)
    try:
        if args.command == "export-schema":
            return _export_schema(args.check, args.path)
        settings = Settings.from_env()
        if args.command == "neo4j":
            return _neo4j(args.action, settings)
        if args.command == "admin-key":
            import asyncio

            from api.bootstrap_admin import admin_key_command

            return asyncio.run(admin_key_command(settings, args.name))
        if args.workers is not None:
            settings = replace(settings, workers=args.workers)
        if settings.workers < 1:
            print("error: --workers (LINEAGE_WORKERS) must be at least 1", file=sys.stderr)
            return 2
        return _serve(settings)
    except Neo4jServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if error.name is None or error.name.partition(".")[0] in OWN_PACKAGES:
            raise
        print(
            f"error: `lineage {args.command}` needs the server's dependencies"
            f" (no module named {error.name!r}); install 'lineage[server]'"
            " (in a checkout: pip install -e '.[server]')",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
