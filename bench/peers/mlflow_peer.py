"""MLflow as a peer to measure against: its own virtual environment, its server, its driver.

MLflow is never imported into our interpreter (its dependency tree would fight ours): `install`
makes `.lineage/peers/mlflow` with `python -m venv` and pip-installs `mlflow` into it once (the
full package: `mlflow server` needs its Flask/uvicorn, SQLAlchemy and alembic dependencies,
which `mlflow-skinny` leaves out). `MlflowServer` runs that venv's `mlflow server` on loopback
over a SQLite file, and `run_driver` runs `mlflow_driver.py` with the venv's python, which talks
to the server through `mlflow.MlflowClient` and prints JSON.

Telemetry is switched off in every MLflow process (`MLFLOW_DISABLE_TELEMETRY`, `DO_NOT_TRACK`):
the machine reaches no telemetry endpoint, and a failing attempt would only add noise.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PACKAGES = ("mlflow",)
DRIVER = Path(__file__).resolve().parent / "mlflow_driver.py"


def install(venv: Path) -> Path:
    """The python of `venv`, creating the venv and installing MLflow first if needed."""
    python = venv / "bin" / "python"
    if (venv / "bin" / "mlflow").is_file() and python.is_file():
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=environment())
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip", *PACKAGES],
        check=True,
        env=environment(),
    )
    return python


def environment() -> dict[str, str]:
    """Our environment without MLflow settings that would redirect the client or the server,
    with telemetry off."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MLFLOW_") and k != "PYTHONPATH"  # our packages stay ours
    }
    env.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", PYTHONUNBUFFERED="1")
    return env


def run_driver(python: Path, *args: str) -> dict[str, Any]:
    """Run the driver with the venv's python; its JSON answer (SystemExit with its stderr when
    it fails)."""
    result = subprocess.run(
        [str(python), str(DRIVER), *args],
        capture_output=True,
        text=True,
        env=environment(),
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"the MLflow driver failed ({' '.join(args[:1])}):\n{result.stderr}")
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


@dataclass
class MlflowServer:
    """`mlflow server` over a SQLite backend store and a local artifact root, on loopback.

    One worker (`--workers 1`), like `lineage serve`'s default; the clients are sequential, so
    more workers would only cost memory. Started in its own session so that `stop` ends the
    server and the workers it spawned together.
    """

    python: Path
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_uri(self) -> str:
        return f"sqlite:///{self.root / 'mlflow.db'}"

    def start(self, timeout: float = 180.0) -> None:
        """Start and wait until /health answers (SystemExit with the log tail otherwise)."""
        mlflow = self.python.parent / "mlflow"
        artifacts = self.root / "artifacts"
        artifacts.mkdir(parents=True, exist_ok=True)
        with (self.root / "server.log").open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(mlflow),
                    "server",
                    "--backend-store-uri",
                    self.db_uri,
                    "--default-artifact-root",
                    artifacts.as_uri(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                ],
                cwd=self.root,
                env=environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        tail = (self.root / "server.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"mlflow server did not start:\n{tail}")

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL after 30 s."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
