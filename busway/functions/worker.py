"""The program of one worker process: imports a handler and runs it for each request it reads.

Standard library only, run as ``python worker.py '<config JSON>'``. It speaks JSON lines: a
request ``{"id", "arn", "payload"}`` per line on stdin, a reply ``{"id", "ok", "errorType",
"errorMessage"}`` per line on stdout. Everything the handler prints (its stdout is pointed at
stderr) and the START/END/REPORT lines Lambda writes go to stderr, which busway copies into the
function's log group. The REPORT line is the last one of an invocation and comes before its reply.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

_MAX_ERROR_CHARS = 4096


class LambdaContext:
    """What AWS's Python runtime passes as ``context``."""

    def __init__(self, config: dict[str, Any], request_id: str, arn: str) -> None:
        self.function_name: str = config["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        # The runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: it is text there too.
        self.memory_limit_in_mb = str(config["memory_mb"])
        self.aws_request_id = request_id
        self.log_group_name: str = config["log_group"]
        self.log_stream_name: str = config["log_stream"]
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + float(config["timeout"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _load(handler: str) -> Callable[[Any, LambdaContext], Any]:
    module_name, _, function_name = handler.partition(":")
    function: Callable[[Any, LambdaContext], Any] = getattr(
        importlib.import_module(module_name), function_name
    )
    return function


def _invoke(
    config: dict[str, Any], request: dict[str, Any], state: dict[str, Any]
) -> dict[str, Any]:
    request_id = request["id"]
    started = time.monotonic()
    print(f"START RequestId: {request_id} Version: $LATEST", file=sys.stderr)
    reply: dict[str, Any] = {"id": request_id, "ok": True}
    try:
        if "handler" not in state:
            state["handler"] = _load(config["handler"])
        try:
            event = json.loads(request["payload"])
        except ValueError:
            event = request["payload"]  # an Input constant need not be JSON
        state["handler"](event, LambdaContext(config, request_id, request["arn"]))
    except Exception as exc:
        traceback.print_exc()
        message = str(exc)[:_MAX_ERROR_CHARS]
        reply = {"id": request_id, "ok": False, "errorType": type(exc).__name__}
        reply["errorMessage"] = message
    sys.stdout.flush()
    elapsed_ms = (time.monotonic() - started) * 1000
    used_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"END RequestId: {request_id}", file=sys.stderr)
    print(
        f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\t"
        f"Billed Duration: {max(1, round(elapsed_ms + 0.5))} ms\t"
        f"Memory Size: {config['memory_mb']} MB\tMax Memory Used: {used_mb} MB\t",
        file=sys.stderr,
        flush=True,
    )
    return reply


def _private_pipes() -> tuple[TextIO, TextIO]:
    """Keep stdin and stdout for the protocol; the handler gets /dev/null and stderr instead."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdout.reconfigure(line_buffering=True, errors="backslashreplace")  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True, errors="backslashreplace")  # type: ignore[union-attr]
    return requests, replies


def main() -> None:
    config = json.loads(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]  # busway's own folder must not shadow the handler's modules
    sys.path[:0] = config["paths"]
    requests, replies = _private_pipes()
    state: dict[str, Any] = {}
    for line in requests:
        reply = _invoke(config, json.loads(line), state)
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
