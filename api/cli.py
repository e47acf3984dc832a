"""The `lineage` command: run the service, manage the local Neo4j, export the schema.

lineage serve                   GraphQL on http://127.0.0.1:8000/graphql (local Neo4j if
                                NEO4J_URI is unset, blobs in ./.lineage/blobs by default)
lineage neo4j start|stop|status the project's own Neo4j Community server
lineage export-schema [--check] print schema.graphql (or fail when the file differs)
lineage admin-key [--name N]    a new API key for server admin N (default admin), written to
                                <data dir>/admin_api_key; the first `serve` makes one itself
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from api.settings import Settings
from services import neo4j_server
from services.neo4j_server import Neo4jServerConfig, Neo4jServerError

# This module and what it imports at the top are standard library only, so the console script
# also loads where only the SDK is installed; the server's modules are imported by the commands.
OWN_PACKAGES = frozenset({"api", "graph", "storage", "services", "workflows", "lineage"})


def local_neo4j_config(settings: Settings) -> Neo4jServerConfig:
    return Neo4jServerConfig(
        home=(settings.data_dir / "neo4j").resolve(),
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
            f"ready in {time.monotonic() - started:.1f}s; data in {config.home}"
        )
    elif action == "stop":
        stopped = neo4j_server.stop(config)
        print("neo4j stopped" if stopped else "neo4j was not running")
    else:
        running = neo4j_server.running_pid(config)
        print(
            f"neo4j running (pid {running}) at {config.bolt_uri}"
            if running
            else "neo4j not running"
        )
        return 0 if running else 3
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(settings: Settings) -> int:
    import uvicorn

    from api.app import create_app
    from api.logs import configure_logging

    configure_logging(settings.log_level)
    started_here = False
    config = local_neo4j_config(settings)
    if settings.uses_local_neo4j:
        started_here = neo4j_server.running_pid(config) is None
        began = time.monotonic()
        neo4j_server.start(config)
        print(
            f"local neo4j ready at {config.bolt_uri} in {time.monotonic() - began:.1f}s",
            file=sys.stderr,
        )
    # uvicorn shuts down gracefully on SIGTERM, then restores the previous handler and re-raises
    # the signal; with the default handler the process would die before stopping Neo4j below.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        print(f"Lineage GraphQL on http://{settings.host}:{settings.port}/graphql", file=sys.stderr)
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
        )
    finally:
        if started_here:
            neo4j_server.stop(config)
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
    commands.add_parser("serve", help="run the GraphQL API")
    neo4j = commands.add_parser("neo4j", help="manage the local Neo4j server")
    neo4j.add_argument("action", choices=["start", "stop", "status"])
    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--check", action="store_true", help="compare with the file instead")
    export.add_argument("--path", type=Path, default=Path("schema.graphql"))
    admin_key = commands.add_parser("admin-key", help="make a new server admin API key")
    admin_key.add_argument("--name", default="admin", help="the server admin's user name")
    args = parser.parse_args(argv)
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
