"""SkipListMap: a lock-free ordered map of Python objects on a skip list."""

from __future__ import annotations

from . import _ccmem
from ._ordered import OrderedMapBase

__all__ = ["SkipListMap"]


class SkipListMap(_ccmem.OrderedMap, OrderedMapBase):
    """A lock-free ordered map (Fraser's skip list on ccmem's reclamation).

    ``SkipListMap(mapping_or_iterable=(), /, *, scheme="ibr", **kwargs)``.

    Keys are any objects with a total order by ``<`` (one kind per map, as
    for ``sorted()``; ``int``, ``float``, ``str`` and ``bytes`` compare in C
    without running Python code); two keys are the same key when neither is
    ``<`` the other.  Incomparable keys raise ``TypeError``, a NaN key raises
    ``ValueError``.  Values are any objects.

    ``scheme`` is the reclamation scheme of its nodes: ``"ibr"`` (default:
    garbage stays bounded even while a thread is stalled inside an operation,
    e.g. in a slow ``__lt__``) or ``"debra"`` (a little faster; garbage grows
    while a thread is stalled).  ``"debra+"`` is refused: comparisons run
    inside operations, and DEBRA+ may jump out of them.

    Every operation is lock-free and thread-safe; single-key operations are
    atomic (``put_if_absent``, ``replace``, ``replace_if``, ``setdefault``,
    ``pop`` included).  Iteration, ``reversed``, ``keys/values/items(start,
    stop)`` (and ``reversed`` of those) and ``len`` are weakly consistent
    while other threads update the map, as in Java's
    ``ConcurrentSkipListMap``: in key order, each key at most once, every key
    present throughout the iteration is seen, and none is ever read from
    freed memory.  Ranges are ``start <= key < stop``.  Iteration reads 64
    entries per call into the map.

    A value returned by a read stays alive even if another thread removes or
    replaces it at the same moment.  The map's own references are dropped
    when the reclamation scheme frees the node (``config.reclaim()`` forces
    what can be freed now).  An exception raised by a key's ``__lt__``
    propagates; if it came after the operation took effect (an insert that
    was already linked), the effect stands.

    Cost: O(log n) expected comparisons per operation (about 2 log2 n),
    whatever the order of insertion.  ``TreeMap`` has the same API on a
    binary search tree (fewer comparisons on random keys, no balance).

    Beyond ``MutableMapping``: ``first_key``, ``last_key``, ``floor_key``,
    ``ceiling_key``, ``lower_key``, ``higher_key``, ``put_if_absent``,
    ``replace``, ``replace_if``.
    """

    __slots__ = ()
    _structure = "skiplist"
