"""The aws CLI, unchanged, against a running busway."""

from __future__ import annotations

import json

from tests.e2e.conftest import aws_cli, cli_json
from tests.support.server import BuswayServer


def test_the_aws_docs_put_events_call_works(server: BuswayServer) -> None:
    entries = (
        '[{"Source": "custom.app","DetailType": "StartEC2",'
        '"Detail": "{\\"instance-id\\": \\"i-1234567890abcdef0\\"}","EventBusName": "default"}]'
    )
    answer = cli_json(server.endpoint, "events", "put-events", "--entries", entries)
    assert answer["FailedEntryCount"] == 0
    assert len(answer["Entries"]) == 1
    assert set(answer["Entries"][0]) == {"EventId"}


def test_rules_and_targets_through_the_cli(server: BuswayServer, unique: str) -> None:
    pattern = json.dumps({"source": ["custom.app"], "detail-type": ["StartEC2"]})
    created = cli_json(
        server.endpoint, "events", "put-rule", "--name", unique, "--event-pattern", pattern
    )
    assert created["RuleArn"] == f"arn:aws:events:us-east-1:000000000000:rule/{unique}"
    target = f"Id=q1,Arn=arn:aws:sqs:us-east-1:000000000000:{unique}"
    put = cli_json(server.endpoint, "events", "put-targets", "--rule", unique, "--targets", target)
    assert put == {"FailedEntryCount": 0, "FailedEntries": []}
    listed = cli_json(server.endpoint, "events", "list-targets-by-rule", "--rule", unique)
    assert listed["Targets"] == [
        {"Id": "q1", "Arn": f"arn:aws:sqs:us-east-1:000000000000:{unique}"}
    ]
    described = cli_json(server.endpoint, "events", "describe-rule", "--name", unique)
    assert json.loads(described["EventPattern"]) == json.loads(pattern)
    assert described["State"] == "ENABLED"


def test_cli_shows_aws_errors(server: BuswayServer, unique: str) -> None:
    result = aws_cli(server.endpoint, "events", "describe-event-bus", "--name", unique, check=False)
    assert result.returncode != 0
    assert "ResourceNotFoundException" in result.stderr
    assert f"Event bus {unique} does not exist." in result.stderr
