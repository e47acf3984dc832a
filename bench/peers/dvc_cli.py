"""DVC as a peer to measure against: its own virtual environment and its CLI, driven by subprocess.

DVC is never imported into our interpreter (its dependency tree would fight ours): `install`
makes `.lineage/peers/dvc` with `python -m venv` and pip-installs `dvc` and `dvc-s3` into it once,
and `DvcProject` runs that venv's `dvc` executable in a project directory. Each project is kept
apart from the machine: analytics and update checks off, its own site cache directory (DVC's
per-repository indexes), no global or system config, and no AWS variables inherited, so the
remote's endpoint and credentials come from the project's config alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("dvc", "dvc-s3")
REMOTE = "bench"


def install(venv: Path) -> Path:
    """The `dvc` executable of `venv`, creating the venv and installing DVC first if needed."""
    dvc = venv / "bin" / "dvc"
    if dvc.is_file() and os.access(dvc, os.X_OK):
        return dvc
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # pip must not see ours
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *PACKAGES],
        check=True,
        env=env,
    )
    return dvc


def version(dvc: Path) -> str:
    result = subprocess.run([str(dvc), "--version"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


class DvcError(RuntimeError):
    """A dvc command exited non-zero; the message holds its command line and output tail."""


@dataclass(frozen=True)
class S3Remote:
    """Where DVC pushes: `s3://bucket/prefix` on an S3-compatible endpoint."""

    url: str
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str


@dataclass(frozen=True)
class DvcProject:
    """A DVC project directory (no Git: `dvc init --no-scm`) and the isolated environment its
    commands run in."""

    dvc: Path
    root: Path
    home: Path

    def run(self, *args: str) -> float:
        """Run `dvc <args>` in the project; return its wall time in seconds."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "DVC_")) and k != "PYTHONPATH"  # our packages stay ours
        }
        env.update(
            DVC_NO_ANALYTICS="1",
            DVC_SITE_CACHE_DIR=str(self.home / "site-cache"),
            DVC_GLOBAL_CONFIG_DIR=str(self.home / "global"),
            DVC_SYSTEM_CONFIG_DIR=str(self.home / "system"),
            HOME=str(self.home),
        )
        started = time.perf_counter()
        result = subprocess.run(
            [str(self.dvc), *args],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            output = (result.stdout + result.stderr)[-4000:]
            raise DvcError(
                f"dvc {' '.join(args)} in {self.root} exited {result.returncode}:\n{output}"
            )
        return elapsed

    @classmethod
    def create(cls, dvc: Path, root: Path, remote: S3Remote) -> DvcProject:
        """`dvc init --no-scm` in `root`, with `remote` as its default remote (the endpoint in
        `.dvc/config`, the credentials in `.dvc/config.local`, as a team would keep them)."""
        root.mkdir(parents=True, exist_ok=True)
        project = cls(dvc, root, root.parent / f"{root.name}-home")
        project.run("init", "--no-scm", "--quiet")
        project.run("config", "core.analytics", "false")
        project.run("config", "core.check_update", "false")
        project.run("remote", "add", "--default", REMOTE, remote.url)
        project.run("remote", "modify", REMOTE, "endpointurl", remote.endpoint_url)
        project.run("remote", "modify", REMOTE, "region", remote.region)
        project._credentials(remote)
        return project

    def _credentials(self, remote: S3Remote) -> None:
        self.run("remote", "modify", "--local", REMOTE, "access_key_id", remote.access_key)
        self.run("remote", "modify", "--local", REMOTE, "secret_access_key", remote.secret_key)

    def clone(self, root: Path, remote: S3Remote) -> DvcProject:
        """What a fresh `git clone` of this project holds: `.dvc/config`, `.dvcignore` and the
        `.dvc` files, without the cache, the tmp folder, the local config or the data; the
        credentials are then set again in the clone's local config."""
        (root / ".dvc").mkdir(parents=True)
        shutil.copy2(self.root / ".dvc" / "config", root / ".dvc" / "config")
        shutil.copy2(self.root / ".dvcignore", root / ".dvcignore")
        for tracked in (p for p in self.root.glob("*.dvc") if p.is_file()):
            shutil.copy2(tracked, root / tracked.name)
        clone = DvcProject(self.dvc, root, root.parent / f"{root.name}-home")
        clone._credentials(remote)
        return clone
