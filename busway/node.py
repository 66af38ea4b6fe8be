"""One running busway node: its stores, routing tables, services, targets and HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

import uvicorn

from busway import collector
from busway.api.app import App, Mount
from busway.api.busway_ops import busway_api
from busway.api.events import events_api
from busway.api.http_protocol import CoalescingHttpProtocol
from busway.api.logs import logs_api
from busway.api.scheduler import scheduler_mounts
from busway.api.sqs import sqs_api
from busway.clock import Clock, SystemClock
from busway.config import Settings
from busway.console import ConsoleServices, console_app
from busway.delivery.dispatcher import Dispatcher
from busway.delivery.schedules import ResolveTargets, ScheduledAttempts
from busway.delivery.target import DeliveryTarget, TargetKind, target_kind
from busway.delivery.targets.api_destination import ApiDestinationTarget
from busway.delivery.targets.event_bus import EventBusTarget
from busway.delivery.targets.lambda_function import LambdaTarget
from busway.delivery.targets.log_group import LogGroupTarget
from busway.delivery.targets.queue import QueueTarget
from busway.functions import load_functions
from busway.model import Scope
from busway.observability import (
    NO_TELEMETRY,
    ObservedApp,
    PrometheusTelemetry,
    configure_logging,
    metrics_app,
)
from busway.service import Services
from busway.service.activity import ActivityService
from busway.service.ingest import IngestService
from busway.service.logs import LogService
from busway.service.message_moves import MessageMoves
from busway.service.queues import QueueService
from busway.service.redrive import RedriveService
from busway.service.retention import EventRetention
from busway.service.routing import RoutingTable
from busway.service.rule_schedules import RuleScheduleService
from busway.service.schedules import ScheduleService
from busway.service.schedules_firing import ScheduleFiring
from busway.store.connections import Connection
from busway.store.sqlite import SqliteStore
from busway.store.sqlite.connections import SqliteConnectionStore
from busway.store.sqlite.log_groups import SqliteLogGroupStore
from busway.store.sqlite.queues import SqliteQueueStore
from busway.store.sqlite.schedules import SqliteScheduleStore

__all__ = ["Node", "run", "sweeping"]

log = logging.getLogger(__name__)

_RETENTION_SWEEP_SECONDS = 60.0
_MOST_AUTHORIZING = 64  # OAuth token fetches in the background at once (see _authorize_soon)
_GIL_SWITCH_SECONDS = 0.005  # see run()


class Node:
    """Start-up opens the database and loads the routing tables; shutdown drains and closes."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, freeze_heap: bool = False
    ) -> None:
        self.settings = settings
        self._freeze_heap = freeze_heap
        self.clock = clock or SystemClock()
        # Per node, not prometheus_client's global registry: nodes in one process count apart.
        self.telemetry = (
            PrometheusTelemetry(lambda arn: target_kind(arn).value) if settings.metrics else None
        )
        self.functions = load_functions(settings.config)
        self.store = SqliteStore(
            settings.data / "busway.db", synchronous=settings.sqlite_synchronous
        )
        # The stores of every concept share the one SQLite database the core store opens.
        database = self.store.database
        connection_store = SqliteConnectionStore(database)
        self.queues = QueueService(
            SqliteQueueStore(database), self.clock, max_in_flight=settings.max_queue_in_flight
        )
        self.logs = LogService(SqliteLogGroupStore(database), self.clock)
        self.routing = RoutingTable(max_pattern_chars=settings.max_pattern_chars)
        # EventBridge Scheduler: a fire wakes the dispatcher, which delivers it like a rule's.
        schedule_store = SqliteScheduleStore(database)
        self.schedule_firing = ScheduleFiring(
            schedule_store, self.clock, on_fired=lambda: self.dispatcher.wake()
        )
        self.schedules = ScheduleService(
            schedule_store,
            self.clock,
            listener=self.schedule_firing,
            max_schedules=settings.max_schedules,
            max_groups=settings.max_schedule_groups,
        )
        self.api_destinations = ApiDestinationTarget(
            connection_store, allow_http=settings.allow_http_endpoints, clock=self.clock
        )
        self.targets: dict[TargetKind, DeliveryTarget] = {
            TargetKind.QUEUE: QueueTarget(self.queues),
            TargetKind.LAMBDA: LambdaTarget(self.functions, self.logs, self.clock),
            TargetKind.LOG_GROUP: LogGroupTarget(self.logs),
            TargetKind.API_DESTINATION: self.api_destinations,
        }
        self.dispatcher = Dispatcher(
            self.store,
            ResolveTargets(self.routing, self.schedule_firing),
            self.targets,
            self.queues,
            self.clock,
            settings,
            telemetry=self.telemetry or NO_TELEMETRY,
        )
        self.services = Services.build(
            self.store,
            connection_store,
            self.routing,
            self.clock,
            settings,
            dispatch=self.dispatcher,
            telemetry=self.telemetry or NO_TELEMETRY,
            authorize_connection=self._authorize_soon,
        )
        # Forwarding to another bus is a new ingestion there; it must pass on the reserved
        # ``aws.*`` sources of AWS-made events (scheduled events) that users cannot put.
        forwarding = IngestService(
            self.store,
            self.routing,
            self.clock,
            dataclasses.replace(settings, allow_reserved_sources=True),
            dispatch=self.dispatcher,
            telemetry=NO_TELEMETRY if self.telemetry is None else self.telemetry.forwarding,
        )
        self.targets[TargetKind.EVENT_BUS] = EventBusTarget(forwarding, self.routing)
        for kind, target in self.targets.items():  # fills in schedules' attempt numbers
            self.targets[kind] = ScheduledAttempts(target)
        self.rule_schedules = RuleScheduleService(
            self.store,
            self.routing,
            self.clock,
            dispatch=self.dispatcher,
            telemetry=self.telemetry or NO_TELEMETRY,
        )
        self._background: list[asyncio.Task[None]] = []
        self._authorizing: set[asyncio.Task[None]] = set()
        self.activity = ActivityService(self.store, self.services.buses)
        self.retention = (
            EventRetention(self.store, self.clock, timedelta(hours=settings.event_retention_hours))
            if settings.event_retention_hours
            else None
        )
        self.message_moves = MessageMoves(self.queues, self.clock)
        self.redrive = RedriveService(
            self.store, self.queues, self.clock, wake=self.dispatcher.wake
        )
        apis = [
            events_api(self.services),
            sqs_api(self.queues, self.message_moves),
            logs_api(self.logs),
            busway_api(self.activity, self.redrive),
        ]
        console = ConsoleServices(
            Scope(settings.account, settings.region),
            self.services,
            self.queues,
            self.activity,
            self.redrive,
        )
        mounts: list[Mount] = [Mount("/console", console_app(console))]
        if self.telemetry is not None:
            telemetry = self.telemetry
            mounts.append(
                Mount(
                    "/metrics",
                    metrics_app(
                        telemetry.registry, before_scrape=lambda: self._forget_gone(telemetry)
                    ),
                )
            )
        scheduler = scheduler_mounts(
            self.schedules,
            account=settings.account,
            default_region=settings.region,
            max_body_bytes=settings.max_request_bytes,
        )
        mounts.extend(scheduler.mounts)
        self.app = App(
            apis,
            account=settings.account,
            default_region=settings.region,
            max_body_bytes=settings.max_request_bytes,
            on_startup=self.start,
            on_shutdown=self.stop,
            mounts=mounts,
        )
        # What the server runs: the app inside request metrics and the request log.
        self.asgi = ObservedApp(
            self.app,
            self.telemetry or NO_TELEMETRY,
            {f"{api.target_prefix}.{name}" for api in apis for name in api.operations},
            [mount.prefix for mount in mounts],
            rest_operation=scheduler.operation,
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
        # Before the dispatcher claims anything: it resolves schedules' deliveries through it.
        await self.schedule_firing.load()
        await self.dispatcher.start()
        self._background.append(
            asyncio.create_task(self.schedule_firing.run(), name="busway-scheduler")
        )
        self._background.append(
            asyncio.create_task(sweeping("log retention", self._sweep_logs), name="busway-logs")
        )
        if self.retention is not None:
            self._background.append(
                asyncio.create_task(
                    sweeping("event retention", self.retention.step), name="busway-retention"
                )
            )
        self._background.append(
            asyncio.create_task(self.rule_schedules.run(), name="busway-rule-schedules")
        )
        if self._freeze_heap:
            # What start loaded (modules, rule indexes, schedules) lives as long as the process:
            # out of the collector's generations, an old-generation collection walks only what
            # was made since, and its pause on the loop (a delivery's tail latency) stays short.
            gc.collect()
            gc.freeze()
        log.info("busway ready on http://%s:%s", self.settings.host, self.settings.port)

    async def stop(self) -> None:
        tasks = [*self._background, *self._authorizing]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        await self.dispatcher.stop()  # gives back what it has not delivered
        await self.message_moves.close()
        self.queues.close()  # answers waiting long polls now
        for target in self.targets.values():
            await target.close()
        await self.store.close()

    def _authorize_soon(self, connection: Connection) -> None:
        """Fetch a new OAuth connection's token in the background, a bounded number at once
        (beyond that, its first delivery fetches it)."""
        if len(self._authorizing) >= _MOST_AUTHORIZING:
            return
        task = asyncio.get_running_loop().create_task(
            self.api_destinations.authorize(connection), name="busway-authorize"
        )
        self._authorizing.add(task)
        task.add_done_callback(self._authorizing.discard)

    def _forget_gone(self, telemetry: PrometheusTelemetry) -> None:
        telemetry.forget_except(self.routing.bus_names(), self.routing.targeted_rule_arns())

    async def _sweep_logs(self) -> float:
        swept = await self.logs.sweep_retention()
        # A full batch may mean more is due: go again at once, else wait for the next round.
        return 0.0 if swept else _RETENTION_SWEEP_SECONDS


async def sweeping(
    what: str,
    step: Callable[[], Awaitable[float]],
    *,
    after_failure: float = _RETENTION_SWEEP_SECONDS,
) -> None:
    """Run a sweep for as long as the node runs: ``step`` does a batch and says how long to wait
    before the next. A failed step (a full disk, say) is logged and tried again later; the
    node, and its deliveries, carry on meanwhile rather than lose the sweep for good."""
    while True:
        try:
            pause = await step()
        except Exception:
            log.exception("%s sweep failed", what)
            pause = after_failure
        await asyncio.sleep(pause)


def run(settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; pending writes are committed before exit."""
    configure_logging(settings.log_level, settings.log_format)
    # The SQLite writer thread takes the GIL back after every statement. A short switch interval
    # hands it over sooner, but every hand-over also stops the event loop: at 1,000 rules PutEvents
    # gave about 10,400 events/s at 5 ms (Python's default), 9,000 at 0.5 ms and 7,300 at 0.1 ms,
    # with no difference seen in delivery latency at 1,000 events/s. Set, so that it stays so.
    sys.setswitchinterval(_GIL_SWITCH_SECONDS)
    collector.tune()  # rare passes: see busway.collector
    node = Node(settings, freeze_heap=True)
    config = uvicorn.Config(
        node.asgi,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http=CoalescingHttpProtocol,  # uvicorn's httptools protocol, one write per response
        lifespan="on",
        access_log=False,  # busway.access logs each request (busway.observability.access)
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go through configure_logging's handler
        # Nothing reads the client address; a wrapper per request to rewrite it is waste.
        proxy_headers=False,
    )
    uvicorn.Server(config).run()
