"""MemoryProfiler: exact figures at sample_rate 1, estimates within their
documented error below it, Python thread names, leaks with Python stacks,
and errors that leave allocation untouched."""

import errno
import gc
import json
import math
import threading
import time
from datetime import datetime, timezone

import pytest

from concurrent_collections import MemoryProfiler, MemoryProfilerReport, _testing, config


def allocation_still_exact(stats):
    """After an error: the glue allocates and counts as before."""
    before = stats()
    _testing.free(_testing.alloc(72, 10))
    after = stats()
    assert after["alloc_count"] - before["alloc_count"] == 10
    assert after["free_bytes"] - before["free_bytes"] == 720


def test_exact_figures_at_rate_one():
    with MemoryProfiler(track_per_thread=True) as prof:
        a = _testing.alloc(64, 100)
        b = _testing.alloc(200, 50)
        mid = prof.snapshot()
        _testing.free(a)
        _testing.free(b)
    r = prof.report()
    assert isinstance(r, MemoryProfilerReport)
    assert mid.running and not r.running
    assert mid.alloc_count == 150 and mid.current_allocated == 6400 + 10000
    assert r.alloc_count == r.free_count == 150
    assert r.alloc_bytes == r.free_bytes == 6400 + 10000
    assert r.current_allocated == 0
    assert r.peak_allocated == 16400
    assert r.size_histogram.buckets == {"33-64": 100, "129-256": 50}
    assert r.size_histogram.total_count == 150 and r.size_histogram.total_bytes == 16400
    assert r.size_histogram.hot_sizes(1) == [("33-64", 100)]
    assert r.cross_thread_free_count == 0 and r.cross_thread_free_pct == 0.0
    assert r.leaked_allocations is None and r.leaked_bytes == 0
    assert 0 < r.alloc_latency_p50 <= r.alloc_latency_p95 <= r.alloc_latency_p99 <= r.alloc_latency_p999
    assert 0 < r.free_latency_p50 <= r.free_latency_p999
    assert r.start_time.tzinfo is not None and r.end_time >= r.start_time
    assert abs((r.end_time - r.start_time).total_seconds() - r.duration_seconds) < 0.01
    assert abs(r.start_time.timestamp() - time.time()) < 60
    assert r.alloc_rate > 0 and r.bytes_rate > 0
    [me] = r.thread_stats
    assert me.thread_id == threading.get_native_id() and me.thread_name == "MainThread"
    assert me.alloc_count == 150 and me.free_bytes == 16400
    assert 0 <= r.fragmentation.internal_fragmentation < 1
    assert 0 <= r.fragmentation.utilization <= 1


def test_thread_stats_off_is_an_empty_list():
    with MemoryProfiler() as prof:
        _testing.churn(32, 10)
    assert prof.report().thread_stats == []


def test_threads_by_python_name_with_cross_thread_frees():
    handoff = []
    ready = threading.Event()

    def produce():
        for _ in range(10):
            handoff.append(_testing.alloc(128, 100))
        ready.set()

    def consume():
        ready.wait()
        for b in handoff:
            _testing.free(b)

    with MemoryProfiler(track_per_thread=True) as prof:
        p = threading.Thread(target=produce, name="producer-thread")
        c = threading.Thread(target=consume, name="consumer-thread")
        p.start()
        c.start()
        p.join()
        c.join()
    r = prof.report()
    by_name = {t.thread_name: t for t in r.thread_stats}
    assert {"producer-thread", "consumer-thread"} <= set(by_name), list(by_name)
    prod, cons = by_name["producer-thread"], by_name["consumer-thread"]
    assert prod.thread_id == p.native_id and cons.thread_id == c.native_id
    assert prod.alloc_count == 1000 and prod.cross_thread_frees_sent == 1000
    assert cons.free_count == 1000 and cons.cross_thread_frees_received == 1000
    assert r.cross_thread_free_count == 1000
    assert sum(t.cross_thread_frees_sent for t in r.thread_stats) == r.cross_thread_free_count
    assert sum(t.cross_thread_frees_received for t in r.thread_stats) == r.cross_thread_free_count
    assert r.cross_thread_free_pct == pytest.approx(100.0)
    flow = r.cross_thread_flow
    assert flow[cons.index][prod.index] == 1000
    # the exports, written by ccmem from its own records, show the same names
    text = prof.to_prometheus()
    assert "cc_memory_cross_thread_free_total 1000" in text


def test_estimates_within_their_documented_error():
    n_small, n_big = 150_000, 50_000
    with MemoryProfiler(sample_rate=0.1) as prof:
        _testing.churn(16, n_small)
        _testing.churn(1000, n_big)
    r = prof.report()
    n = n_small + n_big
    assert r.alloc_count == n  # exact at every rate
    assert r.sample_rate == 0.1
    # sampled allocations: binomial(n, 0.1); 6 standard deviations
    assert abs(r.sampled_allocs - 0.1 * n) < 6 * math.sqrt(n * 0.1 * 0.9)
    # a size class of share f: standard error n * sqrt(f (1 - f) / sampled)  (include/ccmem/profiler.h)
    f = n_big / n
    se = n * math.sqrt(f * (1 - f) / r.sampled_allocs)
    assert abs(r.size_histogram.buckets["513-1024"] - n_big) < 6 * se
    assert sum(r.size_histogram.buckets.values()) == n
    true_bytes = 16 * n_small + 1000 * n_big
    se_bytes = n * 1000 * math.sqrt(f * (1 - f) / r.sampled_allocs)
    assert abs(r.alloc_bytes - true_bytes) < 6 * se_bytes
    assert r.alloc_bytes - r.free_bytes == r.current_allocated


def leaky_function():
    return _testing.alloc(123)  # LEAK-LINE


def test_leak_names_the_python_function_first():
    line = next(i for i, text in enumerate(open(__file__), 1) if text.rstrip().endswith("# LEAK-LINE"))
    with MemoryProfiler(detect_leaks=True, capture_stacks=True) as prof:
        kept = leaky_function()
        _testing.churn(40, 100)
    r = prof.report()
    try:
        assert r.leaked_bytes == 123 and len(r.leaked_allocations) == 1
        leak = r.leaked_allocations[0]
        assert leak.size == 123 and leak.ptr == kept.addresses[0]
        assert leak.thread_id == threading.get_native_id()
        assert r.start_time.timestamp() - 1e-3 <= leak.timestamp <= r.end_time.timestamp() + 0.02
        stack = leak.stack_trace
        want = f"{__file__}:{line} in leaky_function"
        assert want in stack, stack
        # Python frames first, from the user's line (the package's own frames
        # at the innermost end are left out), then native ones
        assert stack[0] == want
        assert "test_leak_names_the_python_function_first" in stack[1]
        py = [i for i, fr in enumerate(stack) if ".py:" in fr]
        assert py == list(range(len(py))), stack
        assert len(stack) > len(py), "no native frames after the Python ones"
    finally:
        _testing.free(kept)


def test_leaks_without_stacks():
    with MemoryProfiler(detect_leaks=True) as prof:
        kept = _testing.alloc(55, 2)
    r = prof.report()
    _testing.free(kept)
    assert r.leaked_bytes == 110 and [a.stack_trace for a in r.leaked_allocations] == [None, None]


def test_exports(out_dir):
    kept = _testing.alloc(300)
    with MemoryProfiler(track_per_thread=True, detect_leaks=True) as prof:
        _testing.churn(24, 500)
        more = _testing.alloc(700)
    _testing.free(kept)
    _testing.free(more)
    prof.to_json(out_dir / "r.json")  # pathlib
    prof.to_csv(str(out_dir / "r.csv"))
    prof.to_html(out_dir / "r.html")
    j = json.loads((out_dir / "r.json").read_text())
    r = prof.report()
    for key in ("alloc_count", "free_count", "alloc_bytes", "free_bytes", "current_allocated", "peak_allocated",
                "alloc_rate", "cross_thread_free_pct", "size_histogram", "thread_stats", "fragmentation",
                "leaked_allocations", "leaked_bytes", "duration_seconds", "start_time", "end_time"):
        assert key in j, key
    assert j["alloc_count"] == r.alloc_count == 501
    assert j["leaked_bytes"] == r.leaked_bytes == 700
    import csv

    rows = list(csv.reader(open(out_dir / "r.csv", newline="")))
    assert rows[0] == ["section", "name", "key", "value"]
    assert {row[1]: row[3] for row in rows if row[0] == "summary"}["alloc_count"] == "501"
    html = (out_dir / "r.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "</html>" in html
    prom = prof.to_prometheus()
    assert "cc_memory_alloc_total 501" in prom
    assert 'cc_memory_alloc_latency_bucket{le="+Inf"}' in prom


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"sample_rate": 0}, ValueError, "sample_rate must lie in (0, 1]"),
        ({"sample_rate": 1.5}, ValueError, "sample_rate"),
        ({"sample_rate": float("nan")}, ValueError, "sample_rate"),
        ({"sample_rate": "0.5"}, TypeError, "sample_rate must be a float"),
        ({"sample_rate": True}, TypeError, "sample_rate"),
        ({"latency_buckets": 10}, ValueError, "latency_buckets must lie in [37, 4096]"),
        ({"latency_buckets": 5000}, ValueError, "latency_buckets"),
        ({"latency_buckets": 1000.0}, TypeError, "latency_buckets must be an int"),
        ({"track_sizes": 1}, TypeError, "track_sizes must be a bool"),
        ({"detect_leaks": None}, TypeError, "detect_leaks"),
        ({"latency_sample_rate": 0.0}, ValueError, "latency_sample_rate"),
        ({"max_stack_frames": 33}, ValueError, "max_stack_frames"),
        ({"timeline_interval_ms": 0}, ValueError, "timeline_interval_ms"),
    ],
)
def test_bad_options(kwargs, exc, words, stats):
    with pytest.raises(exc) as e:
        MemoryProfiler(**kwargs)
    assert words in str(e.value)
    allocation_still_exact(stats)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        MemoryProfiler(True)
    with pytest.raises(TypeError):
        MemoryProfiler(sample_rte=0.5)


def test_one_profiler_at_a_time(stats):
    with MemoryProfiler() as first:
        second = MemoryProfiler()
        with pytest.raises(RuntimeError, match="already running"):
            second.start()
        with pytest.raises(RuntimeError, match="already running"):
            with second:
                pass
        _testing.churn(16, 10)
        allocation_still_exact(stats)
    assert first.report().alloc_count == 20  # its figures were not disturbed (10 + 10 checked)
    with second:  # free to run now
        _testing.churn(16, 3)
    assert second.report().alloc_count == 3


def test_state_errors(stats):
    prof = MemoryProfiler()
    for call in (prof.report, prof.snapshot, prof.to_prometheus):
        with pytest.raises(RuntimeError, match="no figures yet"):
            call()
    with pytest.raises(RuntimeError, match="not running"):
        prof.stop()
    prof.start()
    with pytest.raises(RuntimeError, match="stop"):
        prof.report()
    assert prof.snapshot().running
    prof.stop()
    assert prof.report().alloc_count == 0
    prof.reset()
    with pytest.raises(RuntimeError, match="no figures yet"):
        prof.report()
    allocation_still_exact(stats)


def test_unwritable_path_is_oserror(out_dir, stats):
    with MemoryProfiler() as prof:
        _testing.churn(16, 5)
    missing = out_dir / "no-such-dir" / "r.json"
    for export in (prof.to_json, prof.to_csv, prof.to_html):
        with pytest.raises(OSError) as e:
            export(missing)
        assert e.value.errno == errno.ENOENT and str(missing) in str(e.value.filename)
        assert not missing.exists()
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        prof.to_json(42)
    allocation_still_exact(stats)


def test_exception_in_with_block_stops_the_profiler(stats):
    with pytest.raises(KeyError):
        with MemoryProfiler() as prof:
            _testing.churn(16, 4)
            raise KeyError("boom")
    assert not prof.running
    assert prof.report().alloc_count == 4
    allocation_still_exact(stats)


def test_collected_while_running_stops(stats):
    prof = MemoryProfiler()
    prof.start()
    _testing.churn(16, 4)
    del prof
    gc.collect()
    with MemoryProfiler() as again:  # would raise if the first still ran
        _testing.churn(16, 2)
    assert again.report().alloc_count == 2
    allocation_still_exact(stats)


def test_reset_while_running_counts_from_now():
    with MemoryProfiler() as prof:
        _testing.churn(16, 50)
        prof.reset()
        _testing.churn(16, 7)
    assert prof.report().alloc_count == 7


def test_timestamps_are_utc():
    with MemoryProfiler() as prof:
        pass
    r = prof.report()
    assert r.start_time.tzinfo == timezone.utc
    assert isinstance(r.end_time, datetime)


def test_exports_pass_the_c_suites_checker(out_dir, tmp_path):
    """JSON (jq, json), CSV, `promtool check metrics` and the HTML's seven
    panels in headless Chromium: the checker of tests/profiler_exports,
    run on a profile made from Python."""
    import os
    import pathlib
    import subprocess
    import sys

    here = pathlib.Path(__file__).resolve().parent
    checker = here.parent.parent / "tests" / "check_profiler_exports.sh"
    driver = tmp_path / "driver.sh"
    driver.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{here / "exports_driver.py"}" "$@"\n')
    driver.chmod(0o755)
    res = subprocess.run(["bash", str(checker), str(driver), str(out_dir / "exports")],
                         capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert res.returncode == 0, res.stdout + res.stderr
    assert "PASS" in res.stdout
