"""TreeMap: a lock-free ordered map of Python objects on a binary search tree."""

from __future__ import annotations

from . import _ccmem
from ._ordered import OrderedMapBase

__all__ = ["TreeMap"]


class TreeMap(_ccmem.OrderedMap, OrderedMapBase):
    """A lock-free ordered map (Natarajan and Mittal's external binary search
    tree on ccmem's reclamation).

    ``TreeMap(mapping_or_iterable=(), /, *, scheme="ibr", **kwargs)``.

    The API and its guarantees are ``SkipListMap``'s: keys are any objects
    with a total order by ``<`` (one kind per map; ``int``, ``float``,
    ``str`` and ``bytes`` compare in C without running Python code), two
    keys are the same key when neither is ``<`` the other, incomparable keys
    raise ``TypeError`` and a NaN key ``ValueError``; values are any objects.
    ``scheme`` is ``"ibr"`` (default, garbage bounded while a thread stalls
    inside an operation) or ``"debra"``; ``"debra+"`` is refused, because
    comparisons run inside operations and DEBRA+ may jump out of them.

    Every operation is lock-free and thread-safe; single-key operations are
    atomic (``put_if_absent``, ``replace``, ``replace_if``, ``setdefault``,
    ``pop`` included).  Iteration, ``reversed``, ``keys/values/items(start,
    stop)`` and ``len`` are weakly consistent while other threads update the
    map (as Java's ``ConcurrentSkipListMap``): in key order, each key at most
    once, every key present throughout the iteration seen, nothing read from
    freed memory.  Ranges are ``start <= key < stop``.  Iteration reads 64
    entries per call into the map (an in-order walk of the tree).

    A value returned by a read stays alive even if another thread removes or
    replaces it at the same moment; the map's own references (including the
    ones its routing nodes hold on keys) are dropped when the reclamation
    scheme frees the nodes.  An exception raised by a key's ``__lt__``
    propagates; if it came after the operation took effect (a removal whose
    clean-up needed a comparison), the effect stands and the removed key's
    leaf is unlinked by a later operation.

    Cost: one comparison per tree level.  The tree is not balanced: keys
    inserted in random order give a depth of about 1.4 log2 n (fewer
    comparisons than the skip list's 2 log2 n), but keys inserted in sorted
    order make it a list, and every operation O(n).  Prefer ``SkipListMap``
    when keys may arrive sorted.

    Beyond ``MutableMapping``: ``first_key``, ``last_key``, ``floor_key``,
    ``ceiling_key``, ``lower_key``, ``higher_key``, ``put_if_absent``,
    ``replace``, ``replace_if``.
    """

    __slots__ = ()
    _structure = "tree"
