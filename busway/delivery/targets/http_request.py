"""The HTTP request an API destination receives for one invocation, built without any I/O.

Method and endpoint come from the destination; ``*`` path segments are filled from the target's
path parameter values in order; headers and query string are the target's merged with the
connection's, the connection's winning on a key both have (spec 9.2). A target parameter value
that is a whole JSONPath (``$.detail.id``) is read from the original event (spec 6.2).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from busway import jsontext
from busway.delivery.target import Invocation
from busway.store.connections import ApiDestination, Connection, HttpParameterSet
from busway.transform.jsonpath import MISSING, JsonPathError, compile_path

__all__ = ["HttpRequest", "RequestRefused", "basic_credentials", "build_request"]

# What AWS sends on every API destination request (spec 9.2). Connection: close is not sent:
# busway keeps connections to an endpoint open and reuses them.
FIXED_HEADERS: Final = {
    "User-Agent": "Amazon/EventBridge/ApiDestinations",
    "Content-Type": "application/json; charset=utf-8",
    "Range": "bytes=0-1048575",
    "Accept-Encoding": "gzip,deflate",
}
# Methods whose requests carry no body.
_BODILESS: Final = frozenset({"GET", "HEAD"})


class RequestRefused(Exception):
    """The invocation cannot become a request (missing path values, say): retrying won't help."""


@dataclass(slots=True)
class HttpRequest:
    method: str
    url: str
    content: bytes | None
    # Header names compare without case: keyed by the lower-cased name, holding (name, value).
    headers: dict[str, tuple[str, str]] = field(default_factory=dict)

    def set_header(self, name: str, value: str) -> None:
        self.headers[name.lower()] = (name, value)


def basic_credentials(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def build_request(
    destination: ApiDestination, connection: Connection, invocation: Invocation
) -> HttpRequest:
    """The request, connection credentials included except an OAuth token (fetched apart)."""
    http = invocation.target.http_parameters
    event = _LazyEvent(invocation.event.body)
    path_values = [event.resolve(value) for value in (http.path_parameter_values if http else ())]
    url = _fill_placeholders(destination.endpoint, path_values)
    own = connection.invocation_parameters or HttpParameterSet()
    query = {
        key: event.resolve(value)
        for key, value in (http.query_string_parameters if http else {}).items()
    }
    query.update({p.key: p.value for p in own.query})
    method = destination.http_method
    content = None if method in _BODILESS else _body(invocation.payload, own).encode("utf-8")
    request = HttpRequest(method, _with_query(url, query.items()), content)
    for name, value in FIXED_HEADERS.items():
        request.set_header(name, value)
    for name, value in (http.header_parameters if http else {}).items():
        request.set_header(name, event.resolve(value))
    for parameter in own.headers:
        request.set_header(parameter.key, parameter.value)
    _add_credentials(request, connection)
    return request


def _add_credentials(request: HttpRequest, connection: Connection) -> None:
    if connection.basic is not None:
        basic = connection.basic
        request.set_header("Authorization", basic_credentials(basic.username, basic.password))
    elif connection.api_key is not None:
        request.set_header(connection.api_key.name, connection.api_key.value)


def _fill_placeholders(endpoint: str, values: list[str]) -> str:
    parts = urlsplit(endpoint)
    segments = parts.path.split("/")
    placeholders = [index for index, segment in enumerate(segments) if segment == "*"]
    if len(values) < len(placeholders):
        raise RequestRefused(
            f"The endpoint has {len(placeholders)} path parameter(s) but the target gives "
            f"{len(values)} value(s)."
        )
    for index, value in zip(placeholders, values, strict=False):
        segments[index] = quote(value, safe="")
    return urlunsplit(parts._replace(path="/".join(segments)))


def _with_query(url: str, pairs: Iterable[tuple[str, str]]) -> str:
    added = urlencode(list(pairs))
    if not added:
        return url
    parts = urlsplit(url)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit(parts._replace(query=query))


def _body(payload: str, own: HttpParameterSet) -> str:
    """The payload, with the connection's body parameters added when it is a JSON object."""
    if not own.body:
        return payload
    try:
        document = jsontext.loads(payload)
    except (jsontext.JSONDecodeError, ValueError):
        return payload
    if not isinstance(document, dict):
        return payload
    document.update({p.key: p.value for p in own.body})
    return jsontext.dumps(document)


class _LazyEvent:
    """The original event, parsed only when a parameter value asks for part of it."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._document: Any = MISSING

    def resolve(self, value: str) -> str:
        if not value.startswith("$"):
            return value
        try:
            path = compile_path(value)
        except JsonPathError:
            return value  # not a path after all: the text itself
        if self._document is MISSING:
            self._document = jsontext.loads(self._body)
        found = path.find(self._document)
        if found is MISSING:
            return ""
        return found if isinstance(found, str) else jsontext.dumps(found)
