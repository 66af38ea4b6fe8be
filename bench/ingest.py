"""Benchmark: durable PutEvents throughput of a real busway server at 1,000 rules.

Starts ``busway serve`` on SQLite in a temporary folder, puts 1,000 rules on the default bus with
an SQS queue target each (ten queues, so every matched event is really delivered), then drives
PutEvents in batches of 10 from concurrent keep-alive connections on
loopback for a fixed number of events. Prints events/s and request latency p50/p99; then the
same run against moto_server when it is installed (with a much smaller count: it is slow).

The closed loop of a few connections measures latency more than capacity: each connection
waits for its answer, and the answer waits for a group commit. So the run is repeated with more
connections (the same server, its store growing); the largest figure is the server's capacity,
and every row shows the latency it came with. Each row starts once the deliveries of the rows
before it are all in their queues: deliveries run on the same two cores as ingest, and a row
should carry its own, not a backlog another row left behind.

    python bench/ingest.py [--events 100000] [--rules 1000] [--connections 32,128]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadgen import blast, client, machine, percentile, put_events_request, run
from tests.support.server import BuswayServer, free_port

SEED = 7
QUEUES = 10
DRAIN_TIMEOUT_S = 300
_CREATED = re.compile(rb"^busway_created_invocations_total\{[^}]*\} ([0-9.e+]+)$", re.MULTILINE)


def rule_pattern(i: int) -> str:
    return json.dumps(
        {
            "source": [f"app.{i}"],
            "detail-type": ["T"],
            "detail": {"amount": [{"numeric": [">", i % 100]}]},
        }
    )


def create_rules(endpoint: str, count: int) -> None:
    sqs = client("sqs", endpoint)
    for n in range(min(count, QUEUES)):
        sqs.create_queue(QueueName=f"q{n}")
    events = client("events", endpoint)
    for i in range(count):
        events.put_rule(Name=f"rule-{i}", EventPattern=rule_pattern(i))
        events.put_targets(
            Rule=f"rule-{i}",
            Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:us-east-1:000000000000:q{i % QUEUES}"}],
        )


def extra_env() -> dict[str, str]:
    """BUSWAY_* settings from this process's environment, to compare settings in one run."""
    return {k: v for k, v in os.environ.items() if k.startswith("BUSWAY_")}


def request_bodies(count: int, rules: int) -> list[bytes]:
    """Pre-encoded PutEvents bodies of 10 entries; each entry matches one rule most of the time."""
    rng = random.Random(SEED)
    bodies = []
    for _ in range(count):
        entries = []
        for _ in range(10):
            i = rng.randrange(rules)
            detail = {
                "amount": rng.randrange(200),
                "order": {"id": rng.randrange(10**6), "items": [1, 2, 3]},
            }
            entries.append({"Source": f"app.{i}", "DetailType": "T", "Detail": json.dumps(detail)})
        bodies.append(json.dumps({"Entries": entries}).encode())
    return bodies


def wait_for_deliveries(endpoint: str, rules: int) -> float:
    """Seconds until every delivery created so far is a message in its queue (nothing reads
    the queues, so the two counts meet exactly)."""
    sqs = client("sqs", endpoint)
    urls = [sqs.get_queue_url(QueueName=f"q{n}")["QueueUrl"] for n in range(min(rules, QUEUES))]
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_TIMEOUT_S:
        metrics = f"{endpoint}/metrics"  # http://127.0.0.1:<port>, made here
        with urllib.request.urlopen(metrics, timeout=10) as answer:  # noqa: S310
            created = sum(float(n) for n in _CREATED.findall(answer.read()))
        queued = sum(
            int(
                sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]["ApproximateNumberOfMessages"]
            )
            for url in urls
        )
        if queued >= created:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"deliveries still pending after {DRAIN_TIMEOUT_S}s")


def drive(port: int, bodies: list[bytes], connections: int) -> tuple[float, list[float], list[str]]:
    return run(blast(port, [put_events_request(port, body) for body in bodies], connections))


def report(
    label: str, events: int, elapsed: float, latencies: list[float], errors: list[str]
) -> float:
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    rate = events / elapsed
    print(
        f"{label:<36} {events:>8} events in {elapsed:6.2f}s  {rate:>9,.0f} events/s  "
        f"p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  errors {len(errors)}"
    )
    if errors:
        print(f"  first error: {errors[0]}")
    return rate


def run_busway(args: argparse.Namespace) -> float:
    """Events/s of each connection count in turn; the best."""
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "BUSWAY_MAX_RULES_PER_BUS": str(max(args.rules, 300)),
            "BUSWAY_LOG_LEVEL": "WARNING",
            **extra_env(),
        }
        with BuswayServer(Path(folder) / "data", extra_env=env) as server:
            create_rules(server.endpoint, args.rules)
            bodies = request_bodies(args.events // 10, args.rules)
            warm = request_bodies(50, args.rules)
            drive(server.port, warm, 4)
            rates = []
            for connections in args.connections:
                drained = wait_for_deliveries(server.endpoint, args.rules)
                if drained >= 1:
                    print(
                        f"  (waited {drained:.1f}s for the earlier rows' deliveries to be queued)"
                    )
                elapsed, latencies, errors = drive(server.port, bodies, connections)
                label = f"busway ({args.rules} rules, {connections} conns)"
                rates.append(report(label, args.events, elapsed, latencies, errors))
            return max(rates)


def put_with_boto3(endpoint: str, bodies: list[bytes]) -> tuple[float, list[float], list[str]]:
    """One request at a time through boto3: moto_server does not keep connections alive."""
    events = client("events", endpoint)
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    for body in bodies:
        sent = time.perf_counter()
        answer = events.put_events(Entries=json.loads(body)["Entries"])
        latencies.append(time.perf_counter() - sent)
        if answer["FailedEntryCount"]:
            errors.append(str(answer["Entries"])[:200])
    return time.perf_counter() - started, latencies, errors


def run_moto(args: argparse.Namespace) -> None:
    moto = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if not Path(moto).exists():
        print("moto_server: not installed (pip install 'moto[server]' to compare)")
        return
    port = free_port()
    process = subprocess.Popen(
        [moto, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                client("events", endpoint).list_event_buses()
                break
            except Exception:
                time.sleep(0.2)
        create_rules(endpoint, args.rules)
        bodies = request_bodies(args.moto_events // 10, args.rules)
        elapsed, latencies, errors = put_with_boto3(endpoint, bodies)
        report(
            f"moto_server (memory, {args.rules} rules)",
            args.moto_events,
            elapsed,
            latencies,
            errors,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument(
        "--connections",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[32, 128],
        help="comma-separated connection counts, run in turn (default 32,128)",
    )
    parser.add_argument("--moto-events", type=int, default=300)
    parser.add_argument("--no-moto", action="store_true")
    args = parser.parse_args()
    print(machine())
    print(
        "workload: PutEvents batches of 10 on keep-alive connections, loopback, load generator "
        "in this process; server on SQLite, every accepted event durable"
    )
    rate = run_busway(args)
    target = 10_000
    print(
        f"target >= {target:,} events/s durable at 1,000 rules (best row): "
        f"{'met' if rate >= target else 'NOT met'}"
    )
    if not args.no_moto:
        run_moto(args)


if __name__ == "__main__":
    main()
