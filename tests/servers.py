"""`fitguide serve` in a subprocess that tests can start, stop, SIGKILL and restart.

It runs with its own var dir, the hash embedder, no demo catalog and no rate limit unless told otherwise
(keyword settings become FITGUIDE_* variables); the database is the var dir's SQLite file unless a URL
is given (PostgreSQL). The server gets its own process group, so stopping it stops every worker."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 120.0


def fitguide_executable() -> str:
    """The venv's `fitguide` script next to this interpreter (the one `make test` installed)."""
    found = Path(sys.executable).parent / "fitguide"
    return str(found) if found.exists() else shutil.which("fitguide") or "fitguide"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_records(path: Path) -> list[dict[str, Any]]:
    """The JSON log lines a server wrote (anything else, such as uvicorn's banner, is skipped)."""
    records = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


class ServerProcess:
    def __init__(
        self, var_dir: Path, database_url: str | None = None, workers: int = 1, **settings: str
    ) -> None:
        self.var_dir = var_dir
        self.database_url = database_url
        self.workers = workers
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = var_dir.parent / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "FITGUIDE_VAR_DIR": str(self.var_dir),
            "FITGUIDE_EMBEDDER": "hash",
            "FITGUIDE_LOAD_DEMO": "false",
            "FITGUIDE_RATE_LIMIT_PER_MINUTE": "0",
            "FITGUIDE_LOG_LEVEL": "WARNING",
            "FITGUIDE_INDEX_CHECK_SECONDS": "0.2",
        }
        env.pop("FITGUIDE_DATABASE_URL", None)
        if self.database_url:
            env["FITGUIDE_DATABASE_URL"] = self.database_url
        env.update({f"FITGUIDE_{key.upper()}": value for key, value in self.settings.items()})
        return env

    def start(self) -> float:
        """Start and wait until /readyz answers 200; returns the seconds that took."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it for its lifetime
        self.process = subprocess.Popen(
            [
                fitguide_executable(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            cwd=REPO_ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers are stopped with it
        )
        log.close()
        self.starts += 1
        deadline = started + START_TIMEOUT_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"server not ready in {START_TIMEOUT_SECONDS}s:\n{self.log_tail()}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no rollback: what a power cut or the OOM killer does."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def rss_bytes(self) -> int:
        """Resident memory of the server process, from /proc."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""
