"""``[functions.<name>]`` tables of the TOML config file, read into ``FunctionSpec``s.

A function is either Python run by busway (``handler = "package.module:function"``, optional
``path``, ``timeout``, ``concurrency``, ``memory``, ``env``) or a URL busway POSTs the event to
(``url``, optional ``timeout`` and ``concurrency``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from busway.config import ConfigError

__all__ = ["FunctionSpec", "load_functions"]

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Lambda's function-name rule
_HANDLER = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*")
_KEYS = {"handler", "url", "path", "timeout", "concurrency", "memory", "env"}
MAX_TIMEOUT_S = 900.0  # Lambda's limit
MAX_CONCURRENCY = 64


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    handler: str | None = None  # "package.module:function"
    url: str | None = None
    paths: tuple[Path, ...] = ()  # put first on the worker's sys.path; absolute
    timeout: float = 3.0  # seconds, Lambda's default
    concurrency: int = 2  # invocations at once, each in its own worker process
    memory_mb: int = 128  # reported to the handler, as Lambda's configured memory
    env: Mapping[str, str] = field(default_factory=dict)


def load_functions(config_file: Path | None) -> dict[str, FunctionSpec]:
    """The functions declared in ``config_file``; none without one. Raises ``ConfigError``."""
    if config_file is None:
        return {}
    try:
        document = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{config_file}: {exc}") from exc
    tables = document.get("functions", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{config_file}: functions must be a table of [functions.<name>]")
    return {
        name: _spec(name, table, config_file.parent, f"{config_file}: [functions.{name}]")
        for name, table in tables.items()
    }


def _spec(name: str, table: Any, folder: Path, origin: str) -> FunctionSpec:
    if not isinstance(table, dict):
        raise ConfigError(f"{origin} must be a table")
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{origin}: a function name has 1 to 64 letters, digits, - or _")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{origin}: unknown key {unknown[0]}")
    handler, url = table.get("handler"), table.get("url")
    if (handler is None) == (url is None):
        raise ConfigError(f"{origin}: give exactly one of handler or url")
    if handler is not None and not (isinstance(handler, str) and _HANDLER.fullmatch(handler)):
        raise ConfigError(f'{origin}: handler must read "package.module:function"')
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise ConfigError(f"{origin}: url must start with http:// or https://")
    if url is not None and ({"path", "env", "memory"} & set(table)):
        raise ConfigError(f"{origin}: path, env and memory apply to handler functions only")
    return FunctionSpec(
        name=name,
        handler=handler,
        url=url,
        paths=_paths(table.get("path"), folder, origin),
        timeout=_number(table.get("timeout", 3.0), origin, "timeout", MAX_TIMEOUT_S),
        concurrency=int(
            _number(table.get("concurrency", 2), origin, "concurrency", MAX_CONCURRENCY, whole=True)
        ),
        memory_mb=int(_number(table.get("memory", 128), origin, "memory", 10240, whole=True)),
        env=_env(table.get("env", {}), origin),
    )


def _paths(value: Any, folder: Path, origin: str) -> tuple[Path, ...]:
    """``path`` is a folder or a list of them, relative to the config file's folder."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ConfigError(f"{origin}: path must be a folder or a list of folders")
    return tuple((folder / item).resolve() for item in items)


def _number(value: Any, origin: str, key: str, most: float, *, whole: bool = False) -> float:
    kinds: tuple[type, ...] = (int,) if whole else (int, float)
    is_number = isinstance(value, kinds) and not isinstance(value, bool)
    number = float(value) if is_number else 0.0
    if not 0 < number <= most:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{origin}: {key} must be {kind} above 0 and at most {most:g}")
    return number


def _env(value: Any, origin: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise ConfigError(f"{origin}: env must be a table of text values")
    return dict(value)
