"""The EventBridge (``AWSEvents``) API: one module per area, assembled here."""

from __future__ import annotations

from busway.api.awsjson import JsonService
from busway.api.events.api_destinations import api_destination_operations
from busway.api.events.buses import bus_operations
from busway.api.events.connections import connection_operations
from busway.api.events.partner_sources import partner_source_operations
from busway.api.events.permissions import permission_operations
from busway.api.events.put_events import ingest_operations
from busway.api.events.rules import rule_operations
from busway.api.events.tags import tag_operations
from busway.api.events.targets import target_operations
from busway.api.events.test_event_pattern import event_pattern_operations
from busway.service import Services

__all__ = ["events_api"]


def events_api(services: Services) -> JsonService:
    operations = {
        **bus_operations(services.buses),
        **rule_operations(services.rules),
        **target_operations(services.targets),
        **tag_operations(services.tags),
        **permission_operations(services.permissions),
        **ingest_operations(services.ingest),
        **event_pattern_operations(),
        **connection_operations(services.connections),
        **api_destination_operations(services.api_destinations),
        **partner_source_operations(),
    }
    return JsonService("AWSEvents", "application/x-amz-json-1.1", operations)
