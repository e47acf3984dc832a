"""The data folder (Neo4j store, blobs, keys) is its owner's alone: 0700, key files 0600, and a
folder left readable by an earlier release is tightened on the next start."""

from __future__ import annotations

import stat
from pathlib import Path

from api.bootstrap_admin import write_key_file
from api.settings import Settings
from services.private_files import private_dir, write_private_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_dir_and_its_keys_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / ".lineage"
    settings = Settings.from_env({"LINEAGE_DATA_DIR": str(data_dir)})
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "secret_key") == 0o600
    assert Settings.from_env({"LINEAGE_DATA_DIR": str(data_dir)}).secret_key == settings.secret_key
    assert _mode(write_key_file(data_dir, "lin_secret")) == 0o600


def test_a_data_dir_from_an_earlier_release_is_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / ".lineage"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    (data_dir / "secret_key").write_text("a" * 64)
    (data_dir / "secret_key").chmod(0o644)
    settings = Settings.from_env({"LINEAGE_DATA_DIR": str(data_dir)})
    assert settings.secret_key.value == "a" * 64
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "secret_key") == 0o600


def test_private_files_are_never_briefly_wider_and_shared_folders_are_left_alone(
    tmp_path: Path,
) -> None:
    path = write_private_file(tmp_path / "a" / "b" / "key", "one")
    assert (path.read_text(), _mode(path)) == ("one", 0o600)
    assert _mode(tmp_path / "a" / "b") == 0o700
    path.chmod(0o666)
    write_private_file(path, "two")
    assert (path.read_text(), _mode(path)) == ("two", 0o600)

    # A data dir pointed at a shared, sticky folder such as /tmp is not locked up.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    assert private_dir(shared) == shared
    assert _mode(shared) == 0o1777
