"""SkipListMap: a lock-free ordered map of Python objects."""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, MutableMapping, ValuesView

from . import _ccmem

__all__ = ["SkipListMap"]

_FIRST, _LAST, _GE, _GT = _ccmem.SEEK_FIRST, _ccmem.SEEK_LAST, _ccmem.SEEK_GE, _ccmem.SEEK_GT


def _entries(m, start, stop):
    """(key, value) pairs with start <= key < stop, in key order, one seek each."""
    e = m._seek(_FIRST) if start is None else m._seek(_GE, start)
    while e is not None:
        k = e[0]
        if stop is not None and not k < stop:
            return
        yield e
        e = m._seek(_GT, k)


class _RangeMixin:
    __slots__ = ()

    def __init__(self, mapping, start=None, stop=None):
        self._mapping = mapping
        self._start = start
        self._stop = stop

    def _ranged(self) -> bool:
        return self._start is not None or self._stop is not None

    def _in_range(self, key) -> bool:
        return (self._start is None or not key < self._start) and (self._stop is None or key < self._stop)

    def __len__(self) -> int:
        if not self._ranged():
            return len(self._mapping)
        return sum(1 for _ in _entries(self._mapping, self._start, self._stop))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class SkipListKeysView(_RangeMixin, KeysView):
    __slots__ = ("_start", "_stop")

    def __iter__(self):
        for k, _ in _entries(self._mapping, self._start, self._stop):
            yield k

    def __contains__(self, key) -> bool:
        return self._in_range(key) and key in self._mapping


class SkipListValuesView(_RangeMixin, ValuesView):
    __slots__ = ("_start", "_stop")

    def __iter__(self):
        for _, v in _entries(self._mapping, self._start, self._stop):
            yield v


class SkipListItemsView(_RangeMixin, ItemsView):
    __slots__ = ("_start", "_stop")

    def __iter__(self):
        return _entries(self._mapping, self._start, self._stop)

    def __contains__(self, item) -> bool:
        key, value = item
        if not self._in_range(key):
            return False
        v = self._mapping.get(key, _MISSING)
        return v is not _MISSING and (v is value or v == value)


_MISSING = object()


class SkipListMap(_ccmem.OrderedMap, MutableMapping):
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
    ``pop`` included).  Iteration, ``keys/values/items(start, stop)`` and
    ``len`` are weakly consistent while other threads update the map, as in
    Java's ``ConcurrentSkipListMap``: in key order, each key at most once,
    every key present throughout the iteration is seen, and none is ever read
    from freed memory.  Ranges are ``start <= key < stop``.

    A value returned by a read stays alive even if another thread removes or
    replaces it at the same moment.  The map's own references are dropped
    when the reclamation scheme frees the node (``config.reclaim()`` forces
    what can be freed now).  An exception raised by a key's ``__lt__``
    propagates; if it came after the operation took effect (an insert that
    was already linked), the effect stands.

    Beyond ``MutableMapping``: ``first_key``, ``last_key``, ``floor_key``,
    ``ceiling_key``, ``lower_key``, ``higher_key``, ``put_if_absent``,
    ``replace``, ``replace_if``.
    """

    __slots__ = ()

    def __init__(self, other=(), /, *, scheme: str = "ibr", **kwargs):
        if other or kwargs:
            self.update(other, **kwargs)

    def __iter__(self):
        for k, _ in _entries(self, None, None):
            yield k

    def __reversed__(self):
        e = self._seek(_LAST)
        while e is not None:
            yield e[0]
            e = self._seek(_ccmem.SEEK_LT, e[0])

    def keys(self, start=None, stop=None) -> SkipListKeysView:
        """Keys with start <= key < stop (all by default), in order."""
        return SkipListKeysView(self, start, stop)

    def values(self, start=None, stop=None) -> SkipListValuesView:
        """Values of the keys with start <= key < stop, in key order."""
        return SkipListValuesView(self, start, stop)

    def items(self, start=None, stop=None) -> SkipListItemsView:
        """(key, value) pairs with start <= key < stop, in key order."""
        return SkipListItemsView(self, start, stop)

    def clear(self) -> None:
        """Removes every key (one by one: concurrent inserts may stay)."""
        e = self._seek(_FIRST)
        while e is not None:
            self.pop(e[0], None)
            e = self._seek(_GT, e[0])

    def popitem(self):
        """Removes and returns the (key, value) pair of the smallest key."""
        while True:
            e = self._seek(_FIRST)
            if e is None:
                raise KeyError("popitem(): the map is empty")
            v = self.pop(e[0], _MISSING)
            if v is not _MISSING:
                return e[0], v

    def __repr__(self) -> str:
        items = ", ".join(f"{k!r}: {v!r}" for k, v in self.items())
        return f"{type(self).__name__}({{{items}}}, scheme={self.scheme!r})"

    def __reduce__(self):
        return (_rebuild, (type(self), list(self.items()), self.scheme))


def _rebuild(cls, items, scheme):
    m = cls(scheme=scheme)
    m.update(items)
    return m
