"""Error codes are a contract: every code the server raises is in `ErrorCode`, and every
`ErrorCode` is raised somewhere or says why it is reserved.

A code outside the enum would reach clients as a value the schema does not list; an enum value
nobody raises is a promise a dashboard author would branch on in vain.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from api.errors import RESERVED_CODES, ErrorCode, code_of
from graph.core.errors import DomainError, NotFound

ROOT = Path(__file__).resolve().parents[1]
SERVER_PACKAGES = ("graph", "storage", "workflows", "api")


def import_server_modules() -> None:
    for name in SERVER_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            importlib.import_module(module.name)


def domain_error_classes() -> list[type[DomainError]]:
    import_server_modules()
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def server_source() -> str:
    return "\n".join(
        path.read_text() for name in SERVER_PACKAGES for path in (ROOT / name).rglob("*.py")
    )


def test_every_domain_error_code_is_an_error_code() -> None:
    codes = {member.value for member in ErrorCode}
    unknown = {
        cls.__qualname__: cls.code for cls in domain_error_classes() if cls.code not in codes
    }
    assert unknown == {}


def test_every_error_code_is_raised_somewhere_or_reserved() -> None:
    raised = {cls.code for cls in domain_error_classes()}
    source = server_source()
    unraised = [
        member.name
        for member in ErrorCode
        if member.value not in raised
        and not re.search(rf"ErrorCode\.{member.name}\b", source.replace("class ErrorCode", ""))
        and member.name not in RESERVED_CODES
    ]
    assert unraised == [], "raise these codes, or document them in api.errors.RESERVED_CODES"


def test_reserved_codes_are_members_and_say_why() -> None:
    for name, why in RESERVED_CODES.items():
        assert name in ErrorCode.__members__
        assert len(why) > 20


def test_an_unknown_code_is_internal_not_a_silent_invalid_input(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert code_of(NotFound("gone")) is ErrorCode.NOT_FOUND
    stray = DomainError("made up", code="NOT_A_CODE")
    with caplog.at_level("ERROR", logger="lineage.errors"):
        assert code_of(stray) is ErrorCode.INTERNAL
    assert "NOT_A_CODE" in caplog.text
