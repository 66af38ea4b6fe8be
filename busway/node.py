"""One running busway node: its stores, routing tables, services, targets and HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging

import uvicorn

from busway.api.app import App
from busway.api.events import events_api
from busway.api.logs import logs_api
from busway.api.sqs import sqs_api
from busway.clock import Clock, SystemClock
from busway.config import Settings
from busway.delivery.dispatcher import Dispatcher
from busway.delivery.target import DeliveryTarget, TargetKind
from busway.delivery.targets.api_destination import ApiDestinationTarget
from busway.delivery.targets.event_bus import EventBusTarget
from busway.delivery.targets.lambda_function import LambdaTarget
from busway.delivery.targets.log_group import LogGroupTarget
from busway.delivery.targets.queue import QueueTarget
from busway.functions import load_functions
from busway.service import Services
from busway.service.ingest import IngestService
from busway.service.logs import LogService
from busway.service.queues import QueueService
from busway.service.routing import RoutingTable
from busway.store.sqlite import SqliteStore
from busway.store.sqlite.connections import SqliteConnectionStore
from busway.store.sqlite.log_groups import SqliteLogGroupStore
from busway.store.sqlite.queues import SqliteQueueStore

__all__ = ["Node", "run"]

log = logging.getLogger(__name__)

_RETENTION_SWEEP_SECONDS = 60.0


class Node:
    """Start-up opens the database and loads the routing tables; shutdown drains and closes."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.functions = load_functions(settings.config)
        self.store = SqliteStore(
            settings.data / "busway.db", synchronous=settings.sqlite_synchronous
        )
        # The stores of every concept share the one SQLite database the core store opens.
        database = self.store.database
        connection_store = SqliteConnectionStore(database)
        self.queues = QueueService(SqliteQueueStore(database), self.clock)
        self.logs = LogService(SqliteLogGroupStore(database), self.clock)
        self.routing = RoutingTable(max_pattern_chars=settings.max_pattern_chars)
        self.targets: dict[TargetKind, DeliveryTarget] = {
            TargetKind.QUEUE: QueueTarget(self.queues),
            TargetKind.LAMBDA: LambdaTarget(self.functions, self.logs, self.clock),
            TargetKind.LOG_GROUP: LogGroupTarget(self.logs),
            TargetKind.API_DESTINATION: ApiDestinationTarget(
                connection_store, allow_http=settings.allow_http_endpoints, clock=self.clock
            ),
        }
        self.dispatcher = Dispatcher(
            self.store, self.routing, self.targets, self.queues, self.clock, settings
        )
        self.services = Services.build(
            self.store,
            connection_store,
            self.routing,
            self.clock,
            settings,
            dispatch=self.dispatcher,
        )
        # Forwarding to another bus is a new ingestion there; it must pass on the reserved
        # ``aws.*`` sources of AWS-made events (scheduled events) that users cannot put.
        forwarding = IngestService(
            self.store,
            self.routing,
            self.clock,
            dataclasses.replace(settings, allow_reserved_sources=True),
            dispatch=self.dispatcher,
        )
        self.targets[TargetKind.EVENT_BUS] = EventBusTarget(forwarding, self.routing)
        self._background: list[asyncio.Task[None]] = []
        self.app = App(
            [events_api(self.services), sqs_api(self.queues), logs_api(self.logs)],
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
        # This node is alone on its SQLite file: claims still marked are its dead predecessor's.
        await self.store.release_claims(self.clock.now())
        await self.dispatcher.start()
        self._background.append(asyncio.create_task(self._sweep_log_retention()))
        log.info("busway ready on http://%s:%s", self.settings.host, self.settings.port)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        await self.dispatcher.stop()  # gives back what it has not delivered
        self.queues.close()  # answers waiting long polls now
        for target in self.targets.values():
            await target.close()
        await self.store.close()

    async def _sweep_log_retention(self) -> None:
        while True:
            swept = await self.logs.sweep_retention()
            # A full batch may mean more is due: go again at once, else wait for the next round.
            await asyncio.sleep(0 if swept else _RETENTION_SWEEP_SECONDS)


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
