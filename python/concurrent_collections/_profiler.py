"""MemoryProfiler: ccmem's memory profiler for Python programs.

It sees every block that ccmem's allocation glue hands out or takes back
(``cc_alloc``/``cc_free``: the nodes of this package's collections and of
any C code on libccmem), not the interpreter's own objects; pair it with
``tracemalloc`` for those.  One profiler runs at a time in a process.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from . import _ccmem, _threads
from ._reports import (
    AllocationRecord,
    FragmentationMetrics,
    MemoryProfilerReport,
    SizeHistogram,
    ThreadMemoryStats,
)

__all__ = ["MemoryProfiler"]

_BOOL_OPTIONS = (
    "track_sizes",
    "track_latency",
    "track_per_thread",
    "track_cross_thread",
    "detect_leaks",
    "capture_stacks",
)


def _check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool (True or False), not {type(value).__name__}")
    return value


def _check_rate(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a float in (0, 1], not {type(value).__name__}")
    value = float(value)
    if not (0.0 < value <= 1.0):  # NaN fails too
        raise ValueError(f"{name} must lie in (0, 1] (1.0 = every allocation), got {value!r}")
    return value


def _check_int(name: str, value, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not (lo <= value <= hi):
        raise ValueError(f"{name} must lie in [{lo}, {hi}]{what}, got {value}")
    return value


def _path(name: str, path) -> str | bytes:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{name}: path must be a str or os.PathLike, not {type(path).__name__}")
    return os.fspath(path)


class MemoryProfiler:
    """Profile ccmem's allocations: sizes, latency, threads, fragmentation, leaks.

    Use it as a context manager (``with MemoryProfiler() as prof: ...``,
    then ``prof.report()``) or call ``start()`` and ``stop()``.

    Options (keyword only; the design's defaults):

    - ``track_sizes``: size histogram.
    - ``track_latency``: alloc/free latency percentiles (a share of the
      events is timed: ``latency_sample_rate``).
    - ``track_per_thread``: ``thread_stats`` (otherwise an empty list).
    - ``track_cross_thread``: frees on a thread other than the allocating one.
    - ``detect_leaks``: ``leaked_allocations`` lists the blocks still live
      at ``stop()`` (``None`` when off).
    - ``capture_stacks``: each leaked block's stack: the Python frames
      ("file:line in function", innermost first), then the native ones.
      Only with ``detect_leaks``; costs a stack walk per sampled allocation.
    - ``sample_rate``: share of the allocations profiled, in (0, 1].
      Below 1, ``alloc_count`` stays exact and the other figures are
      estimates (scaled by alloc_count / sampled_allocs).
    - ``latency_buckets``: size of the latency histograms, in
      [37, 4096]; more buckets, finer percentiles
      (``latency_relative_error``: 1.6 % with 1000).

    Beyond the design: ``latency_sample_rate`` (share of events timed,
    default 0.125), ``max_stack_frames`` (1..32, default 32 with Python
    frames), ``timeline_interval_ms`` (default 10), ``max_leak_records``
    (leaks listed, default 65536, 0 = all).

    Errors: a bad option raises ``TypeError`` or ``ValueError`` naming it
    and what is valid; starting while another profiler runs, ``report()``
    before ``stop()`` and ``stop()`` when not running raise
    ``RuntimeError``; an export to a path that cannot be written raises
    ``OSError`` with its errno and filename.  A profiler garbage-collected
    while running stops.  No error changes how allocation behaves.

    Thread safety: any thread may allocate while it runs; its methods may
    be called from any thread (they are serialised per profiler).
    """

    def __init__(
        self,
        *,
        track_sizes: bool = True,
        track_latency: bool = True,
        track_per_thread: bool = False,
        track_cross_thread: bool = True,
        detect_leaks: bool = False,
        capture_stacks: bool = False,      # For leak detection
        sample_rate: float = 1.0,          # 1.0 = all, 0.1 = 10%
        latency_buckets: int = 1000,       # For percentile calculation
        latency_sample_rate: float = 0.125,
        max_stack_frames: int = 32,
        timeline_interval_ms: int = 10,
        max_leak_records: int = 65536,
    ):
        """Initialize memory profiler with specified features."""
        opts = {}
        for name in _BOOL_OPTIONS:
            opts[name] = _check_bool(name, locals()[name])
        opts["sample_rate"] = _check_rate("sample_rate", sample_rate)
        opts["latency_sample_rate"] = _check_rate("latency_sample_rate", latency_sample_rate)
        opts["latency_buckets"] = _check_int(
            "latency_buckets", latency_buckets, _ccmem.MIN_LATENCY_BUCKETS, _ccmem.MAX_LATENCY_BUCKETS, ""
        )
        opts["max_stack_frames"] = _check_int("max_stack_frames", max_stack_frames, 1, 32, "")
        opts["timeline_interval_ms"] = _check_int(
            "timeline_interval_ms", timeline_interval_ms, 1, 60000, " milliseconds"
        )
        opts["max_leak_records"] = _check_int(
            "max_leak_records", max_leak_records, 0, 2**32 - 1, " (0 = all)"
        )
        self._options = opts
        self._prof = _ccmem.Profiler(**opts)
        self._running = False

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        shown = ", ".join(f"{k}={v!r}" for k, v in self._options.items())
        return f"<MemoryProfiler {state} {shown}>"

    def __del__(self):
        # collected while running: the extension object stops the C profiler
        if getattr(self, "_running", False):
            self._running = False
            _threads.stop()

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._running

    def __enter__(self) -> "MemoryProfiler":
        """Start profiling."""
        self.start()
        return self

    def __exit__(self, *args) -> None:
        """Stop profiling."""
        if self._running:
            self.stop()

    def start(self) -> None:
        """Start profiling (alternative to context manager)."""
        self._prof.start()
        self._running = True
        _threads.start()

    def stop(self) -> None:
        """Stop profiling."""
        self._prof.stop()
        self._running = False
        _threads.stop()

    def snapshot(self) -> MemoryProfilerReport:
        """Get current statistics without stopping."""
        return _report(self._prof.snapshot())

    def report(self) -> MemoryProfilerReport:
        """Get final report (call after stop)."""
        return _report(self._prof.report())

    def reset(self) -> None:
        """Reset all statistics."""
        self._prof.reset()

    # Export methods
    def to_json(self, path: str | os.PathLike) -> None:
        """Export report to JSON."""
        self._prof.to_json(_path("to_json", path))

    def to_csv(self, path: str | os.PathLike) -> None:
        """Export report to CSV."""
        self._prof.to_csv(_path("to_csv", path))

    def to_html(self, path: str | os.PathLike) -> None:
        """Generate HTML dashboard report."""
        self._prof.to_html(_path("to_html", path))

    def to_prometheus(self) -> str:
        """Export metrics in Prometheus format."""
        return self._prof.to_prometheus()


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


def _report(d: dict) -> MemoryProfilerReport:
    """The dataclasses of a report dict from _ccmem."""
    h = d["size_histogram"]
    hist = SizeHistogram(
        buckets={b["label"]: b["count"] for b in h["buckets"]},
        total_count=h["total_count"],
        total_bytes=h["total_bytes"],
        bucket_bytes={b["label"]: b["bytes"] for b in h["buckets"]},
    )
    names = _threads.names() if d["thread_stats"] else {}
    threads = [
        ThreadMemoryStats(
            thread_id=t["thread_id"],
            thread_name=names.get(t["thread_id"], t["thread_name"] or None),
            alloc_count=t["alloc_count"],
            free_count=t["free_count"],
            alloc_bytes=t["alloc_bytes"],
            free_bytes=t["free_bytes"],
            cross_thread_frees_sent=t["cross_thread_frees_sent"],
            cross_thread_frees_received=t["cross_thread_frees_received"],
            index=t["index"],
        )
        for t in (d["thread_stats"] or ())
    ]
    f = d["fragmentation"]
    frag = FragmentationMetrics(**f)
    start = d["start_time"]
    leaks = d["leaked_allocations"]
    if leaks is not None:
        leaks = [
            AllocationRecord(
                ptr=a["ptr"],
                size=a["size"],
                timestamp=start + a["timestamp"],
                thread_id=a["thread_id"],
                stack_trace=a["stack_trace"],
            )
            for a in leaks
        ]
    lat = [
        (lo, hi, a, fr)
        for lo, hi, a, fr in zip(d["latency_lo"], d["latency_hi"], d["alloc_latency_counts"], d["free_latency_counts"])
        if a or fr
    ]
    end = d["end_time"]
    return MemoryProfilerReport(
        alloc_count=d["alloc_count"],
        free_count=d["free_count"],
        alloc_bytes=d["alloc_bytes"],
        free_bytes=d["free_bytes"],
        current_allocated=d["current_allocated"],
        peak_allocated=d["peak_allocated"],
        alloc_rate=d["alloc_rate"],
        free_rate=d["free_rate"],
        bytes_rate=d["bytes_rate"],
        alloc_latency_p50=d["alloc_latency_p50"],
        alloc_latency_p95=d["alloc_latency_p95"],
        alloc_latency_p99=d["alloc_latency_p99"],
        alloc_latency_p999=d["alloc_latency_p999"],
        free_latency_p50=d["free_latency_p50"],
        free_latency_p95=d["free_latency_p95"],
        free_latency_p99=d["free_latency_p99"],
        free_latency_p999=d["free_latency_p999"],
        cross_thread_free_count=d["cross_thread_free_count"],
        cross_thread_free_pct=d["cross_thread_free_pct"],
        size_histogram=hist,
        thread_stats=threads,
        fragmentation=frag,
        leaked_allocations=leaks,
        leaked_bytes=d["leaked_bytes"],
        duration_seconds=d["duration_seconds"],
        start_time=_utc(start),
        end_time=_utc(end if end >= start else start + d["duration_seconds"]),
        peak_time=d["peak_time"],
        peak_allocated_upper_bound=d["peak_allocated_upper_bound"],
        unsized_free_count=d["unsized_free_count"],
        alloc_rate_ewma=d["alloc_rate_ewma"],
        free_rate_ewma=d["free_rate_ewma"],
        bytes_rate_ewma=d["bytes_rate_ewma"],
        alloc_latency_mean=d["alloc_latency_mean"],
        free_latency_mean=d["free_latency_mean"],
        latency_relative_error=d["latency_relative_error"],
        alloc_latency_samples=d["alloc_latency_samples"],
        free_latency_samples=d["free_latency_samples"],
        latency_histogram=lat,
        cross_thread_flow=d["cross_thread_flow"],
        leak_count=d["leak_count"],
        leaked_bytes_estimate=d["leaked_bytes_estimate"],
        timeline=[(p["t"], p["current"]) for p in d["timeline"]],
        sample_rate=d["sample_rate"],
        sampled_allocs=d["sampled_allocs"],
        sampled_frees=d["sampled_frees"],
        recommendations=d["recommendations"],
        running=d["running"],
    )
