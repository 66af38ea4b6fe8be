"""One running busway node: its store, routing tables, services and HTTP server, wired together."""

from __future__ import annotations

import logging

import uvicorn

from busway.api.app import App
from busway.api.events import events_api
from busway.clock import Clock, SystemClock
from busway.config import Settings
from busway.service import Services
from busway.service.routing import RoutingTable
from busway.store.protocol import Store
from busway.store.sqlite import SqliteStore

__all__ = ["Node", "run"]

log = logging.getLogger(__name__)


class Node:
    """Start-up loads the routing tables from the store; shutdown flushes and closes it."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, store: Store | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.store = store or SqliteStore(
            settings.data / "busway.db", synchronous=settings.sqlite_synchronous
        )
        self.routing = RoutingTable(max_pattern_chars=settings.max_pattern_chars)
        self.services = Services.build(self.store, self.routing, self.clock, settings)
        self.app = App(
            [events_api(self.services)],
            account=settings.account,
            default_region=settings.region,
            max_body_bytes=settings.max_request_bytes,
            on_startup=self.start,
            on_shutdown=self.stop,
        )

    async def start(self) -> None:
        self.settings.data.mkdir(parents=True, exist_ok=True)
        await self.store.open()
        self.routing.load(
            await self.store.all_buses(),
            await self.store.all_rules(),
            await self.store.all_targets(),
        )
        log.info("busway ready on http://%s:%s", self.settings.host, self.settings.port)

    async def stop(self) -> None:
        await self.store.close()


def run(settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; pending writes are committed before exit."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    node = Node(settings)
    config = uvicorn.Config(
        node.app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level=settings.log_level.lower(),
    )
    uvicorn.Server(config).run()
