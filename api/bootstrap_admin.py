"""The zero-configuration first start: a server admin and one API key, written to the data folder.

`lineage serve` on a server without any user creates the server admin `admin` with one key, writes
the key to `<data dir>/admin_api_key` (mode 0600) and prints how to use it. The key itself is
printed once, and only to a terminal: where stderr is a log (Docker, systemd, CI) it would outlive
the moment, so only the file's path is. `lineage admin-key` makes a fresh key for a server admin
later (lost file, rotation); it needs direct access to Neo4j, which is what makes its caller an
operator.
"""

from __future__ import annotations

import sys
from pathlib import Path

from api.settings import Settings
from graph.access import users as identity
from graph.access.api_keys import create_api_key
from graph.core.bootstrap import bootstrap
from graph.core.driver import Graph, connect
from graph.core.errors import Forbidden
from services.private_files import write_private_file

ADMIN_KEY_FILE = "admin_api_key"
FIRST_ADMIN = "admin"


def write_key_file(data_dir: Path, secret: str) -> Path:
    """Write the key readable by its owner only (created 0600, never briefly wider)."""
    return write_private_file((data_dir / ADMIN_KEY_FILE).resolve(), secret + "\n")


def usage(settings: Settings, path: Path) -> str:
    """How to call the API with the key in `path` (curl and the Python SDK)."""
    url = f"{settings.base_url}/graphql"
    return "\n".join(
        [
            f"The server admin API key is in {path} (keep it secret).",
            "Use it with curl:",
            f'  curl -H "Authorization: Bearer $(cat {path})" \\',
            '       -H "Content-Type: application/json" \\',
            f'       -d \'{{"query": "{{ me {{ name }} }}"}}\' {url}',
            "or with the Python SDK:",
            f"  export LINEAGE_URL={settings.base_url} LINEAGE_API_KEY=$(cat {path})",
        ]
    )


async def first_start(settings: Settings, graph: Graph) -> Path | None:
    """Create the first server admin and key if the server has no user yet; return the file.

    Also reminds where the key file is on later starts while it still exists. Safe when several
    processes start at once: only one creates the admin.
    """
    created = await identity.create_first_admin(graph, FIRST_ADMIN)
    if created is not None:
        path = write_key_file(settings.data_dir, created.secret)
        print(f"Created the server admin {FIRST_ADMIN!r}.", file=sys.stderr)
        if sys.stderr.isatty():
            print(f"Its API key: {created.secret}", file=sys.stderr)
        print(usage(settings, path), file=sys.stderr)
        return path
    existing = (settings.data_dir / ADMIN_KEY_FILE).resolve()
    if existing.exists():
        print(f"The server admin API key is in {existing}.", file=sys.stderr)
    return None


async def new_admin_key(graph: Graph, settings: Settings, name: str = FIRST_ADMIN) -> Path:
    """A new key for server admin `name` (created if missing), written to the key file.

    `Forbidden` when `name` is an existing user who is not a server admin.
    """
    user = await identity.user_by_name(graph, name)
    if user is None:
        user, _ = await identity.create_user(graph, name, is_server_admin=True)
    if not user.is_server_admin:
        raise Forbidden(f"{name!r} is not a server admin")
    key = await create_api_key(graph, user.id, "admin-key command")
    return write_key_file(settings.data_dir, key.secret)


async def admin_key_command(settings: Settings, name: str) -> int:
    """`lineage admin-key`: connect to Neo4j, make the key, print how to use it."""
    graph = connect(settings.effective_neo4j_uri, *settings.neo4j_auth(), settings.neo4j_database)
    try:
        await bootstrap(graph)
        path = await new_admin_key(graph, settings, name)
    except Forbidden as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    finally:
        await graph.close()
    print(usage(settings, path))
    return 0
