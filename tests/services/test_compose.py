"""docker-compose.yml without Docker: the file is checked against the Compose Specification's
JSON Schema (vendored in tests/services/data), every service is pinned, health-checked and
restarted, the build context leaves local state out, and the S3 service's own entrypoint and
command start versitygw on an empty volume and pass its own healthcheck."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import yaml
from botocore.config import Config

from services import s3_server
from services.neo4j_server import NEO4J_VERSION
from services.s3_server import VERSITYGW_VERSION, free_port

REPO = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).resolve().parent / "data" / "compose-spec.json"
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
ONE_SHOT = {"s3-bucket"}  # runs once and exits: nothing to health-check
EXACT_TAG = re.compile(r"[a-z0-9./-]+:v?\d+\.\d+\.\d+[a-z0-9.-]*(@sha256:[0-9a-f]{64})?")
S3_IMAGE_ENTRYPOINT = ["/app/versitygw"]  # versity/versitygw's Dockerfile ENTRYPOINT
S3_VOLUME = "/data"


def _interpolate(value: str) -> str:
    """Compose's variable syntax as used in the file: `$$`, `${VAR:-default}`, `${VAR}`."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        return os.environ.get(name) or (default or "")

    return re.sub(r"\$\$|\$\{(\w+)(?::-([^}]*))?\}", one, value)


def test_the_compose_file_follows_the_compose_specification() -> None:
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(COMPOSE)
    ]
    assert errors == []


def test_every_service_is_pinned_health_checked_and_restarted() -> None:
    assert SERVICES["neo4j"]["image"] == f"neo4j:{NEO4J_VERSION}-community"
    assert SERVICES["s3"]["image"] == f"versity/versitygw:{VERSITYGW_VERSION}"
    for name, service in SERVICES.items():
        if "image" in service:
            assert EXACT_TAG.fullmatch(service["image"]), (name, service["image"])
        if name in ONE_SHOT:
            assert service["restart"] == "on-failure", name
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}, name
    base = re.search(r"^FROM (\S+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert base is not None and EXACT_TAG.fullmatch(base.group(1)), base
    # Each service waits for what it needs to be healthy (or done), not merely started.
    assert SERVICES["s3-bucket"]["depends_on"] == {"s3": {"condition": "service_healthy"}}
    assert SERVICES["api"]["depends_on"] == {
        "neo4j": {"condition": "service_healthy"},
        "s3-bucket": {"condition": "service_completed_successfully"},
    }


def test_the_docker_build_context_leaves_out_local_state() -> None:
    ignored = {
        line.strip().removeprefix("**/").rstrip("/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for name in (".venv", ".lineage", "node_modules", ".git", "__pycache__", ".mypy_cache"):
        assert name in ignored, name
    for name in (".ruff_cache", ".pytest_cache", ".hypothesis", "*.egg-info"):
        assert name in ignored, name


def _on_this_machine(argument: str, binary: Path, volume: Path, port: int) -> str:
    """A container argument with the image's paths and port mapped to this machine's."""
    argument = _interpolate(argument).replace(S3_IMAGE_ENTRYPOINT[0], str(binary))
    argument = re.sub(rf"(?<![\w/]){S3_VOLUME}(?=/|\b)", str(volume), argument)
    if argument == ":7070":  # every interface of the container: loopback here
        return f"127.0.0.1:{port}"
    return argument.replace(":7070", f":{port}")


def test_the_s3_service_starts_on_an_empty_volume_and_passes_its_healthcheck(
    tmp_path: Path,
) -> None:
    binary = s3_server.install(REPO / ".lineage" / "bin")
    volume = tmp_path / "s3-data"
    volume.mkdir()  # a fresh named volume: an empty folder
    port = free_port()
    s3 = SERVICES["s3"]
    argv = [
        _on_this_machine(argument, binary, volume, port)
        for argument in [*s3.get("entrypoint", S3_IMAGE_ENTRYPOINT), *s3["command"]]
    ]
    assert f"127.0.0.1:{port}" in argv
    environment = {name: _interpolate(value) for name, value in s3["environment"].items()}
    health = s3["healthcheck"]["test"]
    check = [_on_this_machine(argument, binary, volume, port) for argument in health[1:]]
    if health[0] == "CMD-SHELL":
        check = ["/bin/sh", "-c", *check]
    log = (tmp_path / "versitygw.log").open("wb")
    process = subprocess.Popen(
        argv, env={**os.environ, **environment}, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(check, capture_output=True, check=False).returncode != 0:
            output = (tmp_path / "versitygw.log").read_text()
            assert process.poll() is None, f"exited {process.returncode}: {output}"
            assert time.monotonic() < deadline, f"{shlex.join(check)} never passed: {output}"
            time.sleep(0.2)
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id=environment["ROOT_ACCESS_KEY"],
            aws_secret_access_key=environment["ROOT_SECRET_KEY"],
            config=Config(s3={"addressing_style": "path"}),
        )
        bucket = f"lineage-{secrets.token_hex(4)}"
        client.create_bucket(Bucket=bucket)
        client.put_object(Bucket=bucket, Key="k", Body=b"stored on the volume")
        assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"stored on the volume"
        assert any(volume.rglob("k"))  # the objects live on the volume
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
