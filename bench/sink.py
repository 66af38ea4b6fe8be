"""An HTTP sink in its own process for bench/delivery.py: a target is a separate service.

Prints its port, then appends ``<seq> <perf_counter>`` for every event it receives to the file
named on the command line (perf_counter is CLOCK_MONOTONIC, comparable across processes here).

    python bench/sink.py RECORD_FILE
"""

from __future__ import annotations

import gc
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop

from tests.support.http_sink import HttpSink

FLUSH_EVERY_S = 0.05
# bench/delivery.py sends events whose detail is {"seq": N} and nothing else, and a JSON text
# has "detail": only as a key, the envelope's own: a regex finds exactly what json.loads would,
# at a fraction of its CPU (which the sink takes from the cores busway runs on).
SEQ = re.compile(rb'"detail"\s*:\s*\{\s*"seq"\s*:\s*(\d+)\s*\}')


def main() -> None:
    record = Path(sys.argv[1])
    # A collection pauses the thread that timestamps arrivals (late stamps would count as
    # busway's latency) and costs CPU that busway could use. Requests hold no reference cycles
    # and are dropped once written; nothing leaks.
    gc.disable()
    # uvloop: the sink's CPU comes out of the same two cores as busway's.
    sink = HttpSink(max_kept=5_000_000, loop_factory=uvloop.new_event_loop)
    with sink, record.open("a") as out:
        print(sink.port, flush=True)
        while True:  # until the benchmark terminates this process
            time.sleep(FLUSH_EVERY_S)
            # Not wait_for: it copies every request kept so far, a cost growing with the run.
            # Here what was written is dropped, so the list holds only what came since (the
            # sink's thread only appends). Each line carries its arrival stamp: how often they
            # are written changes nothing measured, and fewer wake-ups leave busway more CPU.
            fresh = sink.received[:]
            out.writelines(f"{seq(request.body)} {request.at}\n" for request in fresh)
            out.flush()
            del sink.received[: len(fresh)]


def seq(body: bytes) -> int:
    found = SEQ.search(body)
    if found is None:
        raise ValueError(f"no detail.seq in {body[:200]!r}")
    return int(found[1])


if __name__ == "__main__":
    main()
