"""A bounded pool of worker processes running one Python function (see ``worker.py``).

At most ``spec.concurrency`` invocations run at once, each in its own worker; idle workers are
reused. A worker that crashes or outlives the timeout is killed and replaced by a fresh one on
the next invocation. Nothing here blocks the event loop: workers are asyncio subprocesses.
Each worker's stderr is copied, one log event per line, to ``/aws/lambda/<name>`` in its own log
stream, as Lambda gives each execution environment its own stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from busway.clock import Clock
from busway.functions.config import FunctionSpec
from busway.functions.result import RunResult

__all__ = ["LogSink", "WorkerPool"]

log = logging.getLogger(__name__)

# (log stream, lines): where a worker's output goes, stamped with the time it arrives
LogSink = Callable[[str, Sequence[str]], Awaitable[None]]

_WORKER = Path(__file__).with_name("worker.py")
_MAX_LINE_BYTES = 256 * 1024  # CloudWatch Logs' event size; longer lines are split
_REPLY_LIMIT = 1024 * 1024
_REPORT_WAIT_S = 2.0  # how long a reply waits for its log lines to be written
_STOP_WAIT_S = 2.0  # how long a stopping worker may take to exit before it is killed


class _WorkerGone(Exception):
    """The worker cannot serve again: it crashed, or it was killed after the timeout."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process, stream: str, sink: LogSink) -> None:
        if process.stdin is None or process.stdout is None or process.stderr is None:
            raise ValueError("a worker needs pipes for stdin, stdout and stderr")
        self.process = process
        self._stdin, self._stdout, self._stderr = process.stdin, process.stdout, process.stderr
        self.stream = stream
        self._sink = sink
        self._reports: dict[str, asyncio.Future[None]] = {}
        self._pump = asyncio.create_task(self._copy_output(), name=f"busway-worker-log-{stream}")

    async def call(self, request_id: str, arn: str, payload: str, seconds: float) -> dict[str, Any]:
        """The worker's reply within ``seconds``; raises ``_WorkerGone`` when there is none."""
        logged = self._reports[request_id] = asyncio.get_running_loop().create_future()
        try:
            line = await self._exchange(request_id, arn, payload, seconds)
            with contextlib.suppress(TimeoutError):
                # The REPORT line precedes the reply: once written, so is all the handler printed.
                await asyncio.wait_for(logged, _REPORT_WAIT_S)
        finally:
            self._reports.pop(request_id, None)
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def _exchange(self, request_id: str, arn: str, payload: str, seconds: float) -> bytes:
        request = json.dumps({"id": request_id, "arn": arn, "payload": payload}) + "\n"
        try:
            async with asyncio.timeout(seconds):
                self._stdin.write(request.encode())
                await self._stdin.drain()
                line = await self._stdout.readline()
        except TimeoutError:
            raise _WorkerGone("TIMEOUT", f"Task timed out after {seconds:.2f} seconds") from None
        except (ConnectionError, ValueError) as exc:
            raise _WorkerGone("FUNCTION_ERROR", f"worker failed: {exc!r}") from None
        if not line:
            # The worker closed its stdout: it is exiting. Wait for that rather than kill it,
            # since Popen.kill() reaps an exited child itself and asyncio then loses its status.
            await self.stop(graceful=True)
            status = self.process.returncode
            raise _WorkerGone("FUNCTION_ERROR", f"Runtime exited with error: exit status {status}")
        return line

    async def _copy_output(self) -> None:
        pending = b""
        while chunk := await self._stderr.read(64 * 1024):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            if len(pending) >= _MAX_LINE_BYTES:
                lines.append(pending)
                pending = b""
            await self._write(lines)
        await self._write([pending])

    async def _write(self, raw_lines: Sequence[bytes]) -> None:
        lines = [raw.decode("utf-8", "replace").rstrip("\r") for raw in raw_lines]
        lines = [line for line in lines if line]  # CloudWatch Logs refuses empty messages
        if not lines:
            return
        try:
            await self._sink(self.stream, lines)
        except Exception:  # a full or failing log store must not stop the function
            log.exception("could not write the log of worker %s", self.stream)
        for line in lines:
            if line.startswith("REPORT RequestId: "):
                request_id = line.split()[2]
                waiting = self._reports.get(request_id)
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)

    async def stop(self, *, graceful: bool = False) -> None:
        """End the process (on graceful, by closing its stdin first) and drain its pipes."""
        self._stdin.close()
        if self.process.returncode is None and graceful:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), _STOP_WAIT_S)
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()
        await self._pump
        await self._stdout.read()  # to its end, so the transport can close


class WorkerPool:
    """Workers of one function in one account and region; ``env`` completes their environment."""

    def __init__(
        self, spec: FunctionSpec, clock: Clock, sink: LogSink, *, env: dict[str, str]
    ) -> None:
        if spec.handler is None:
            raise ValueError(f"function {spec.name} has no handler")
        self._spec = spec
        self._clock = clock
        self._sink = sink
        self._env = env
        self._slots = asyncio.Semaphore(spec.concurrency)
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._closed = False

    async def run(self, invoked_arn: str, payload: str) -> RunResult:
        async with self._slots:
            if self._closed:
                return RunResult.failed("INTERNAL_ERROR", "busway is shutting down")
            try:
                worker = self._idle.pop() if self._idle else await self._start_worker()
            except OSError as exc:
                return RunResult.failed("INTERNAL_ERROR", f"cannot start a worker: {exc}")
            return await self._call(worker, invoked_arn, payload)

    async def _call(self, worker: _Worker, invoked_arn: str, payload: str) -> RunResult:
        request_id = str(uuid.uuid4())
        try:
            reply = await worker.call(request_id, invoked_arn, payload, self._spec.timeout)
        except _WorkerGone as gone:
            self._all.discard(worker)
            await worker.stop()
            if gone.code == "TIMEOUT":
                await self._note(worker.stream, f"{request_id} {gone.message}")
            return RunResult.failed(gone.code, gone.message)
        self._idle.append(worker)
        if reply.get("ok"):
            return RunResult(ok=True)
        message = f"{reply.get('errorType')}: {reply.get('errorMessage')}"
        return RunResult.failed("FUNCTION_ERROR", message)

    async def _note(self, stream: str, line: str) -> None:
        stamp = self._clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with contextlib.suppress(Exception):
            await self._sink(stream, [f"{stamp} {line}"])

    async def _start_worker(self) -> _Worker:
        spec = self._spec
        stream = f"{self._clock.now():%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        config = {
            "handler": spec.handler,
            "paths": [str(path) for path in spec.paths],
            "function_name": spec.name,
            "memory_mb": spec.memory_mb,
            "log_group": f"/aws/lambda/{spec.name}",
            "log_stream": stream,
            "timeout": spec.timeout,
        }
        env = {
            **os.environ,
            **self._env,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            **spec.env,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(_WORKER),
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=spec.paths[0] if spec.paths else None,
            limit=_REPLY_LIMIT,
            # Its own session: a Ctrl-C meant for busway must not kill the workers mid-event.
            start_new_session=True,
        )
        worker = _Worker(process, stream, self._sink)
        self._all.add(worker)
        return worker

    async def close(self) -> None:
        self._closed = True
        workers, self._idle = list(self._all), []
        self._all.clear()
        await asyncio.gather(*(worker.stop(graceful=True) for worker in workers))
