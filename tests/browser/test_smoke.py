"""The app is served at / and a person can sign in."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .support import WebServer


def test_signed_out_visitor_is_asked_for_a_key(page: Page, web_server: WebServer) -> None:
    page.goto(web_server.url + "/")
    expect(page.get_by_label("API key")).to_be_visible()
