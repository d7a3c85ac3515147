"""Iteration and ranges by batches (_scan, 64 entries a call) on SkipListMap
and TreeMap: batch boundaries, a stop bound inside a batch (the entries read
past it are released), removals during a scan, a comparison raising in the
middle of a batch, and the reentrancy of a map used from inside a key
comparison."""

import random
import sys
import threading
import time

import pytest

from concurrent_collections import ConcurrentQueue, SkipListMap, TreeMap, config
from concurrent_collections._ordered import _BATCH

SCHEMES = ["ibr", "debra"]


@pytest.fixture(params=[SkipListMap, TreeMap], ids=["skiplist", "tree"])
def cls(request):
    return request.param


@pytest.fixture(params=SCHEMES)
def scheme(request):
    return request.param


@pytest.mark.parametrize("n", [0, 1, _BATCH - 1, _BATCH, _BATCH + 1, 2 * _BATCH, 2 * _BATCH + 1, 300])
def test_batch_boundaries(cls, scheme, n):
    keys = random.Random(n).sample(range(10 * n + 10), n)
    m = cls({k: -k for k in keys}, scheme=scheme)
    s = sorted(keys)
    assert list(m) == s and list(reversed(m)) == s[::-1]
    assert list(m.items()) == [(k, -k) for k in s] and list(m.values()) == [-k for k in s]
    assert list(reversed(m.items())) == [(k, -k) for k in reversed(s)]
    # ranges whose ends fall anywhere, batch boundaries included
    probes = sorted(set(s[i] for i in range(0, n, 7)) | {-1, 10 * n + 20} | set(s[_BATCH - 2:_BATCH + 2]))
    for a in probes[::3]:
        for b in probes[::2]:
            want = [k for k in s if a <= k < b]
            assert list(m.keys(a, b)) == want
            assert list(reversed(m.keys(a, b))) == want[::-1]
            assert len(m.keys(a, b)) == len(want)
            assert list(m.values(a, b)) == [-k for k in want]
    assert len(m.keys(start=-1)) == n and len(m.keys(stop=10 * n + 20)) == n
    m.clear()
    assert len(m) == 0 and list(m) == [] and m._check() == 0


def test_iteration_reads_batches(cls):
    """One call into C per 64 entries, not one per key."""
    m = cls({k: k for k in range(1000)})
    calls = [0]
    real = type(m)._scan

    class Counting(cls):
        __slots__ = ()

        def _scan(self, *a):
            calls[0] += 1
            return real(self, *a)

    c = Counting(m)
    assert list(c) == list(range(1000))
    assert calls[0] == 1000 // _BATCH + 1
    calls[0] = 0
    assert list(c.keys(100, 150)) == list(range(100, 150)) and calls[0] == 1  # the stop ends it in C
    calls[0] = 0
    assert list(reversed(c)) == list(range(999, -1, -1)) and calls[0] == 1000 // _BATCH + 1


class Counted:
    """A value whose references are counted by sys.getrefcount."""


def test_stop_inside_a_batch_releases_what_was_read_past_it(cls, scheme):
    vals = [Counted() for _ in range(200)]
    base = [sys.getrefcount(v) for v in vals]
    m = cls({k: vals[k] for k in range(200)}, scheme=scheme)
    held = [sys.getrefcount(v) for v in vals]
    got = list(m.items(10, 30))  # the batch reads 64 entries, 44 past the stop
    assert [k for k, _ in got] == list(range(10, 30))
    del got
    assert [sys.getrefcount(v) for v in vals] == held
    got = list(reversed(m.values(150, 190)))
    assert got == [vals[k] for k in range(189, 149, -1)]
    del got
    assert [sys.getrefcount(v) for v in vals] == held
    del m
    config.reclaim()
    assert [sys.getrefcount(v) for v in vals] == base


def test_removal_during_a_scan(cls, scheme):
    """Keys removed while an iteration runs (by the iterating thread, ahead
    of it and behind it): in order, each at most once, every key never
    removed seen."""
    m = cls({k: k for k in range(1000)}, scheme=scheme)
    seen = []
    for k in m:
        seen.append(k)
        for j in (k - 3, k + 5, k + 301):  # behind, maybe in this batch, in a later one
            if j % 2:
                m.pop(j, None)
    assert seen == sorted(set(seen))
    assert all(k in seen for k in range(0, 1000, 2))
    # an odd key j >= 301 went when j - 301 was visited, before j's batch
    # (64 keys span at most 128 values here) was read
    assert all(k % 2 == 0 for k in seen if k >= 301)
    assert m._check() == len(m) == 500


def test_concurrent_removal_during_scans(cls, scheme):
    """Another thread removes and inserts odd keys while scans run: each
    scan is in order, has each key at most once, and has every even key
    (never touched) of its range."""
    m = cls({k: k for k in range(2000)}, scheme=scheme)
    stop = time.monotonic() + 1.0
    bad = []

    def churn():
        rnd = random.Random(1)
        while time.monotonic() < stop:
            k = 2 * rnd.randrange(1000) + 1
            if m.pop(k, None) is None:
                m[k] = k

    t = threading.Thread(target=churn)
    t.start()
    scans = 0
    rnd = random.Random(2)
    while time.monotonic() < stop:
        a = rnd.randrange(2000)
        b = a + rnd.randrange(400)
        items = list(m.items(a, b))
        if any(k != v for k, v in items):
            bad.append(("value", a, b))
        for it in ([k for k, _ in items], list(reversed(m.keys(a, b)))[::-1]):
            if it != sorted(set(it)) or any(k < a or k >= b for k in it):
                bad.append(("order", a, b))
            if not set(range(a + a % 2, min(b, 2000), 2)) <= set(it):
                bad.append(("missing", a, b))
        scans += 1
    t.join()
    assert not bad, bad[:5]
    assert scans > 10
    assert m._check() == len(m)


class Bomb(Exception):
    pass


class Key:
    __slots__ = ("n",)
    armed = None  # a key number whose comparison with a Stop raises

    def __init__(self, n):
        self.n = n

    def __lt__(self, other):
        if isinstance(other, Stop):
            if self.n == Key.armed:
                raise Bomb()
            return self.n < other.n
        return self.n < other.n


class Stop(Key):
    __slots__ = ()

    def __lt__(self, other):
        return self.n < other.n


def test_bound_comparison_raising_mid_batch(cls, scheme):
    """The bound is compared with a batch's entries outside the map's
    operation (its last entry first, then bisection); a comparison raising
    there propagates, and every entry the batch had read is released."""
    keys = [Key(i) for i in range(100)]
    vals = [Counted() for _ in keys]
    m = cls({k: v for k, v in zip(keys, vals)}, scheme=scheme)
    held = [sys.getrefcount(x) for x in keys + vals]
    Key.armed = 10 + _BATCH - 1  # the batch's last entry: the first compared
    with pytest.raises(Bomb):
        list(m.items(keys[10], Stop(60)))
    Key.armed = 80 - _BATCH  # descending from 79: the bound is the start
    with pytest.raises(Bomb):
        list(reversed(m.keys(Stop(20), keys[80])))
    Key.armed = 41  # the first bisection step of the batch 10 .. 73
    with pytest.raises(Bomb):
        list(m.values(keys[10], Stop(60)))
    Key.armed = None
    assert [sys.getrefcount(x) for x in keys + vals] == held
    assert [k.n for k in m.keys(keys[10], Stop(60))] == list(range(10, 60))
    assert m._check() == 100


def test_a_map_used_inside_a_comparison(cls, scheme):
    """A __lt__ that uses another map and a queue of the same scheme runs its
    operations on the next nesting level's context (a second operation on the
    same context would end the first one's protection)."""
    other = cls(scheme=scheme)
    q = ConcurrentQueue(scheme=scheme)

    class K:
        def __init__(self, n):
            self.n = n

        def __lt__(self, o):
            other[self.n] = other.get(self.n, 0) + 1
            q.put(self.n)
            return self.n < o.n

    m = cls(scheme=scheme)
    for i in random.Random(3).sample(range(200), 200):
        m[K(i)] = i
    assert [k.n for k in m] == list(range(200)) and m._check() == 200
    assert len(other) > 0 and len(q) > 0
    while not q.empty():
        q.get()
    assert config.reclaim() >= 0


def test_nesting_past_the_limit_raises(cls):
    """Each comparison that uses a map opens one more level; past 8 the
    innermost call raises RuntimeError, which propagates out through every
    comparison, and every map stays whole."""
    maps = [cls() for _ in range(12)]

    class K:
        def __init__(self, d, n):
            self.d, self.n = d, n

        def __lt__(self, other):
            if self.d + 1 < len(maps):
                maps[self.d + 1][K(self.d + 1, self.n)] = self.n  # one level deeper
            return self.n < other.n

    for i, m in enumerate(maps):
        m[K(len(maps), 100)] = "seed"  # its own __lt__ (tried first) uses no map
    with pytest.raises(RuntimeError, match="nested more than 8 deep"):
        maps[0][K(0, 1)] = 1
    assert all(m._check() == len(m) for m in maps)
    assert len(maps[0]) == 1  # the insert that raised did not happen
