"""How the client commands reach a running busway: endpoint, region, credentials and timeouts.

AWS APIs go through boto3 (imported only when a command runs, so ``busway serve`` never pays for
it); busway's own operations (``Busway.<Operation>``) are plain signed HTTP POSTs. Every call
has a connect and a read timeout and a bounded number of attempts.
"""

from __future__ import annotations

import argparse
import json
import os
import urllib.error
import urllib.request
from typing import Any

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DEFAULT_ENDPOINT",
    "DEFAULT_REGION",
    "MAX_ATTEMPTS",
    "READ_TIMEOUT_S",
    "BuswayError",
    "Connection",
    "add_global_connection_options",
    "connection_options",
    "error_text",
]

DEFAULT_ENDPOINT = "http://127.0.0.1:4747"
DEFAULT_REGION = "us-east-1"
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
MAX_ATTEMPTS = 3  # the first try included: a busy or restarting server gets two more chances
_DUMMY_KEY = "busway"  # busway does not verify signatures; boto3 only needs a key to sign with
_JSON_11 = "application/x-amz-json-1.1"


class BuswayError(Exception):
    """An error answer (``{"__type", "message"}``) to a ``Busway.<Operation>`` call."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def add_global_connection_options(parser: argparse.ArgumentParser) -> None:
    """``busway --endpoint URL events put ...``: the options also work before the command.

    Their own names keep a sub-command's defaults (None) from hiding them.
    """
    parser.add_argument(
        "--endpoint",
        dest="global_endpoint",
        metavar="URL",
        help=f"busway URL (default: $BUSWAY_ENDPOINT, else {DEFAULT_ENDPOINT})",
    )
    parser.add_argument(
        "--region",
        dest="global_region",
        metavar="REGION",
        help=f"region (default: $AWS_REGION or $AWS_DEFAULT_REGION, else {DEFAULT_REGION})",
    )


def connection_options() -> argparse.ArgumentParser:
    """A parent parser with ``--endpoint`` and ``--region``, shared by every client command."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("connection")
    group.add_argument(
        "--endpoint",
        metavar="URL",
        help=f"busway URL (default: $BUSWAY_ENDPOINT, else {DEFAULT_ENDPOINT})",
    )
    group.add_argument(
        "--region",
        help=f"region (default: $AWS_REGION or $AWS_DEFAULT_REGION, else {DEFAULT_REGION})",
    )
    return options


class EndpointError(Exception):
    """An endpoint that is not an http(s) URL: said before any call is tried."""


class Connection:
    """The endpoint and region one command talks to; makes boto3 clients and busway calls."""

    def __init__(self, endpoint: str | None = None, region: str | None = None) -> None:
        self.endpoint = (endpoint or os.environ.get("BUSWAY_ENDPOINT") or DEFAULT_ENDPOINT).rstrip(
            "/"
        )
        if not self.endpoint.startswith(("http://", "https://")):
            raise EndpointError(
                f"the endpoint {self.endpoint!r} is not a URL: give it as http://HOST:PORT"
            )
        self._region = region
        self._session: Any = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Connection:
        """From the command's options, else the same options given before the command."""
        endpoint = args.endpoint or getattr(args, "global_endpoint", None)
        return cls(endpoint, args.region or getattr(args, "global_region", None))

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = _session()
        return self._session

    @property
    def region(self) -> str:
        return self._region or self.session.region_name or DEFAULT_REGION

    def client(self, service: str, *, read_timeout: float = READ_TIMEOUT_S) -> Any:
        """A boto3 client for ``service`` at busway's endpoint."""
        from botocore.config import Config

        config = Config(
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=read_timeout,
            retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        )
        return self.session.client(
            service, endpoint_url=self.endpoint, region_name=self.region, config=config
        )

    def call(
        self, operation: str, request: dict[str, Any], *, read_timeout: float = READ_TIMEOUT_S
    ) -> dict[str, Any]:
        """Call ``Busway.<operation>``; raises ``BuswayError`` for an error answer."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        body = json.dumps(request).encode()
        headers = {"Content-Type": _JSON_11, "X-Amz-Target": f"Busway.{operation}"}
        signed = AWSRequest(method="POST", url=self.endpoint + "/", data=body, headers=headers)
        # Signed like any AWS call so the server scopes the request to this command's region.
        SigV4Auth(self.session.get_credentials(), "events", self.region).add_auth(signed)
        http_request = urllib.request.Request(  # noqa: S310  # the URL is the user's endpoint
            self.endpoint + "/", data=body, headers=dict(signed.headers.items()), method="POST"
        )
        timeout = max(CONNECT_TIMEOUT_S, read_timeout)
        try:
            with urllib.request.urlopen(http_request, timeout=timeout) as answer:  # noqa: S310
                payload = answer.read()
        except urllib.error.HTTPError as exc:
            raise _busway_error(exc.code, exc.read()) from None
        result: dict[str, Any] = json.loads(payload) if payload else {}
        return result


def _busway_error(status: int, payload: bytes) -> BuswayError:
    try:
        body = json.loads(payload)
        code = str(body.get("__type", "")).rpartition("#")[2]
        message = str(body.get("message") or body.get("Message") or "")
    except (ValueError, AttributeError):
        code, message = "", ""
    return BuswayError(code or f"HTTP{status}", message or payload.decode(errors="replace")[:200])


def _session() -> Any:
    import boto3  # only the client commands need it
    import botocore.session

    core = botocore.session.Session()
    # Instance and container metadata lookups only add seconds of waiting on a laptop; busway
    # does not check who signed, so dummy keys serve as well as a role's.
    resolver = core.get_component("credential_provider")
    for name in ("iam-role", "container-role"):
        resolver.remove(name)
    if core.get_credentials() is None:
        core.set_credentials(_DUMMY_KEY, _DUMMY_KEY)
    return boto3.session.Session(botocore_session=core)


def error_text(exc: BaseException) -> str | None:
    """The one line to show for an error from boto3 or busway, or None if it is not one."""
    if isinstance(exc, BuswayError):
        return f"{exc.code}: {exc.message}"
    if isinstance(exc, EndpointError):
        return str(exc)
    if isinstance(exc, urllib.error.URLError):
        return f"cannot reach busway: {exc.reason}"
    if isinstance(exc, TimeoutError):
        return "busway did not answer in time"
    if isinstance(exc, OSError):  # the connection dropped mid-answer
        return f"cannot reach busway: {exc}"
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return None
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}"
    if isinstance(exc, BotoCoreError):
        return str(exc)
    return None
