"""What browser tests share besides fixtures: a GraphQL call with an API key (to seed data
through the published API, as any client would) and signing in through the page."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect


@dataclass(frozen=True)
class WebServer:
    """A `lineage serve` process of the browser tests; `admin_key` is a server admin's key."""

    url: str
    admin_key: str


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def graphql(
    server: WebServer, query: str, variables: dict[str, Any] | None = None, key: str | None = None
) -> dict[str, Any]:
    """POST a document with an API key (the admin's by default); raise on any error."""
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {key or server.admin_key}"},
        timeout=60,
    )
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise AssertionError(f"GraphQL errors: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


def create_organization(server: WebServer, prefix: str = "web") -> str:
    """A fresh organisation (the admin is its admin); its name."""
    name = unique_name(prefix)
    data = graphql(
        server,
        "mutation($name: String!) { createOrganization(input: {name: $name}) {"
        " organization { name } errors { code message } } }",
        {"name": name},
    )
    assert not data["createOrganization"]["errors"], data
    return name


def sign_in(page: Page, server: WebServer, key: str | None = None) -> None:
    """Sign in through the page's form, as a person would, and wait for the signed-in header."""
    page.goto(f"{server.url}/signin")
    page.get_by_label("API key").fill(key or server.admin_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_path(name: str, scratch: Path) -> Path:
    """Where a README screenshot goes: docs/screenshots/ only when LINEAGE_UPDATE_SCREENSHOTS=1,
    so that a test run leaves the checkout clean; otherwise the test's own scratch folder."""
    if os.environ.get("LINEAGE_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SCREENSHOTS / name
    return scratch / name
