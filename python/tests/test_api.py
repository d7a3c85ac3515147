"""The public names, fields and signatures are exactly the design's
(shared/seeds: "Python API" and "MemoryProfiler")."""

import dataclasses
import inspect

import concurrent_collections as cc
from concurrent_collections import (
    AllocationRecord,
    FragmentationMetrics,
    MemoryProfiler,
    MemoryProfilerReport,
    SizeHistogram,
    ThreadMemoryStats,
    config,
)

# Written from the design, field by field, in its order, with its types.
SEED_FIELDS = {
    AllocationRecord: [
        ("ptr", "int"), ("size", "int"), ("timestamp", "float"), ("thread_id", "int"),
        ("stack_trace", "list[str] | None"),
    ],
    SizeHistogram: [("buckets", "dict[str, int]"), ("total_count", "int"), ("total_bytes", "int")],
    ThreadMemoryStats: [
        ("thread_id", "int"), ("thread_name", "str | None"), ("alloc_count", "int"), ("free_count", "int"),
        ("alloc_bytes", "int"), ("free_bytes", "int"), ("cross_thread_frees_sent", "int"),
        ("cross_thread_frees_received", "int"),
    ],
    FragmentationMetrics: [
        ("internal_fragmentation", "float"), ("external_fragmentation", "float"),
        ("largest_free_block", "int"), ("free_block_count", "int"), ("utilization", "float"),
    ],
    MemoryProfilerReport: [
        ("alloc_count", "int"), ("free_count", "int"), ("alloc_bytes", "int"), ("free_bytes", "int"),
        ("current_allocated", "int"), ("peak_allocated", "int"),
        ("alloc_rate", "float"), ("free_rate", "float"), ("bytes_rate", "float"),
        ("alloc_latency_p50", "float"), ("alloc_latency_p95", "float"), ("alloc_latency_p99", "float"),
        ("alloc_latency_p999", "float"), ("free_latency_p50", "float"), ("free_latency_p95", "float"),
        ("free_latency_p99", "float"), ("free_latency_p999", "float"),
        ("cross_thread_free_count", "int"), ("cross_thread_free_pct", "float"),
        ("size_histogram", "SizeHistogram"), ("thread_stats", "list[ThreadMemoryStats]"),
        ("fragmentation", "FragmentationMetrics"),
        ("leaked_allocations", "list[AllocationRecord] | None"), ("leaked_bytes", "int"),
        ("duration_seconds", "float"), ("start_time", "datetime"), ("end_time", "datetime"),
    ],
}

SEED_PROFILER_OPTIONS = [
    ("track_sizes", True), ("track_latency", True), ("track_per_thread", False), ("track_cross_thread", True),
    ("detect_leaks", False), ("capture_stacks", False), ("sample_rate", 1.0), ("latency_buckets", 1000),
]


def test_dataclass_fields_are_the_seeds():
    for cls, seed in SEED_FIELDS.items():
        assert dataclasses.is_dataclass(cls), cls
        fields = [(f.name, f.type) for f in dataclasses.fields(cls)]
        assert fields[: len(seed)] == seed, cls.__name__
        # fields beyond the design's all have defaults, so its positional order stands
        for f in dataclasses.fields(cls)[len(seed):]:
            assert f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING, f.name


def test_profiler_signature_is_the_seeds():
    params = list(inspect.signature(MemoryProfiler.__init__).parameters.values())[1:]
    got = [(p.name, p.default) for p in params[: len(SEED_PROFILER_OPTIONS)]]
    assert got == SEED_PROFILER_OPTIONS
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
    for name in ("__enter__", "__exit__", "start", "stop", "snapshot", "report", "reset",
                 "to_json", "to_csv", "to_html", "to_prometheus"):
        assert callable(getattr(MemoryProfiler, name)), name
    for name in ("to_json", "to_csv", "to_html"):
        assert list(inspect.signature(getattr(MemoryProfiler, name)).parameters) == ["self", "path"]
    sig = inspect.signature(SizeHistogram.hot_sizes)
    assert sig.parameters["top_n"].default == 5
    assert sig.return_annotation == "list[tuple[str, int]]"


def test_config_names():
    assert type(config.enable_alloc_statistics) is bool
    s = config.alloc_stats()
    assert dataclasses.is_dataclass(s)
    assert [f.name for f in dataclasses.fields(s)][:5] == [
        "alloc_count", "free_count", "alloc_bytes", "free_bytes", "current_allocated"]
    assert "unsized_free_count" in [f.name for f in dataclasses.fields(s)]
    assert callable(config.reset_alloc_stats)
    assert config.allocator in ("mimalloc", "system", "fault")
    assert config.allocators == ("mimalloc", "system", "fault")
    assert type(config.debug_fill) is bool
    for name in cc.__all__:
        assert hasattr(cc, name), name


def test_alloc_stats_is_frozen():
    s = config.alloc_stats()
    try:
        s.alloc_count = 1
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("alloc_stats() result is mutable")


def test_hot_sizes_orders_by_count_then_size():
    h = SizeHistogram(buckets={"1-8": 5, "9-16": 9, "17-32": 5, "33-64": 1}, total_count=20, total_bytes=300)
    assert h.hot_sizes() == [("9-16", 9), ("1-8", 5), ("17-32", 5), ("33-64", 1)]
    assert h.hot_sizes(2) == [("9-16", 9), ("1-8", 5)]
    assert h.hot_sizes(0) == []
    for bad, exc in ((-1, ValueError), (2.0, TypeError), ("3", TypeError)):
        try:
            h.hot_sizes(bad)
        except exc as e:
            assert "top_n" in str(e)
        else:
            raise AssertionError(bad)
