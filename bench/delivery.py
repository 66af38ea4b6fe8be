"""Benchmark: end-to-end delivery from PutEvents to an HTTP target on loopback.

Starts ``busway serve`` on SQLite in a temporary folder and an HTTP sink in another process
(bench/sink.py); one rule sends every event to an API destination pointing at the sink. Then:

1. a fixed rate (default 1,000 events/s for 30 s, one event per PutEvents): latency from the
   PutEvents request being sent to the sink receiving the event, p50/p95/p99;
2. the maximum sustained rate: a burst of events (batches of 10, concurrent connections) and the
   deliveries/s from the first request sent to the last delivery received.

    python bench/delivery.py [--rate 1000] [--seconds 30] [--burst 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadgen import (
    Connection,
    all_accepted,
    blast,
    client,
    machine,
    percentile,
    put_events_request,
    run,
)
from tests.support.server import BuswayServer

CONNECTIONS = 32
DRAIN_TIMEOUT_S = 120


def create_route(endpoint: str, sink_url: str) -> None:
    events = client("events", endpoint)
    connection = events.create_connection(
        Name="sink",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k"}},
    )
    destination = events.create_api_destination(
        Name="sink",
        ConnectionArn=connection["ConnectionArn"],
        InvocationEndpoint=f"{sink_url}/events",
        HttpMethod="POST",
        InvocationRateLimitPerSecond=1_000_000,
    )
    events.put_rule(Name="all", EventPattern='{"source": ["bench"]}')
    # As on AWS, an API destination target needs a role (busway stores it, assumes nothing).
    target = {
        "Id": "sink",
        "Arn": destination["ApiDestinationArn"],
        "RoleArn": "arn:aws:iam::000000000000:role/bench",
    }
    events.put_targets(Rule="all", Targets=[target])


def entry(seq: int) -> dict[str, str]:
    return {"Source": "bench", "DetailType": "T", "Detail": json.dumps({"seq": seq})}


def body(entries: list[dict[str, str]]) -> bytes:
    return json.dumps({"Entries": entries}).encode()


async def paced(
    port: int, rate: int, seconds: float, first_seq: int
) -> tuple[dict[int, float], int]:
    """Send one event per request at ``rate``/s; returns each seq's send time and the errors."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        idle.put_nowait(await Connection.open(port))
    sent: dict[int, float] = {}
    errors = 0

    async def send(seq: int) -> None:
        nonlocal errors
        connection = await idle.get()
        request = put_events_request(port, body([entry(seq)]))
        sent[seq] = time.perf_counter()
        status, answer = await connection.send(request)
        if not all_accepted(status, answer):
            errors += 1
        idle.put_nowait(connection)

    tasks = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(first_seq + i)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        await idle.get_nowait().close()
    return sent, errors


class Sink:
    """The sink process and what it recorded so far."""

    def __init__(self, folder: Path) -> None:
        self.record = folder / "received.txt"
        self.record.touch()
        script = Path(__file__).with_name("sink.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(self.record)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{self.process.stdout.readline().strip()}"
        self._offset = 0
        self._seen: dict[int, float] = {}

    def delivered_at(self, seqs: set[int], timeout: float) -> dict[int, float]:
        """When the sink first received each of ``seqs``; waits until all came or time ran out."""
        deadline = time.monotonic() + timeout
        while not seqs <= self._seen.keys() and time.monotonic() < deadline:
            with self.record.open() as record:
                record.seek(self._offset)
                text = record.read()
            complete = text[: text.rfind("\n") + 1]
            self._offset += len(complete)
            for line in complete.splitlines():
                seq, at = line.split()
                self._seen.setdefault(int(seq), float(at))
            time.sleep(0.1)
        return {seq: self._seen[seq] for seq in seqs if seq in self._seen}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def fixed_rate(server: BuswayServer, sink: Sink, rate: int, seconds: float) -> None:
    sent, errors = run(paced(server.port, rate, seconds, 0))
    got = sink.delivered_at(set(sent), DRAIN_TIMEOUT_S)
    latencies = sorted((got[seq] - sent[seq]) * 1000 for seq in got)
    p50, p95, p99 = (percentile(latencies, f) for f in (0.50, 0.95, 0.99))
    print(
        f"fixed {rate:,} events/s for {seconds:g}s: {len(sent):,} sent, {len(got):,} delivered, "
        f"errors {errors}; end-to-end p50 {p50:.2f} ms  p95 {p95:.2f} ms  p99 {p99:.2f} ms"
    )
    print(
        f"  target p50 <= 5 ms: {'met' if p50 <= 5 else 'NOT met'}; "
        f"p99 <= 25 ms: {'met' if p99 <= 25 else 'NOT met'}"
    )


def burst(server: BuswayServer, sink: Sink, count: int, first_seq: int) -> None:
    bodies = [body([entry(first_seq + i + j) for j in range(10)]) for i in range(0, count, 10)]
    requests = [put_events_request(server.port, b) for b in bodies]
    started = time.perf_counter()
    elapsed, _, errors = run(blast(server.port, requests, CONNECTIONS))
    got = sink.delivered_at(set(range(first_seq, first_seq + count)), DRAIN_TIMEOUT_S)
    last = max(got.values()) if got else started
    rate = len(got) / (last - started)
    print(
        f"burst of {count:,} events: accepted in {elapsed:.2f}s ({count / elapsed:,.0f} events/s, "
        f"errors {len(errors)}), {len(got):,} delivered at {rate:,.0f} deliveries/s sustained"
    )
    print(f"  target >= 5,000 deliveries/s: {'met' if rate >= 5000 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--burst", type=int, default=50_000)
    args = parser.parse_args()
    print(machine())
    print(
        "workload: rule -> API destination -> HTTP sink on loopback; server on SQLite "
        "(synchronous=FULL); load generator in this process, sink in another"
    )
    env = {"BUSWAY_LOG_LEVEL": "WARNING", "BUSWAY_MAX_API_DESTINATION_RATE_PER_SECOND": "1000000"}
    with (
        tempfile.TemporaryDirectory() as folder,
        BuswayServer(Path(folder) / "data", extra_env=env) as server,
    ):
        sink = Sink(Path(folder))
        try:
            create_route(server.endpoint, sink.url)
            fixed_rate(server, sink, args.rate, args.seconds)
            burst(server, sink, args.burst, first_seq=10**9)
        finally:
            sink.stop()


if __name__ == "__main__":
    main()
