"""How one invocation of a function ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["FunctionRunner", "RunResult"]


@dataclass(frozen=True, slots=True)
class RunResult:
    ok: bool
    error_code: str | None = None  # TIMEOUT, FUNCTION_ERROR, INTERNAL_ERROR
    error_message: str | None = None

    @classmethod
    def failed(cls, code: str, message: str) -> RunResult:
        return cls(False, code, message)


class FunctionRunner(Protocol):
    """Runs one function: worker processes for a Python handler, or a URL to POST to."""

    async def run(self, invoked_arn: str, payload: str) -> RunResult:
        """Never raises for a failed invocation."""
        ...

    async def close(self) -> None:
        """Stop every worker (a bounded wait, then kill) or connection; idempotent."""
        ...
