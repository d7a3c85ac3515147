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

import atexit as _atexit
import os as _os

from . import _ccmem
from ._config import AllocStats, Config, SMRStats, config
from ._queue import ConcurrentQueue
from ._skiplist import SkipListMap
from ._treemap import TreeMap
from ._profiler import MemoryProfiler
from ._reports import (
    AllocationRecord,
    FragmentationMetrics,
    MemoryProfilerReport,
    SizeHistogram,
    ThreadMemoryStats,
)

# at exit, nodes that can be freed are, and their references dropped while
# the interpreter can still run finalisers (maps still alive keep theirs)
_atexit.register(_ccmem.reclaim)

# a leak's stack starts at the user's line, not inside this package
_ccmem.set_internal_folder(_os.path.dirname(_os.path.abspath(__file__)))

__all__ = [
    "config",
    "Config",
    "AllocStats",
    "SMRStats",
    "ConcurrentQueue",
    "SkipListMap",
    "TreeMap",
    "MemoryProfiler",
    "MemoryProfilerReport",
    "AllocationRecord",
    "SizeHistogram",
    "ThreadMemoryStats",
    "FragmentationMetrics",
]
