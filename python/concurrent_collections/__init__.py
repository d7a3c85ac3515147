"""concurrent_collections: ccmem's allocation glue, statistics and memory
profiler for Python.

    from concurrent_collections import config, MemoryProfiler

    config.enable_alloc_statistics = True
    stats = config.alloc_stats()

    with MemoryProfiler() as prof:
        ...
    report = prof.report()

See the README's "Python" section.
"""

from ._config import AllocStats, Config, config
from ._profiler import MemoryProfiler
from ._reports import (
    AllocationRecord,
    FragmentationMetrics,
    MemoryProfilerReport,
    SizeHistogram,
    ThreadMemoryStats,
)

__all__ = [
    "config",
    "Config",
    "AllocStats",
    "MemoryProfiler",
    "MemoryProfilerReport",
    "AllocationRecord",
    "SizeHistogram",
    "ThreadMemoryStats",
    "FragmentationMetrics",
]
