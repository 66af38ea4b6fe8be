"""An HTTP sink in its own process for bench/delivery.py: a target is a separate service.

Prints its port, then appends ``<seq> <perf_counter>`` for every event it receives to the file
named on the command line (perf_counter is CLOCK_MONOTONIC, comparable across processes here).

    python bench/sink.py RECORD_FILE
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop

from tests.support.http_sink import HttpSink

FLUSH_EVERY_S = 0.05


def main() -> None:
    record = Path(sys.argv[1])
    # The sink keeps every request it received, so each collection of the oldest generation
    # walks a longer list, pausing the thread that timestamps arrivals: late stamps that would
    # count as busway's latency. What it keeps holds no reference cycles; nothing leaks.
    gc.disable()
    # uvloop: the sink's CPU comes out of the same two cores as busway's.
    sink = HttpSink(max_kept=5_000_000, loop_factory=uvloop.new_event_loop)
    with sink, record.open("a") as out:
        print(sink.port, flush=True)
        written = 0
        while True:  # until the benchmark terminates this process
            received = sink.wait_for(written + 1, FLUSH_EVERY_S)
            lines = [
                f"{json.loads(request.body)['detail']['seq']} {request.at}\n"
                for request in received[written:]
            ]
            out.writelines(lines)
            out.flush()
            written = len(received)
            time.sleep(FLUSH_EVERY_S / 5)


if __name__ == "__main__":
    main()
