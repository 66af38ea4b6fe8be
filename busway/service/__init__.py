"""Use cases: buses, rules, targets, tags, permissions, ingest. Each gets store, clock, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from busway.clock import Clock
from busway.config import Settings
from busway.observability.telemetry import NO_TELEMETRY, IngestTelemetry
from busway.service.api_destinations import ApiDestinationService
from busway.service.buses import BusService
from busway.service.connections import ConnectionService
from busway.service.ingest import DeliveryHandoff, IngestService
from busway.service.permissions import PermissionService
from busway.service.routing import RoutingTable
from busway.service.rules import RuleService
from busway.service.tags import TagService
from busway.service.targets import TargetService
from busway.store.connections import Connection, ConnectionStore
from busway.store.protocol import Store

__all__ = ["Services"]


@dataclass(frozen=True, slots=True)
class Services:
    buses: BusService
    rules: RuleService
    targets: TargetService
    tags: TagService
    permissions: PermissionService
    ingest: IngestService
    connections: ConnectionService
    api_destinations: ApiDestinationService

    @classmethod
    def build(
        cls,
        store: Store,
        connection_store: ConnectionStore,
        routing: RoutingTable,
        clock: Clock,
        settings: Settings,
        *,
        dispatch: DeliveryHandoff | None = None,
        telemetry: IngestTelemetry = NO_TELEMETRY,
        authorize_connection: Callable[[Connection], None] | None = None,
    ) -> Services:
        """``dispatch`` (the node's dispatcher) takes the deliveries PutEvents commits;
        ``authorize_connection`` fetches an OAuth connection's token (see ConnectionService)."""
        return cls(
            buses=BusService(store, routing, clock),
            rules=RuleService(store, routing, clock, settings),
            targets=TargetService(store, routing, clock, settings),
            tags=TagService(store, routing, clock),
            permissions=PermissionService(store, routing, clock),
            ingest=IngestService(
                store, routing, clock, settings, dispatch=dispatch, telemetry=telemetry
            ),
            connections=ConnectionService(
                connection_store, clock, settings, authorize=authorize_connection
            ),
            api_destinations=ApiDestinationService(connection_store, clock, settings),
        )
