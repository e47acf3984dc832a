"""The SDK's connection to the API: a server that is down, one that comes up late, and a
`LINEAGE_URL` written with the endpoint's `/graphql` path."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

import lineage
from tests.conftest import _free_port
from tests.sdk.live import S3LiveServer

PING = "query { __typename }"


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextmanager
def late_listener(upstream_port: int, delay: float) -> Iterator[int]:
    """A port that refuses connections for `delay` seconds, then forwards them to the API (a
    server coming up while the client is already calling)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
    port = int(listener.getsockname()[1])
    stop = threading.Event()
    opened: list[socket.socket] = []

    def serve() -> None:
        if stop.wait(delay):
            return
        listener.listen(16)
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", upstream_port))
            opened.extend((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for sock in opened:
            sock.close()


def test_a_server_that_is_down_is_a_lineage_error_naming_the_url() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with lineage.Client(url, api_key="k") as client, pytest.raises(lineage.LineageError) as down:
        client.execute(PING)
    assert down.value.code == "UNAVAILABLE"
    assert url in down.value.message and down.value.url == f"{url}/graphql"
    assert time.monotonic() - started < 10  # a few retries with backoff, then the answer


def test_a_mutation_that_never_reached_the_server_is_a_lineage_error_too() -> None:
    with (
        lineage.Client(f"http://127.0.0.1:{_free_port()}", api_key="k", retries=0) as client,
        pytest.raises(lineage.LineageError) as down,
    ):
        client.mutate("mutation { x }", {}, "x")
    assert down.value.code == "UNAVAILABLE"


def test_queries_are_retried_until_a_late_server_answers(s3_live: S3LiveServer) -> None:
    upstream = int(s3_live.url.rsplit(":", 1)[1])
    with (
        late_listener(upstream, delay=0.4) as port,
        lineage.Client(f"http://127.0.0.1:{port}", api_key=s3_live.api_key) as client,
    ):
        assert client.execute(PING) == {"__typename": "Query"}


@pytest.mark.parametrize("suffix", ["/graphql", "/graphql/"])
def test_a_url_naming_the_graphql_endpoint_is_accepted(
    s3_live: S3LiveServer, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with lineage.Client(s3_live.url + suffix, api_key=s3_live.api_key) as client:
        assert client.url == s3_live.url
        assert client.execute(PING) == {"__typename": "Query"}
    monkeypatch.setenv("LINEAGE_URL", s3_live.url + suffix)
    with lineage.Client(api_key=s3_live.api_key) as client:
        assert client.execute(PING) == {"__typename": "Query"}


def test_a_url_that_is_no_lineage_api_says_so(s3_live: S3LiveServer) -> None:
    with (
        lineage.Client(s3_live.url + "/elsewhere", api_key=s3_live.api_key, retries=0) as client,
        pytest.raises(lineage.LineageError) as wrong,
    ):
        client.execute(PING)
    assert wrong.value.code == "UNAVAILABLE"
    assert "HTTP 404" in wrong.value.message and "LINEAGE_URL" in wrong.value.message
