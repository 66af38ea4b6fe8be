"""The web console's ASGI app, mounted at ``/console`` (``busway.api.app.Mount``).

Server-rendered pages (Jinja2, autoescaped) over the services; the activity page redraws itself
from the ``Busway.ListRecentEvents`` operation every second (``static/activity.js``). Everything
it serves comes from the package: no CDN, no build step. Resources are named in query strings
(``/console/bus?name=...``), since bus names may contain slashes. The console shows the node's
own account and default region.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final
from urllib.parse import parse_qs, quote

import jinja2

from busway.api.body import BodyTooLarge, read_body
from busway.console.present import pretty_json, rule_name, shown_time, state_label
from busway.errors import ResourceNotFound, ServiceError
from busway.model import RetryPolicy, Scope
from busway.service import Services
from busway.service.activity import ActivityService
from busway.service.buses import DEFAULT_BUS
from busway.service.pattern_trial import try_pattern
from busway.service.queue_names import split_queue_arn
from busway.service.queues import QueueService
from busway.service.redrive import MAX_REDRIVE, RedriveService

__all__ = ["ConsoleServices", "console_app"]

log = logging.getLogger(__name__)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Message, Receive, Send], Awaitable[None]]

_PREFIX: Final = "/console"
_MAX_FORM_BYTES: Final = 512 * 1024
_PEEK: Final = 10
_ACTIVITY_LIMIT: Final = 25
_COUNTS: Final = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)
_STATIC: Final = {"console.css": "text/css", "activity.js": "text/javascript"}
_SAMPLE_EVENT: Final = """{
  "id": "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "OrderPlaced",
  "source": "shop",
  "account": "123456789012",
  "time": "2024-05-06T07:08:09Z",
  "region": "us-east-1",
  "resources": [],
  "detail": {"total": 42}
}"""
_SAMPLE_PATTERN: Final = '{"source": ["shop"], "detail": {"total": [{"numeric": [">", 10]}]}}'


@dataclass(frozen=True, slots=True)
class ConsoleServices:
    scope: Scope  # the account and region the console shows
    services: Services
    queues: QueueService
    activity: ActivityService
    redrive: RedriveService


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None


class _BadRequest(Exception):
    pass


_Page = Callable[["_Console", _Request], Awaitable[_Response]]


def console_app(parts: ConsoleServices) -> Asgi:
    return _Console(parts)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("busway.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.globals.update(
        pretty_json=pretty_json,
        rule_name=rule_name,
        shown_time=shown_time,
        state_label=state_label,
        default_retry=RetryPolicy(),  # AWS's defaults
        queue_link=_queue_link,
        notice=None,
    )
    return environment


def _queue_link(arn: str) -> str | None:
    parts = split_queue_arn(arn)
    return None if parts is None else f"{_PREFIX}/queue?name={quote(parts[1], safe='')}"


class _Console:
    def __init__(self, parts: ConsoleServices) -> None:
        self._parts = parts
        self._scope = parts.scope
        self._templates = _environment()
        self._routes: dict[tuple[str, str], _Page] = {
            ("GET", ""): _Console._buses,
            ("GET", "/"): _Console._buses,
            ("GET", "/bus"): _Console._bus,
            ("GET", "/rule"): _Console._rule,
            ("GET", "/activity"): _Console._activity,
            ("GET", "/sandbox"): _Console._sandbox,
            ("POST", "/sandbox"): _Console._sandbox,
            ("GET", "/queues"): _Console._queues,
            ("GET", "/queue"): _Console._queue,
            ("POST", "/queue/purge"): _Console._purge,
            ("POST", "/queue/redrive"): _Console._redrive,
        }

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = await self._respond(scope, receive)
        headers = [
            (b"content-type", response.content_type.encode()),
            (b"content-length", str(len(response.body)).encode()),
            (b"cache-control", b"no-store"),
        ]
        if response.location is not None:
            headers.append((b"location", response.location.encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    async def _respond(self, scope: Message, receive: Receive) -> _Response:
        method, path = scope["method"], scope["path"][len(_PREFIX) :]
        if method == "HEAD":
            method = "GET"
        if method == "GET" and path.startswith("/static/"):
            return _static(path.removeprefix("/static/"))
        page = self._routes.get((method, path))
        if page is None:
            return self._error(404, "Not found", f"No console page at {scope['path']}.")
        try:
            query = _fields(scope.get("query_string", b""))
            form = _fields(await _read_form(receive)) if method == "POST" else {}
            return await page(self, _Request(method, path, query, form))
        except _BadRequest as exc:
            return self._error(400, "Bad request", str(exc))
        except ResourceNotFound as exc:
            return self._error(404, "Not found", exc.message, exc.code)
        except ServiceError as exc:
            return self._error(exc.status, "Request failed", exc.message, exc.code)
        except Exception:
            log.exception("console page %s failed", scope["path"])
            return self._error(500, "Internal error", "The page could not be shown.")

    def _render(self, template: str, status: int = 200, **values: Any) -> _Response:
        text = self._templates.get_template(template).render(scope=self._scope, **values)
        return _Response(status, text.encode())

    def _error(self, status: int, title: str, message: str, code: str = "") -> _Response:
        return self._render("error.html", status, title=title, message=message, code=code)

    # --- buses, rules, targets ---------------------------------------------------------------
    async def _buses(self, request: _Request) -> _Response:
        page = await self._parts.services.buses.list(
            self._scope, next_token=request.arg("next") or None, limit=100
        )
        return self._render("buses.html", buses=page.items, next_token=page.next_token)

    async def _bus(self, request: _Request) -> _Response:
        name = _required(request, "name")
        bus = await self._parts.services.buses.get(self._scope, name)
        page = await self._parts.services.rules.list(
            self._scope, bus_name=name, next_token=request.arg("next") or None, limit=100
        )
        return self._render("bus.html", bus=bus, rules=page.items, next_token=page.next_token)

    async def _rule(self, request: _Request) -> _Response:
        bus_name, name = request.arg("bus", DEFAULT_BUS), _required(request, "name")
        services = self._parts.services
        rule = await services.rules.get(self._scope, name, bus_name=bus_name)
        targets = await services.targets.list(self._scope, name, bus_name=bus_name, limit=100)
        return self._render("rule.html", rule=rule, targets=targets.items)

    async def _activity(self, request: _Request) -> _Response:
        bus_name = request.arg("bus", DEFAULT_BUS)
        found = await self._parts.activity.recent(self._scope, bus_name, limit=_ACTIVITY_LIMIT)
        return self._render(
            "activity.html", bus_name=bus_name, events=found.events, limit=_ACTIVITY_LIMIT
        )

    # --- pattern sandbox ---------------------------------------------------------------------
    async def _sandbox(self, request: _Request) -> _Response:
        if request.method == "GET":
            return self._render(
                "sandbox.html",
                result=None,
                event_text=_SAMPLE_EVENT,
                pattern_text=_SAMPLE_PATTERN,
            )
        event_text, pattern_text = request.form.get("event", ""), request.form.get("pattern", "")
        try:
            result = _Trial(matched=try_pattern(pattern_text, event_text))
        except ServiceError as exc:  # exactly what TestEventPattern would answer
            result = _Trial(error_code=exc.code, error_message=exc.message)
        return self._render(
            "sandbox.html", result=result, event_text=event_text, pattern_text=pattern_text
        )

    # --- queues ------------------------------------------------------------------------------
    async def _queues(self, request: _Request) -> _Response:
        queues = self._parts.queues
        page = await queues.list_queues(self._scope)
        rows = [
            {"queue": queue, "counts": await queues.attributes(self._scope, queue.name, _COUNTS)}
            for queue in page.items
        ]
        return self._render("queues.html", queues=rows)

    async def _queue(self, request: _Request) -> _Response:
        name = _required(request, "name")
        queues = self._parts.queues
        queue = await queues.get_queue(self._scope, name)
        counts = await queues.attributes(self._scope, name, _COUNTS)
        messages = await queues.peek(self._scope, name, _PEEK)
        return self._render(
            "queue.html",
            queue=queue,
            counts=counts,
            messages=messages,
            notice=request.arg("notice") or None,
        )

    async def _purge(self, request: _Request) -> _Response:
        name = _required(request, "name")
        await self._parts.queues.purge(self._scope, name)
        return _after_post(name, f"Purged {name}.")

    async def _redrive(self, request: _Request) -> _Response:
        name = _required(request, "name")
        text = request.form.get("max_messages", "") or "1000"
        if not (text.isascii() and text.isdigit() and len(text) <= 9) or not (
            1 <= int(text) <= MAX_REDRIVE
        ):
            raise _BadRequest(f"The most messages to redrive must be 1 to {MAX_REDRIVE}.")
        result = await self._parts.redrive.redrive(self._scope, name, int(text))
        return _after_post(
            name, f"Redriven: {result.redriven}. Left on the queue: {result.skipped}."
        )


@dataclass(frozen=True, slots=True)
class _Trial:
    matched: bool = False
    error_code: str = ""
    error_message: str = ""


def _required(request: _Request, name: str) -> str:
    value = request.arg(name)
    if not value:
        raise _BadRequest(f"The {name} parameter is missing.")
    return value


def _after_post(queue_name: str, notice: str) -> _Response:
    """Post/redirect/get: reloading the page after a purge does not purge again."""
    location = f"{_PREFIX}/queue?name={quote(queue_name, safe='')}&notice={quote(notice)}"
    return _Response(303, b"", "text/plain", location)


def _fields(raw: bytes) -> dict[str, str]:
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise _BadRequest("The request is not UTF-8.") from None
    return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}


async def _read_form(receive: Receive) -> bytes:
    try:
        return await read_body(receive, _MAX_FORM_BYTES)
    except BodyTooLarge:
        raise _BadRequest(f"The form is larger than {_MAX_FORM_BYTES} bytes.") from None


def _static(name: str) -> _Response:
    content_type = _STATIC.get(name)
    if content_type is None:
        return _Response(404, b"Not found", "text/plain")
    body = resources.files("busway.console").joinpath("static", name).read_bytes()
    return _Response(200, body, f"{content_type}; charset=utf-8")
