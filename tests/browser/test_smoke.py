"""The app is served at / and a person can sign in."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .support import WebServer, sign_in


def test_signed_out_visitor_is_asked_for_a_key(page: Page, web_server: WebServer) -> None:
    page.goto(web_server.url + "/")
    expect(page.get_by_label("API key")).to_be_visible()
    # A new user is told where the first key is.
    expect(page.get_by_role("form", name="Sign in")).to_contain_text(".lineage/admin_api_key")


def test_a_pasted_key_becomes_an_http_only_cookie(page: Page, web_server: WebServer) -> None:
    sign_in(page, web_server)
    expect(page.get_by_test_id("signed-in-user")).not_to_be_empty()
    [cookie] = [c for c in page.context.cookies() if c["name"] == "lineage_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert web_server.admin_key not in cookie["value"]
    assert page.evaluate("document.cookie") == ""  # no script can read it
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage, sessionStorage))")
    assert web_server.admin_key not in stored
