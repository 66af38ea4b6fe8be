"""Settings of one busway node, and where they come from.

Precedence, highest first: command-line flags, ``BUSWAY_*`` environment variables, the TOML
config file, built-in defaults. Names are the same everywhere: the field ``max_rules_per_bus`` is
``--max-rules-per-bus``, ``BUSWAY_MAX_RULES_PER_BUS`` and ``max_rules_per_bus = 1000``.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "Settings", "load_settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4747
    data: Path = Path("./.busway")
    account: str = "000000000000"
    region: str = "us-east-1"  # for requests that carry no SigV4 credential scope
    # Quotas: AWS's values by default; each adjustable like the AWS service quota it mirrors.
    max_pattern_chars: int = 2048
    max_put_events_bytes: int = 1024 * 1024  # current AWS (262,144 for the pre-2026 limit)
    max_rules_per_bus: int = 300
    max_targets_per_rule: int = 5
    max_wildcard_rules_per_bus: int = 30
    max_api_destination_rate_per_second: int = 300  # highest InvocationRateLimitPerSecond
    max_schedules: int = 1_000_000  # EventBridge Scheduler, per account and region
    max_schedule_groups: int = 500
    max_queue_in_flight: int = 120_000  # SQS: messages a queue may have in flight
    # Let PutEvents use reserved ``aws.*`` sources, to test rules for AWS service events locally.
    allow_reserved_sources: bool = False
    max_request_bytes: int = 8 * 1024 * 1024
    sqlite_synchronous: str = "FULL"
    log_level: str = "INFO"
    log_format: str = "json"  # json: one object per line; text: for reading in a terminal
    metrics: bool = True  # GET /metrics and the counting behind it
    # Delivery: how many due deliveries one claim takes, how many run at once, how long a claim
    # lasts before another dispatcher may take the delivery over, and the polling backstop.
    dispatch_batch: int = 256
    dispatch_concurrency: int = 128
    # Deliveries handed off by commits beyond dispatch_concurrency wait in memory, up to this
    # many, for a free slot (rather than for a claim that reads them back from the store).
    dispatch_backlog: int = 2048
    delivery_lease_seconds: int = 60
    dispatch_poll_seconds: float = 1.0
    # Stored events are deleted this long after ingestion once nothing of them is left to
    # deliver (busway.service.retention); 0 keeps them for ever.
    event_retention_hours: float = 24.0
    # API destinations: https:// always; http:// only on loopback unless this is set.
    allow_http_endpoints: bool = False
    # The TOML file the settings came from, for the parts of busway that read tables of their own
    # from it (``[functions.<name>]``). Set by ``load_settings``.
    config: Path | None = None


class ConfigError(Exception):
    """A setting that cannot be read; the message names the setting and where it came from."""


# ``config`` records where settings came from; it is not itself a setting.
_FIELDS = {field.name: field for field in dataclasses.fields(Settings) if field.name != "config"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(name: str, value: Any, origin: str) -> Any:
    converted = _parse(name, value, origin)
    allowed = _ALLOWED.get(name)
    if allowed is not None and not allowed[0](converted):
        raise ConfigError(f"{origin}: {name} must be {allowed[1]}, got {value!r}")
    return converted


_MAX_RETENTION_HOURS = 87_600  # ten years


# Settings whose type alone does not make them usable, with what they must be: caught here
# they get a message naming the setting, rather than a traceback from where they are used.
_ALLOWED: dict[str, tuple[Callable[[Any], bool], str]] = {
    "port": (lambda port: 0 <= port <= 65535, "from 0 to 65535"),
    "event_retention_hours": (
        lambda hours: 0 <= hours <= _MAX_RETENTION_HOURS,
        f"from 0 (keep for ever) to {_MAX_RETENTION_HOURS:,}",
    ),
    "log_level": (
        lambda level: level.upper() in ("DEBUG", "INFO", "WARNING", "ERROR"),
        "one of DEBUG, INFO, WARNING, ERROR",
    ),
}


def _parse(name: str, value: Any, origin: str) -> Any:
    kind = type(getattr(Settings(), name))
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    text = str(value).strip()
    if kind is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
    elif kind is int or kind is float:
        try:
            return kind(text)
        except ValueError:
            pass
    elif kind is str or issubclass(kind, Path):
        return kind(text)
    expected = {int: "an integer", float: "a number", bool: "true or false"}.get(kind, "text")
    raise ConfigError(f"{origin}: {name} must be {expected}, got {value!r}")


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Merge the sources into Settings; flags whose value is None count as not given."""
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(_from_toml(config_file))
        values["config"] = config_file
    for key, raw in (environ or {}).items():
        if key.startswith("BUSWAY_") and key[7:].lower() in _FIELDS:
            name = key[7:].lower()
            values[name] = _convert(name, raw, f"environment variable {key}")
    for name, raw in (flags or {}).items():
        if raw is not None:
            if name not in _FIELDS:
                raise ConfigError(f"unknown setting {name}")
            values[name] = _convert(name, raw, f"--{name.replace('_', '-')}")
    return Settings(**values)


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    values = {}
    for name, raw in document.items():
        if isinstance(raw, dict):
            continue  # tables such as [functions.<name>] belong to other parts of busway
        if name not in _FIELDS:
            raise ConfigError(f"{path}: unknown setting {name}")
        values[name] = _convert(name, raw, str(path))
    return values
