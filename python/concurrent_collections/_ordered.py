"""What SkipListMap and TreeMap share: the Mapping methods written in
Python, the range views, and iteration by batches.

Both classes are the C type _ccmem.OrderedMap (one type; the class's
``_structure`` picks ccmem's skip list or tree) plus OrderedMapBase.
Iteration, ranges, ``reversed``, ``clear`` and the length of a range read
the map in batches of ``_BATCH`` entries, one call into C each
(``_scan``: one reclamation operation, the range's bound compared in C),
instead of one search per key.
"""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, MutableMapping, ValuesView
from itertools import chain

from . import _ccmem

_FIRST, _LAST = _ccmem.SEEK_FIRST, _ccmem.SEEK_LAST
_GE, _GT, _LT = _ccmem.SEEK_GE, _ccmem.SEEK_GT, _ccmem.SEEK_LT
_BATCH = 64
_MISSING = object()


def _batches(m, start, stop, keys_only, reverse=False):
    """Lists of keys (keys_only) or (key, value) pairs with start <= key <
    stop, in key order (descending when reverse), each from one _scan."""
    if not reverse:
        bound, after = stop, _GT
        batch = m._scan(_FIRST, None, bound, _BATCH, keys_only) if start is None else \
            m._scan(_GE, start, bound, _BATCH, keys_only)
    else:
        bound, after = start, _LT
        batch = m._scan(_LAST, None, bound, _BATCH, keys_only) if stop is None else \
            m._scan(_LT, stop, bound, _BATCH, keys_only)
    while batch:
        yield batch
        if len(batch) < _BATCH:
            return  # the end of the map or of the range
        last = batch[-1] if keys_only else batch[-1][0]
        batch = m._scan(after, last, bound, _BATCH, keys_only)


def _keys(m, start=None, stop=None, reverse=False):
    return chain.from_iterable(_batches(m, start, stop, True, reverse))


def _items(m, start=None, stop=None, reverse=False):
    return chain.from_iterable(_batches(m, start, stop, False, reverse))


class _RangeView:
    """A view of the keys with start <= key < stop (either end may be None)."""

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
        return self._mapping._count(self._start, self._stop)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class OrderedKeysView(_RangeView, KeysView):
    __slots__ = ("_start", "_stop")

    def __iter__(self):
        return _keys(self._mapping, self._start, self._stop)

    def __reversed__(self):
        return _keys(self._mapping, self._start, self._stop, reverse=True)

    def __contains__(self, key) -> bool:
        return self._in_range(key) and key in self._mapping


class OrderedValuesView(_RangeView, ValuesView):
    __slots__ = ("_start", "_stop")

    def __iter__(self):
        for _, v in _items(self._mapping, self._start, self._stop):
            yield v

    def __reversed__(self):
        for _, v in _items(self._mapping, self._start, self._stop, reverse=True):
            yield v


class OrderedItemsView(_RangeView, ItemsView):
    __slots__ = ("_start", "_stop")

    def __iter__(self):
        return _items(self._mapping, self._start, self._stop)

    def __reversed__(self):
        return _items(self._mapping, self._start, self._stop, reverse=True)

    def __contains__(self, item) -> bool:
        key, value = item
        if not self._in_range(key):
            return False
        v = self._mapping.get(key, _MISSING)
        return v is not _MISSING and (v is value or v == value)


class OrderedMapBase(MutableMapping):
    """The Python half of SkipListMap and TreeMap (the C half is
    _ccmem.OrderedMap: item access, len, the atomic updates, the ordered
    queries and _scan)."""

    __slots__ = ()

    def __init__(self, other=(), /, *, scheme: str = "ibr", **kwargs):
        if other or kwargs:
            self.update(other, **kwargs)

    def __iter__(self):
        return _keys(self)

    def __reversed__(self):
        return _keys(self, reverse=True)

    def keys(self, start=None, stop=None) -> OrderedKeysView:
        """Keys with start <= key < stop (all by default), in order."""
        return OrderedKeysView(self, start, stop)

    def values(self, start=None, stop=None) -> OrderedValuesView:
        """Values of the keys with start <= key < stop, in key order."""
        return OrderedValuesView(self, start, stop)

    def items(self, start=None, stop=None) -> OrderedItemsView:
        """(key, value) pairs with start <= key < stop, in key order."""
        return OrderedItemsView(self, start, stop)

    def clear(self) -> None:
        """Removes every key (one by one: concurrent inserts may stay)."""
        for batch in _batches(self, None, None, True):
            for k in batch:
                self.pop(k, None)

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
