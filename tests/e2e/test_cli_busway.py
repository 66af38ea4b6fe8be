"""The ``busway`` client commands, run as ``python -m busway`` against a real server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REGION, sqs_client
from tests.support.server import BuswayServer, free_port

ACCOUNT = "000000000000"
WAIT_S = 30.0  # a generous bound for deliveries; tests finish as soon as they arrive


def busway(endpoint: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI the way a user would, with no AWS configuration at all."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "BUSWAY_ENDPOINT": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    return subprocess.run(
        [sys.executable, "-m", "busway", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.fixture
def sqs(server: BuswayServer) -> Iterator[Any]:
    client = sqs_client(server.endpoint)
    yield client
    client.close()


def _queue(sqs: Any, name: str) -> str:
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url


def _queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def _route(events: Any, rule: str, source: str, queue: str, bus: str = "default") -> None:
    """A rule on ``bus`` sending the events of ``source`` to ``queue``."""
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "q", "Arn": _queue_arn(queue)}])


def _drain(sqs: Any, url: str, count: int) -> list[dict[str, Any]]:
    """The bodies of ``count`` messages of a queue (deleted), waiting for them to arrive."""
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while len(bodies) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert len(bodies) == count, f"{len(bodies)} of {count} messages arrived"
    return bodies


def _visible(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages"]
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(found["ApproximateNumberOfMessages"])


def _wait_visible(sqs: Any, url: str, count: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while _visible(sqs, url) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _visible(sqs, url) == count


def _entry(source: str, n: int, **extra: Any) -> str:
    return json.dumps({"Source": source, "DetailType": "Numbered", "Detail": {"n": n}, **extra})


# --- events put -------------------------------------------------------------------------------


def test_put_an_entry_given_as_an_argument(
    server: BuswayServer, events: Any, sqs: Any, unique: str
) -> None:
    url = _queue(sqs, unique)
    _route(events, unique, unique, unique)
    result = busway(server.endpoint, "events", "put", "--entry", _entry(unique, 1))
    assert result.returncode == 0, result.stderr
    event_id = result.stdout.strip()
    assert "put 1 event" in result.stderr
    [delivered] = _drain(sqs, url, 1)
    assert delivered["id"] == event_id
    assert (delivered["source"], delivered["detail-type"]) == (unique, "Numbered")
    assert delivered["detail"] == {"n": 1}


def test_put_a_file_of_json_lines_reports_the_bad_ones(
    server: BuswayServer, events: Any, sqs: Any, unique: str, tmp_path: Path
) -> None:
    url = _queue(sqs, unique)
    _route(events, unique, unique, unique)
    lines = [_entry(unique, n) for n in range(25)]
    lines.insert(1, json.dumps({"Source": "", "DetailType": "d", "Detail": "{}"}))
    lines.insert(3, "")  # blank lines are skipped
    lines.insert(7, "{not json")
    lines.append(json.dumps({"Source": unique, "DetailType": "Numbered"}))  # no Detail
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = busway(server.endpoint, "events", "put", "--file", str(path))
    assert result.returncode == 1
    assert result.stdout == ""  # ids only on request for files
    failures = [line for line in result.stderr.splitlines() if line.startswith("failed")]
    assert failures == [  # in input order, whoever found the fault
        "failed line 2: InvalidArgument: Parameter Source is not valid. "
        "Reason: Source is a required argument.",
        "failed line 8: InvalidEntry: not JSON: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)",
        "failed line 29: InvalidArgument: Parameter Detail is not valid. "
        "Reason: Detail is a required argument.",
    ]
    assert result.stderr.endswith("put 25 events, 3 failed\n")
    delivered = _drain(sqs, url, 25)
    assert sorted(body["detail"]["n"] for body in delivered) == list(range(25))


def test_put_json_lines_from_stdin_on_a_named_bus(
    server: BuswayServer, events: Any, sqs: Any, unique: str
) -> None:
    events.create_event_bus(Name=unique)
    url = _queue(sqs, unique)
    _route(events, unique, unique, unique, bus=unique)
    stdin = "".join(_entry(unique, n) + "\n" for n in range(3))
    result = busway(server.endpoint, "events", "put", "--bus", unique, "--ids", stdin=stdin)
    assert result.returncode == 0, result.stderr
    ids = result.stdout.split()
    assert len(ids) == 3
    delivered = _drain(sqs, url, 3)
    assert sorted(body["id"] for body in delivered) == sorted(ids)


def test_put_keeps_requests_within_the_size_limit(tmp_path: Path) -> None:
    limit = 1000
    env = {"BUSWAY_MAX_PUT_EVENTS_BYTES": str(limit)}
    with BuswayServer(tmp_path / "data", extra_env=env) as small:
        detail = {"pad": "x" * 280}
        fitting = [
            json.dumps({"Source": "s", "DetailType": "d", "Detail": detail}) for _ in range(10)
        ]
        too_big = json.dumps({"Source": "s", "DetailType": "d", "Detail": {"pad": "x" * 2000}})
        stdin = "\n".join([*fitting, too_big]) + "\n"
        args = ("events", "put", "--max-request-bytes", str(limit), "--ids")
        result = busway(small.endpoint, *args, stdin=stdin)
    assert result.returncode == 1
    assert len(result.stdout.split()) == 10  # ten entries, in requests of three
    assert (
        "failed line 11: ValidationException: "
        "Total size of the entries in the request is over the limit." in result.stderr
    )
    assert "put 10 events, 1 failed" in result.stderr


# --- rules ------------------------------------------------------------------------------------


def test_rules_list_shows_a_table_of_the_bus(
    server: BuswayServer, events: Any, unique: str
) -> None:
    events.create_event_bus(Name=unique)
    pattern = {"source": ["shop"], "detail-type": ["OrderPlaced"]}
    events.put_rule(Name="orders", EventBusName=unique, EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="orders",
        EventBusName=unique,
        Targets=[{"Id": f"q{n}", "Arn": _queue_arn(f"q{n}")} for n in range(3)],
    )
    events.put_rule(Name="off", EventBusName=unique, EventPattern='{"source": ["x"]}')
    events.disable_rule(Name="off", EventBusName=unique)
    result = busway(server.endpoint, "rules", "list", "--bus", unique)
    assert result.returncode == 0, result.stderr
    assert [line.split() for line in result.stdout.splitlines()] == [
        ["NAME", "STATE", "PATTERN", "/", "SCHEDULE", "TARGETS"],
        ["off", "DISABLED", '{"source":["x"]}', "0"],
        ["orders", "ENABLED", '{"source":["shop"],"detail-type":["OrderPlaced"]}', "3"],
    ]


def test_rules_list_shows_schedules(server: BuswayServer, events: Any, unique: str) -> None:
    events.put_rule(Name=unique, ScheduleExpression="cron(0 3 * * ? *)")  # default bus only
    result = busway(server.endpoint, "rules", "list")
    assert result.returncode == 0, result.stderr
    [row] = [line.split() for line in result.stdout.splitlines() if line.startswith(unique)]
    assert row == [unique, "ENABLED", "cron(0", "3", "*", "*", "?", "*)", "0"]


def test_rules_list_on_a_missing_bus_is_an_aws_error(server: BuswayServer, unique: str) -> None:
    result = busway(server.endpoint, "rules", "list", "--bus", unique)
    assert result.returncode == 1
    assert result.stderr.startswith("busway: ResourceNotFoundException: ")
    assert "Traceback" not in result.stderr


EVENT = json.dumps(
    {
        "id": "1",
        "account": ACCOUNT,
        "source": "shop",
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "detail-type": "OrderPlaced",
        "resources": [],
        "detail": {"total": 12},
    }
)


def test_rules_test_says_match_or_no_match(server: BuswayServer, tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text(EVENT)
    matching = '{"detail": {"total": [{"numeric": [">", 10]}]}}'
    result = busway(
        server.endpoint, "rules", "test", "--pattern", matching, "--event", f"@{event_file}"
    )
    assert (result.returncode, result.stdout) == (0, "match\n")
    other = '{"source": ["elsewhere"]}'
    result = busway(server.endpoint, "rules", "test", "--pattern", other, "--event", EVENT)
    assert (result.returncode, result.stdout) == (1, "no match\n")


def test_rules_test_that_cannot_ask_busway_is_no_no_match() -> None:
    # Exit 1 means "no match": a server that is down must not look like one.
    result = busway(
        f"http://127.0.0.1:{free_port()}", "rules", "test", "--pattern", "{}", "--event", EVENT
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("busway: ")


def test_rules_test_prints_aws_reason_for_a_bad_pattern(server: BuswayServer) -> None:
    result = busway(
        server.endpoint, "rules", "test", "--pattern", '{"source": "shop"}', "--event", EVENT
    )
    assert result.returncode == 2
    assert result.stdout == ""
    reason, location = result.stderr.splitlines()
    assert reason == (
        "busway: InvalidEventPatternException: Event pattern is not valid. "
        'Reason: "source" must be an object or an array'
    )
    assert location.startswith(' at [Source: (String)"{"source": "shop"}"; line: 1, column: ')


# --- queues -----------------------------------------------------------------------------------


def test_queues_list_receive_and_purge(server: BuswayServer, sqs: Any, unique: str) -> None:
    url = _queue(sqs, unique)
    dead = _queue(sqs, f"{unique}-dlq")
    policy = {"deadLetterTargetArn": _queue_arn(f"{unique}-dlq"), "maxReceiveCount": "5"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy)})
    for n in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=f"message {n}")

    listed = busway(server.endpoint, "queues", "list", "--prefix", unique)
    assert listed.returncode == 0, listed.stderr
    assert [line.split() for line in listed.stdout.splitlines()] == [
        ["NAME", "MESSAGES", "IN", "FLIGHT", "DELAYED", "DEAD-LETTER", "QUEUE"],
        [unique, "4", "0", "0", f"{unique}-dlq"],
        [f"{unique}-dlq", "0", "0", "0", "-"],
    ]

    received = busway(server.endpoint, "queues", "receive", unique, "--max", "3", "--delete")
    assert received.returncode == 0, received.stderr
    assert sorted(received.stdout.splitlines()) == ["message 0", "message 1", "message 2"]
    assert _visible(sqs, url) == 1

    as_json = busway(server.endpoint, "queues", "receive", url, "--json")
    [message] = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert message["Body"] == "message 3"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"

    purged = busway(server.endpoint, "queues", "purge", unique)
    assert (purged.returncode, purged.stdout) == (0, f"purged {url}\n")
    empty = busway(server.endpoint, "queues", "receive", dead)
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, "", "no messages\n")


def test_a_missing_queue_is_an_aws_error(server: BuswayServer, unique: str) -> None:
    result = busway(server.endpoint, "queues", "purge", unique)
    assert result.returncode == 1
    assert "NonExistentQueue" in result.stderr
    assert "Traceback" not in result.stderr


# --- events tail ------------------------------------------------------------------------------


def test_events_tail_prints_events_with_their_deliveries(
    server: BuswayServer, events: Any, sqs: Any, unique: str
) -> None:
    events.create_event_bus(Name=unique)
    url = _queue(sqs, unique)
    _route(events, "ship", unique, unique, bus=unique)
    put = busway(
        server.endpoint,
        "events",
        "put",
        "--bus",
        unique,
        "--entry",
        _entry(unique, 1),
        "--entry",
        _entry("unrouted", 2),
    )
    ids = put.stdout.split()
    _drain(sqs, url, 1)
    tail = busway(server.endpoint, "events", "tail", "--bus", unique, "--count", "2")
    assert tail.returncode == 0, tail.stderr
    lines = tail.stdout.splitlines()
    assert len(lines) == 2
    routed, unrouted = lines
    assert routed.split()[1:4] == [unique, "Numbered", ids[0]]
    assert f"{unique}/ship>q: " in routed
    assert unrouted.split()[1:4] == ["unrouted", "Numbered", ids[1]]
    assert unrouted.endswith("(no rule with targets matched)")

    raw = busway(server.endpoint, "events", "tail", "--bus", unique, "--count", "1", "--json")
    item = json.loads(raw.stdout)
    assert item["Id"] == ids[0]
    assert json.loads(item["Event"])["detail"] == {"n": 1}
    [delivery] = item["Deliveries"]
    assert delivery["TargetArn"] == _queue_arn(unique)


def test_events_tail_follows_new_events_and_stops_on_ctrl_c(
    server: BuswayServer, events: Any, unique: str
) -> None:
    events.create_event_bus(Name=unique)
    env = {
        **os.environ,
        "BUSWAY_ENDPOINT": server.endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    busway(server.endpoint, "events", "put", "--bus", unique, "--entry", _entry("s", 0))
    command = [sys.executable, "-m", "busway", "events", "tail", "--bus", unique, "--last", "1"]
    command += ["--interval", "0.2"]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as tail:
        try:
            assert tail.stdout is not None
            first = tail.stdout.readline()  # printed once the tail has its cursor
            busway(server.endpoint, "events", "put", "--bus", unique, "--entry", _entry("s", 1))
            second = tail.stdout.readline()  # an event put after the tail started
            tail.send_signal(signal.SIGINT)
            code = tail.wait(timeout=30)
        finally:
            tail.kill()
        assert tail.stderr is not None
        stderr = tail.stderr.read()
    assert "  s  Numbered  " in first
    assert "  s  Numbered  " in second
    assert first.split()[3] != second.split()[3]
    assert code == 0
    assert "Traceback" not in stderr


# --- dlq redrive ------------------------------------------------------------------------------


def test_dlq_redrive_delivers_dead_letters_to_their_target(
    server: BuswayServer, events: Any, sqs: Any, unique: str
) -> None:
    dead = _queue(sqs, f"{unique}-dlq")
    target = f"{unique}-target"  # not created yet: deliveries fail and are dead-lettered
    events.put_rule(Name=unique, EventPattern=json.dumps({"source": [unique]}))
    events.put_targets(
        Rule=unique,
        Targets=[
            {
                "Id": "q",
                "Arn": _queue_arn(target),
                "DeadLetterConfig": {"Arn": _queue_arn(f"{unique}-dlq")},
            }
        ],
    )
    put = busway(server.endpoint, "events", "put", "--entry", _entry(unique, 1))
    event_id = put.stdout.strip()
    _wait_visible(sqs, dead, 1)
    # A dead letter of a rule that is gone since stays in the queue.
    sqs.send_message(
        QueueUrl=dead,
        MessageBody=json.dumps({"id": "old", "source": unique, "detail": {}}),
        MessageAttributes={
            "RULE_ARN": {
                "DataType": "String",
                "StringValue": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{unique}-gone",
            },
            "TARGET_ARN": {"DataType": "String", "StringValue": _queue_arn(target)},
        },
    )
    url = _queue(sqs, target)

    result = busway(server.endpoint, "dlq", "redrive", f"{unique}-dlq")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "redrove 1 message; 1 skipped "
        "(not dead letters of a rule target that still exists; left in the queue)\n"
    )
    [delivered] = _drain(sqs, url, 1)
    assert delivered["id"] == event_id
    assert _visible(sqs, dead) == 1


def test_dlq_redrive_of_a_missing_queue_is_an_aws_error(server: BuswayServer, unique: str) -> None:
    result = busway(server.endpoint, "dlq", "redrive", unique)
    assert result.returncode == 1
    assert "NonExistentQueue" in result.stderr


# --- the rest ---------------------------------------------------------------------------------


def test_logs_tail_of_a_missing_group_is_an_aws_error(server: BuswayServer, unique: str) -> None:
    result = busway(server.endpoint, "logs", "tail", f"/aws/events/{unique}")
    assert result.returncode == 1
    assert result.stderr.startswith("busway: ResourceNotFoundException: ")


def test_logs_tail_takes_the_endpoint_given_before_the_command(
    server: BuswayServer, unique: str
) -> None:
    # $BUSWAY_ENDPOINT names a port nobody serves: only the option reaches the server.
    result = busway(
        "http://127.0.0.1:9", "--endpoint", server.endpoint, "logs", "tail", f"/aws/x/{unique}"
    )
    assert result.returncode == 1
    assert result.stderr.startswith("busway: ResourceNotFoundException: ")


def test_no_server_is_one_line_not_a_traceback() -> None:
    result = busway("http://127.0.0.1:9", "queues", "list")
    assert result.returncode == 1
    assert result.stderr == 'busway: Could not connect to the endpoint URL: "http://127.0.0.1:9/"\n'
