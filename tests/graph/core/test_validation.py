"""The one rule each for tags, aliases and JSON maps (`graph.core.validation`)."""

from __future__ import annotations

import pytest

from graph.core.errors import InvalidInput, InvalidName, MetadataTooLarge
from graph.core.validation import encode_json_object, validate_alias, validate_tags


def test_tags_are_names_of_at_most_64_characters_without_duplicates() -> None:
    assert validate_tags(None) == []
    assert validate_tags(("b", "a", "b", "c.d-e_f")) == ["b", "a", "c.d-e_f"]
    assert validate_tags(["t" * 64]) == ["t" * 64]
    assert len(validate_tags([f"t{i}" for i in range(64)])) == 64
    with pytest.raises(InvalidInput, match="at most 64 tags") as too_many:
        validate_tags([f"t{i}" for i in range(65)])
    assert too_many.value.code == "INVALID_INPUT"
    for bad in ("t" * 65, "a b", "a/b", "", "..", "tab\t"):
        with pytest.raises(InvalidName) as refused:
            validate_tags(["ok", bad])
        assert (refused.value.code, refused.value.field) == ("INVALID_NAME", "tags")


def test_aliases_cannot_read_as_an_index_or_a_digest() -> None:
    for good in ("best", "latest", "v", "v1a", "version-2", "A" * 64, "ab" * 31):
        assert validate_alias(good) == good
    for bad in ("v0", "v3", "v01", "v-1", "v" + "9" * 30, "ab" * 32, "a b", ""):
        with pytest.raises(InvalidName):
            validate_alias(bad, field="aliases")


def test_json_objects_are_bounded_and_stored_compactly() -> None:
    assert encode_json_object({"b": 1, "a": [1, 2]}, field="m", max_bytes=100) == (
        '{"a":[1,2],"b":1}'
    )
    with pytest.raises(MetadataTooLarge, match="3 keys"):
        encode_json_object({"a": 1, "b": 2, "c": 3}, field="m", max_bytes=100, max_keys=2)
    with pytest.raises(MetadataTooLarge, match="larger than 10 bytes"):
        encode_json_object({"a": "x" * 10}, field="m", max_bytes=10)
    for bad in ([1], "x", None, {"x": float("nan")}, {"x": object()}):
        with pytest.raises(InvalidInput) as refused:
            encode_json_object(bad, field="config", max_bytes=100)
        assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", "config")


def test_a_refused_name_says_which_rule_it_breaks() -> None:
    from graph.core.names import validate_name

    for value, says in (
        ("n" * 129, "129 characters, a name has 1-128"),
        ("", "0 characters"),
        ("..", "'.' and '..' alone are not names"),
        ("a b", "use only letters"),
    ):
        with pytest.raises(InvalidName, match=says):
            validate_name(value, field="alias")
    with pytest.raises(InvalidName, match="version index"):
        validate_alias("V1")
    assert validate_name("a..b") == "a..b"
