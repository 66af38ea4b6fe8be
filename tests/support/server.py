"""Run a real ``busway serve`` process for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

__all__ = ["BuswayServer", "free_port"]

READY_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class BuswayServer:
    """A busway process on 127.0.0.1; ``start`` returns once /_busway/health says ready."""

    def __init__(
        self,
        data: Path,
        *,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
        config: Path | None = None,
    ) -> None:
        self.data = data
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **(extra_env or {})}
        self._config = config
        self._process: subprocess.Popen[bytes] | None = None
        self._log = data.parent / f"busway-{self.port}.log"

    def start(self) -> BuswayServer:
        command = [
            sys.executable,
            "-m",
            "busway",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data",
            str(self.data),
        ]
        if self._config is not None:
            command += ["--config", str(self._config)]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(command, env=self._env, stdout=log, stderr=log)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"busway exited early:\n{self.log_text()}")
            try:
                url = f"{self.endpoint}/_busway/health"  # always http on loopback
                with urllib.request.urlopen(url, timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"busway not ready after {READY_TIMEOUT_S}s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def stop(self) -> None:
        """Graceful shutdown (SIGTERM), as an operator would stop it."""
        if self._process is None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=15)
        self._process = None

    def kill(self) -> None:
        """kill -9: no chance to flush anything."""
        if self._process is None:
            return
        self._process.kill()
        self._process.wait(timeout=15)
        self._process = None

    def __enter__(self) -> BuswayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
