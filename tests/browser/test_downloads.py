"""Downloads from the version page in Chromium: the file and manifest links are the API's own
`/files/...` and `/manifests/...` (never the blob store's origin, which the conftest's recorder
would catch), the saved bytes are the logged ones, and a reference is named as text, not linked.
Data is logged through the Python SDK against the server."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import lineage

from .conftest import Recorder
from .support import WebServer, create_organization, graphql, sign_in

SMALL = b"hello, download\n"
LARGE = os.urandom(3 * 1024 * 1024 + 777)
NESTED = "deep dir/naïve café/résumé ✓.txt"
NESTED_BYTES = "unicode ✓\n".encode()
REFERENCE = "https://example.invalid/data/table.csv"


@dataclass(frozen=True)
class Seeded:
    org: str
    version_id: str


@pytest.fixture(scope="module")
def seeded(web_server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    tmp = tmp_path_factory.mktemp("downloads-seed")
    with (
        pytest.MonkeyPatch.context() as patch,
        lineage.Client(web_server.url, web_server.admin_key) as sdk,
    ):
        patch.setenv("LINEAGE_CACHE_DIR", str(tmp / "cache"))
        org = create_organization(web_server, "downloads")
        artifact = lineage.Artifact("bundle", "dataset")
        for path, content in (
            ("small.txt", SMALL),
            ("big/model.bin", LARGE),
            (NESTED, NESTED_BYTES),
        ):
            local = tmp / "src" / path
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(content)
            artifact.add_file(local, path)
        artifact.add_reference(REFERENCE, name="ext/table.csv", checksum=False)
        version = lineage.log_artifact(artifact, f"{org}/vision", client=sdk, progress=False)
        yield Seeded(org=org, version_id=version.id)


def _download(page: Page, server: WebServer, name: str, tmp_path: Path) -> tuple[str, bytes]:
    """Click the link named `name` and take the download Chromium saves: its name and bytes.
    A download is not reported to the context's request events, so the recorder never sees it:
    its URL is checked here to be on the server's origin."""
    with page.expect_download() as started:
        page.get_by_role("link", name=name, exact=True).click()
    download = started.value
    assert download.url.startswith(server.url + "/"), download.url
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    return download.suggested_filename, saved.read_bytes()


def test_files_and_the_manifest_download_from_the_servers_own_origin(
    page: Page, web_server: WebServer, seeded: Seeded, recorder: Recorder, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    page.goto(f"{web_server.url}/orgs/{seeded.org}/projects/vision/artifacts/bundle/v0")
    files = page.get_by_role("table", name="Files")
    expect(files.get_by_role("row")).to_have_count(5)

    for path, content in (("small.txt", SMALL), ("big/model.bin", LARGE), (NESTED, NESTED_BYTES)):
        link = page.get_by_role("link", name=f"Download {path}", exact=True)
        href = link.get_attribute("href")
        assert href and href.startswith("/files/"), href
        name, data = _download(page, web_server, f"Download {path}", tmp_path)
        assert name == path.rsplit("/", 1)[-1]
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(content).hexdigest()
        assert data == content

    # The reference: its URI as text, no link off the origin.
    row = files.get_by_test_id("file-row").filter(has_text="ext/table.csv")
    expect(row).to_contain_text(REFERENCE)
    expect(row.get_by_role("link")).to_have_count(0)

    name, manifest = _download(page, web_server, "Download manifest", tmp_path)
    assert name == "bundle-v0.manifest.jsonl"
    data = graphql(
        web_server,
        "query($id: ID!) { node(id: $id) { ... on ArtifactVersion { manifest { digest } } } }",
        {"id": seeded.version_id},
    )
    assert hashlib.sha256(manifest).hexdigest() == data["node"]["manifest"]["digest"]
    assert REFERENCE.encode() in manifest
    # Everything else the page asked for stayed on the origin too (the `context` fixture fails
    # the test at teardown otherwise).
    assert recorder.requests and not recorder.offsite
