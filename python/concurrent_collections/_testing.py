"""Test-only helpers: blocks allocated and freed through ccmem's glue.

Not part of the public API.  ``alloc`` returns a Blocks handle; ``free``
takes it back once (on any thread), so a test cannot free what it did not
allocate or free twice.
"""

from __future__ import annotations

import threading

from . import _ccmem

_lock = threading.Lock()
_live: set[int] = set()


class Blocks:
    """``count`` live blocks of ``size`` bytes from cc_alloc."""

    __slots__ = ("size", "addresses")

    def __init__(self, size: int, addresses: list[int]):
        self.size = size
        self.addresses = addresses

    def __len__(self) -> int:
        return len(self.addresses)


def alloc(size: int, count: int = 1) -> Blocks:
    """``count`` blocks of ``size`` bytes through cc_alloc (on this thread)."""
    addrs = _ccmem._test_alloc(size, count)
    with _lock:
        _live.update(addrs)
    return Blocks(size, addrs)


def free(blocks: Blocks, *, sized: bool = True) -> None:
    """Frees every block of ``blocks`` through cc_free (or cc_free_unsized)."""
    with _lock:
        if any(a not in _live for a in blocks.addresses):
            raise ValueError("blocks already freed, or not from alloc()")
        _live.difference_update(blocks.addresses)
    addrs, blocks.addresses = blocks.addresses, []
    _ccmem._test_free(addrs, blocks.size, sized)


def churn(size: int, count: int) -> None:
    """``count`` cc_alloc + cc_free pairs of ``size`` bytes."""
    _ccmem._test_churn(size, count)
