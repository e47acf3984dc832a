"""The zero-configuration first start: one server admin key, in a 0600 file, printed how to use.

The end-to-end case needs a database without any user, so it starts its own Neo4j (the shared
test server always has users).
"""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import httpx
import pytest

from api.bootstrap_admin import ADMIN_KEY_FILE, first_start, new_admin_key, usage, write_key_file
from api.settings import Secret, Settings
from graph.access.users import create_first_admin, user_by_name
from graph.core.driver import Graph
from graph.core.errors import Forbidden
from services import neo4j_server
from services.neo4j_server import Neo4jServerConfig
from tests import conftest
from tests.api.access.conftest import MakeUser
from tests.conftest import SessionUser, start_live_server

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_key_file_is_private_and_the_usage_shows_curl_and_the_sdk(tmp_path: Path) -> None:
    path = write_key_file(tmp_path / "data", "lin_secret")
    assert path.read_text() == "lin_secret\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    write_key_file(tmp_path / "data", "lin_other")  # rewritten: private again
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = usage(Settings(port=8123), path)
    assert f'curl -H "Authorization: Bearer $(cat {path})"' in text
    assert "http://127.0.0.1:8123/graphql" in text
    assert f"LINEAGE_API_KEY=$(cat {path})" in text
    assert "lin_other" not in text


async def test_no_admin_is_made_when_users_exist(
    graph: Graph, session_user: SessionUser, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await create_first_admin(graph) is None
    settings = conftest.test_settings(data_dir=tmp_path)
    assert await first_start(settings, graph) is None
    assert not (tmp_path / ADMIN_KEY_FILE).exists()
    (tmp_path / ADMIN_KEY_FILE).write_text("x")
    await first_start(settings, graph)
    assert str((tmp_path / ADMIN_KEY_FILE).resolve()) in capsys.readouterr().err


async def test_the_admin_key_command_refuses_ordinary_users(
    graph: Graph, make_user: MakeUser, tmp_path: Path
) -> None:
    user = await make_user()
    with pytest.raises(Forbidden):
        await new_admin_key(graph, conftest.test_settings(data_dir=tmp_path), user.name)
    root = await make_user("root", server_admin=True)
    path = await new_admin_key(graph, conftest.test_settings(data_dir=tmp_path), root.name)
    assert path.read_text().startswith("lin_")
    found = await user_by_name(graph, root.name)
    assert found is not None and found.is_server_admin


def test_first_start_on_an_empty_server_creates_one_admin_key(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    config = Neo4jServerConfig(
        home=tmp_path / "neo4j",
        bolt_port=_free_port(),
        heap="512m",
        pagecache="64m",
        jar_cache=REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}",
    )
    neo4j_server.start(config)
    try:
        settings = conftest.test_settings(
            port=_free_port(),
            neo4j_uri=config.bolt_uri,
            neo4j_password=Secret(neo4j_server.read_password(config.home) or ""),
            data_dir=tmp_path / "data",
            blob_store_url=str(tmp_path / "blobs"),
        )
        server, thread = start_live_server(settings)
        try:
            path = (tmp_path / "data" / ADMIN_KEY_FILE).resolve()
            key = path.read_text().strip()
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            printed = capfd.readouterr().err
            assert "Created the server admin 'admin'" in printed and key not in printed
            url = f"http://127.0.0.1:{settings.port}/graphql"
            me = httpx.post(
                url,
                json={"query": "{ me { name isServerAdmin } }"},
                headers={"authorization": f"Bearer {key}"},
            ).json()
            assert me == {"data": {"me": {"name": "admin", "isServerAdmin": True}}}
            anonymous = httpx.post(url, json={"query": "{ me { name } }"}).json()
            assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        finally:
            server.should_exit = True
            thread.join(timeout=30)
        # a second start makes no second admin and keeps the key
        server, thread = start_live_server(settings)
        server.should_exit = True
        thread.join(timeout=30)
        assert path.read_text().strip() == key
        assert "Created the server admin" not in capfd.readouterr().err
    finally:
        neo4j_server.stop(config)
