"""The report types of MemoryProfiler, exactly as the design names them.

Fields beyond the design's come after its own, each with a default, so the
design's positional order is unchanged.  Counts and bytes are ``int``, rates
and shares ``float``, latencies nanoseconds.  At ``sample_rate < 1`` every
figure except ``alloc_count`` is an estimate (see ``sampled_allocs`` and
the accuracy notes in ``include/ccmem/profiler.h``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "AllocationRecord",
    "SizeHistogram",
    "ThreadMemoryStats",
    "FragmentationMetrics",
    "MemoryProfilerReport",
]


@dataclass
class AllocationRecord:
    """Individual allocation tracking (when leak detection enabled)."""

    ptr: int                        # Memory address
    size: int                       # Allocation size (bytes requested)
    timestamp: float                # When allocated: Unix time, seconds
    thread_id: int                  # Allocating thread (native id, as threading.get_native_id())
    stack_trace: list[str] | None   # Python frames "file:line in function", innermost
                                    # first, then native frames; None without capture_stacks


@dataclass
class SizeHistogram:
    """Distribution of allocation sizes."""

    buckets: dict[str, int]         # "1-8": count, "9-16": count, ... (non-empty, by size)
    total_count: int
    total_bytes: int
    bucket_bytes: dict[str, int] = field(default_factory=dict)  # bytes per bucket

    def hot_sizes(self, top_n: int = 5) -> list[tuple[str, int]]:
        """Return most frequent allocation size ranges.

        At most ``top_n`` ``(range, count)`` pairs, most frequent first;
        equal counts keep the smaller sizes first.
        """
        if isinstance(top_n, bool) or not isinstance(top_n, int):
            raise TypeError(f"top_n must be an int, not {type(top_n).__name__}")
        if top_n < 0:
            raise ValueError(f"top_n must be >= 0, got {top_n}")
        ranked = sorted(self.buckets.items(), key=lambda kv: -kv[1])  # stable: size order on ties
        return ranked[:top_n]


@dataclass
class ThreadMemoryStats:
    """Per-thread memory statistics."""

    thread_id: int                    # native thread id (threading.get_native_id())
    thread_name: str | None           # threading.Thread.name, else the native name
    alloc_count: int
    free_count: int
    alloc_bytes: int
    free_bytes: int
    cross_thread_frees_sent: int      # Frees of ptrs allocated by this thread
    cross_thread_frees_received: int  # Frees this thread did for other threads
    index: int = 0                    # row and column in cross_thread_flow


@dataclass
class FragmentationMetrics:
    """Memory fragmentation analysis."""

    internal_fragmentation: float     # Wasted space within allocations (padding)
    external_fragmentation: float     # Wasted space between allocations
    largest_free_block: int           # Bytes
    free_block_count: int
    utilization: float                # allocated / (allocated + free)
    committed_bytes: int = 0          # what the shares are relative to
    source: str = "none"              # "mimalloc heap areas", "sanitizer allocator", "none"


@dataclass
class MemoryProfilerReport:
    """Complete memory profiler report."""

    # Basic statistics
    alloc_count: int
    free_count: int
    alloc_bytes: int
    free_bytes: int
    current_allocated: int
    peak_allocated: int

    # Rate metrics
    alloc_rate: float                 # Allocations per second
    free_rate: float                  # Frees per second
    bytes_rate: float                 # Bytes allocated per second

    # Latency percentiles (nanoseconds)
    alloc_latency_p50: float
    alloc_latency_p95: float
    alloc_latency_p99: float
    alloc_latency_p999: float
    free_latency_p50: float
    free_latency_p95: float
    free_latency_p99: float
    free_latency_p999: float

    # Cross-thread analysis
    cross_thread_free_count: int
    cross_thread_free_pct: float

    # Distributions
    size_histogram: SizeHistogram
    thread_stats: list[ThreadMemoryStats]
    fragmentation: FragmentationMetrics

    # Leak detection (if enabled)
    leaked_allocations: list[AllocationRecord] | None
    leaked_bytes: int

    # Timing
    duration_seconds: float
    start_time: datetime
    end_time: datetime

    # Beyond the design
    peak_time: float = 0.0                    # seconds after start_time
    peak_allocated_upper_bound: int = 0       # the true peak lies in [peak_allocated, this]
    unsized_free_count: int = 0
    alloc_rate_ewma: float = 0.0              # moving averages (time constant 1 s) at the end
    free_rate_ewma: float = 0.0
    bytes_rate_ewma: float = 0.0
    alloc_latency_mean: float = 0.0
    free_latency_mean: float = 0.0
    latency_relative_error: float = 0.0       # bound on the percentiles' relative error
    alloc_latency_samples: int = 0            # events timed
    free_latency_samples: int = 0
    latency_histogram: list[tuple[float, float, int, int]] = field(default_factory=list)
    """(lo_ns, hi_ns, alloc_count, free_count) of each non-empty latency bucket."""
    cross_thread_flow: list[list[int]] = field(default_factory=list)
    """flow[i][j]: frees on the thread of index i of blocks from the thread of index j."""
    leak_count: int = 0
    leaked_bytes_estimate: float = 0.0
    timeline: list[tuple[float, int]] = field(default_factory=list)
    """(seconds since start, current_allocated) points of the memory timeline."""
    sample_rate: float = 1.0
    sampled_allocs: int = 0
    sampled_frees: int = 0
    recommendations: list[str] = field(default_factory=list)
    running: bool = False                     # True for a snapshot of a running profiler
