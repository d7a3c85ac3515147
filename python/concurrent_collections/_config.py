"""``config``: ccmem's run-time configuration, as attributes of one object.

Mirrors ``include/ccmem/alloc.h`` and ``include/ccmem/config.h``.  Every
setting is process-wide and may be changed from any thread at any time.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _ccmem

__all__ = ["Config", "AllocStats", "SMRStats", "config"]


@dataclass(frozen=True)
class AllocStats:
    """Allocation statistics of ccmem's glue (``config.alloc_stats()``)."""

    alloc_count: int
    free_count: int
    alloc_bytes: int
    free_bytes: int
    current_allocated: int   # live bytes, in usable sizes: 0 once every block is freed
    unsized_free_count: int = 0  # frees through cc_free_unsized (free_bytes counts their usable size)


@dataclass(frozen=True)
class SMRStats:
    """Reclamation statistics of one scheme's domain (``config.smr_stats()``)."""

    scheme: str
    retired: int        # nodes retired since the domain was created
    freed: int          # nodes freed
    pending: int        # retired - freed: garbage waiting for reclamation
    peak_pending: int   # largest pending seen (sampled at reclamation passes)
    epoch: int          # the global epoch now
    threads: int        # threads registered now
    orphaned: int = 0   # nodes handed over by exited threads, not yet freed
    signals: int = 0    # DEBRA+: neutralisation signals sent
    restarts: int = 0   # DEBRA+: operations restarted by a signal
    waits: int = 0      # DEBRA+: operations that waited for room (over 4 * neutralize_after)


class Config:
    """ccmem's configuration (use the module's ``config`` instance).

    Attributes:

    - ``enable_alloc_statistics`` (bool, read/write): count every
      allocation and free of the glue (per-thread counters, merged on read).
    - ``allocator`` (str, read/write): the backend of later allocations,
      one of ``allocators`` ("mimalloc", "system", "fault").  Blocks always
      go back to the allocator that produced them.
    - ``debug_fill`` (bool, read/write): fill fresh blocks with 0xA5 and
      freed ones with 0xDF.
    - ``fault_injected`` (int, read only): allocations failed on purpose.
    - ``statistics_compiled`` (bool, read only): False in a build
      configured with ``-DCC_ALLOC_STATS=OFF``; then switching statistics
      on raises RuntimeError.
    - ``cache_line_size`` (int, read only).

    Methods: ``alloc_stats()``, ``reset_alloc_stats()``,
    ``set_fault(nth=None, probability=None, seed=0)``.
    """

    __slots__ = ()
    _names = (
        "enable_alloc_statistics",
        "allocator",
        "allocators",
        "debug_fill",
        "fault_injected",
        "statistics_compiled",
        "cache_line_size",
        "alloc_stats",
        "reset_alloc_stats",
        "set_fault",
        "smr_stats",
        "reclaim",
    )
    _writable = ("enable_alloc_statistics", "allocator", "debug_fill")

    def __repr__(self) -> str:
        return (
            f"<concurrent_collections.config allocator={self.allocator!r} "
            f"enable_alloc_statistics={self.enable_alloc_statistics} debug_fill={self.debug_fill}>"
        )

    def __dir__(self):
        return list(self._names)

    def __getattr__(self, name):
        # only reached for names that do not exist
        raise AttributeError(
            f"config has no attribute {name!r}; valid attributes: {', '.join(self._names)}"
        )

    def __setattr__(self, name, value):
        if name not in self._writable:
            if name in self._names:
                raise AttributeError(
                    f"config.{name} is read-only; settable: {', '.join(self._writable)}"
                )
            raise AttributeError(
                f"config has no attribute {name!r}; settable attributes: {', '.join(self._writable)}"
            )
        object.__setattr__(self, name, value)

    @property
    def enable_alloc_statistics(self) -> bool:
        return bool(_ccmem.stats_enabled())

    @enable_alloc_statistics.setter
    def enable_alloc_statistics(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(
                f"enable_alloc_statistics must be a bool (True or False), not {type(value).__name__}"
            )
        _ccmem.set_stats_enabled(value)

    @property
    def statistics_compiled(self) -> bool:
        return bool(_ccmem.STATS_COMPILED)

    @property
    def cache_line_size(self) -> int:
        return _ccmem.CACHE_LINE_SIZE

    @property
    def allocators(self) -> tuple[str, ...]:
        return _ccmem.backend_names()

    @property
    def allocator(self) -> str:
        return _ccmem.backend()

    @allocator.setter
    def allocator(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"allocator must be a str, one of {self.allocators}, not {type(value).__name__}")
        if value not in self.allocators:
            raise ValueError(f"allocator must be one of {self.allocators}, got {value!r}")
        try:
            _ccmem.set_backend(value)
        except OSError as e:  # a build without mimalloc
            raise ValueError(f"allocator {value!r} is not available in this build: {e}") from None

    @property
    def debug_fill(self) -> bool:
        return bool(_ccmem.debug_fill())

    @debug_fill.setter
    def debug_fill(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"debug_fill must be a bool (True or False), not {type(value).__name__}")
        _ccmem.set_debug_fill(value)

    @property
    def fault_injected(self) -> int:
        return _ccmem.fault_injected()

    def set_fault(self, *, nth: int | None = None, probability: float | None = None, seed: int = 0) -> None:
        """Arm the "fault" allocator (select it with ``config.allocator = "fault"``).

        ``nth=N``: the N-th allocation from now fails (1 = the next).
        ``probability=p, seed=s``: each fails with probability p in [0, 1],
        drawn from a generator seeded with s.  No argument (or 0) disarms.
        A failed allocation raises MemoryError in the collections.
        """
        if nth is not None and probability is not None:
            raise ValueError("set_fault takes nth or probability, not both")
        for name, v in (("nth", nth), ("seed", seed)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                raise TypeError(f"{name} must be an int, not {type(v).__name__}")
            if v is not None and not (0 <= v < 2**64):
                raise ValueError(f"{name} must lie in [0, 2**64), got {v}")
        if probability is not None:
            if isinstance(probability, bool) or not isinstance(probability, (int, float)):
                raise TypeError(f"probability must be a float in [0, 1], not {type(probability).__name__}")
            if not (0.0 <= probability <= 1.0):
                raise ValueError(f"probability must lie in [0, 1], got {probability!r}")
            _ccmem.fault_random(float(probability), seed)
        else:
            _ccmem.fault_nth(nth or 0)

    def smr_stats(self, scheme: str = "ibr") -> SMRStats:
        """Reclamation statistics of the domain that the collections of
        ``scheme`` ("ibr", "debra", "debra+") share (zeros before its first use)."""
        return SMRStats(scheme=scheme, **_ccmem.smr_stats(scheme))

    def reclaim(self) -> int:
        """Frees what can be freed now: polls every domain from this thread
        and releases the references of reclaimed nodes.  Returns the nodes
        still pending (held back by a thread inside an operation)."""
        return _ccmem.reclaim()

    def alloc_stats(self) -> AllocStats:
        """The statistics so far (raises RuntimeError if compiled out)."""
        if not _ccmem.STATS_COMPILED:
            raise RuntimeError("allocation statistics are compiled out of this build of ccmem (CC_ALLOC_STATS=OFF)")
        return AllocStats(*_ccmem.alloc_stats())

    def reset_alloc_stats(self) -> None:
        """Cumulative counters start again from zero (current_allocated keeps tracking live bytes)."""
        if not _ccmem.STATS_COMPILED:
            raise RuntimeError("allocation statistics are compiled out of this build of ccmem (CC_ALLOC_STATS=OFF)")
        _ccmem.reset_alloc_stats()


config = Config()
