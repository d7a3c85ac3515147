"""Writes the four exports of a small multithreaded run made from Python
into a folder, for tests/check_profiler_exports.sh (the C suite's checker:
jq, json, csv, promtool, headless chromium) to check.

    python3 exports_driver.py DIR   ->  DIR/report.{json,csv,html,prom}

The same run as tests/profiler_exports.c: four waves of 20000 blocks that a
"producer" thread allocates and a "consumer" thread frees (unsized), three
leaked blocks (300 + 400 + 500 bytes) from export_leaky_function, with
Python stacks.
"""

import sys
import threading

from concurrent_collections import MemoryProfiler, _testing

N = 20000


def export_leaky_function(n):
    return _testing.alloc(n)


def main(out):
    handoff = []

    def producer():
        for k in range(7):  # 16 .. 1024 bytes, plus some padding
            handoff.append(_testing.alloc((16 << k) + 3, N // 7 + (1 if k < N % 7 else 0)))

    def consumer():
        for b in handoff:
            _testing.free(b, sized=False)
        handoff.clear()

    prof = MemoryProfiler(track_per_thread=True, detect_leaks=True, capture_stacks=True)
    prof.start()
    leaks = [export_leaky_function(300 + i * 100) for i in range(3)]
    for _ in range(4):
        t = threading.Thread(target=producer, name="producer")
        t.start()
        t.join()
        prof.snapshot()  # a timeline point at the top of the wave
        t = threading.Thread(target=consumer, name="consumer")
        t.start()
        t.join()
        _testing.churn(24, 2000)
        prof.snapshot()
    prof.stop()
    prof.to_json(f"{out}/report.json")
    prof.to_csv(f"{out}/report.csv")
    prof.to_html(f"{out}/report.html")
    with open(f"{out}/report.prom", "w") as f:
        f.write(prof.to_prometheus())
    for b in leaks:
        _testing.free(b)


if __name__ == "__main__":
    main(sys.argv[1])
