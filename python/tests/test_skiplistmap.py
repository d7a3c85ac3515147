"""SkipListMap and TreeMap (every test runs on both, through the `cls`
fixture): the MutableMapping contract, ordered queries, atomic updates,
ranges and their batches, errors, and references released exactly once."""

import gc
import pickle
import sys
import weakref
from collections.abc import MutableMapping

import pytest
from conftest import settle

from concurrent_collections import SkipListMap, TreeMap, config

SCHEMES = ["ibr", "debra"]


@pytest.fixture(params=SCHEMES)
def scheme(request):
    return request.param


@pytest.fixture(params=[SkipListMap, TreeMap], ids=["skiplist", "tree"])
def cls(request):
    return request.param


def test_mapping_basics(cls, scheme):
    m = cls(scheme=scheme)
    assert isinstance(m, MutableMapping) and m.scheme == scheme
    assert len(m) == 0 and list(m) == [] and 3 not in m
    for k in [5, 1, 9, 3, 7]:
        m[k] = str(k)
    assert list(m) == [1, 3, 5, 7, 9] and len(m) == 5
    assert m[3] == "3" and m.get(4) is None and m.get(4, "d") == "d" and 9 in m
    m[3] = "three"
    assert m[3] == "three" and len(m) == 5
    del m[3]
    assert 3 not in m and len(m) == 4
    with pytest.raises(KeyError):
        m[3]
    with pytest.raises(KeyError):
        del m[3]
    assert m.pop(5) == "5" and m.pop(5, None) is None
    with pytest.raises(KeyError):
        m.pop(5)
    assert m.setdefault(2, "two") == "two" and m.setdefault(2, "zwei") == "two"
    m.update({10: "10"})
    assert list(m.items()) == [(1, "1"), (2, "two"), (7, "7"), (9, "9"), (10, "10")]
    assert list(m.values()) == ["1", "two", "7", "9", "10"]
    assert list(reversed(m)) == [10, 9, 7, 2, 1]
    assert m == {1: "1", 2: "two", 7: "7", 9: "9", 10: "10"}
    assert m.popitem() == (1, "1")
    m.clear()
    assert len(m) == 0 and list(m) == []
    with pytest.raises(KeyError):
        m.popitem()


def test_constructor_like_dict(cls):
    m = cls({"b": 2}, a=1)
    assert list(m.items()) == [("a", 1), ("b", 2)] and m.scheme == "ibr"
    m2 = cls([(3, "c"), (1, "a")], scheme="debra")
    assert list(m2) == [1, 3] and m2.scheme == "debra"
    assert "scheme='debra'" in repr(m2)
    m3 = pickle.loads(pickle.dumps(m2))
    assert m3 == m2 and m3.scheme == "debra" and type(m3) is cls


def test_ordered_queries(cls, scheme):
    m = cls({k: k * 10 for k in range(0, 100, 10)}, scheme=scheme)
    assert m.first_key() == 0 and m.last_key() == 90
    assert m.floor_key(35) == 30 and m.floor_key(30) == 30 and m.floor_key(-1) is None
    assert m.ceiling_key(35) == 40 and m.ceiling_key(40) == 40 and m.ceiling_key(91) is None
    assert m.lower_key(30) == 20 and m.lower_key(0) is None
    assert m.higher_key(30) == 40 and m.higher_key(90) is None
    assert list(m.keys(20, 50)) == [20, 30, 40]
    assert list(m.keys(start=55)) == [60, 70, 80, 90]
    assert list(m.keys(stop=15)) == [0, 10]
    assert list(m.items(25, 45)) == [(30, 300), (40, 400)]
    assert list(m.values(80)) == [800, 900]
    assert len(m.keys(20, 50)) == 3 and len(m.keys()) == 10
    assert 30 in m.keys(20, 50) and 60 not in m.keys(20, 50) and 35 not in m.keys()
    assert (30, 300) in m.items(20, 50) and (30, 3) not in m.items()
    empty = cls(scheme=scheme)
    with pytest.raises(KeyError, match="empty"):
        empty.first_key()
    with pytest.raises(KeyError, match="empty"):
        empty.last_key()
    assert empty.floor_key(1) is None


def test_atomic_updates(cls, scheme):
    m = cls(scheme=scheme)
    assert m.put_if_absent("k", 1) is None
    assert m.put_if_absent("k", 2) == 1 and m["k"] == 1
    assert m.replace("k", 3) == 1 and m["k"] == 3
    assert m.replace("absent", 4) is None and "absent" not in m
    assert m.replace_if("k", 3, 5) is True and m["k"] == 5
    assert m.replace_if("k", 3, 6) is False and m["k"] == 5
    assert m.replace_if("absent", 1, 2) is False
    assert m.replace_if("k", 5.0, 7) is True  # == equality, as Java's replace(k, old, new) uses equals


@pytest.mark.parametrize("keys", [
    [3, -1, 2**70, -(2**70), 0, 2**63, -(2**63) - 1],
    [0.5, -2.25, 1e300, -1e-300, 0.0],
    ["b", "a", "é", "", "ab", "\U0001f600"],
    [b"b", b"a", b"", b"ab", b"\x00", b"\xff"],
    [(1, 2), (0, 5), (1, 1)],
])
def test_key_kinds_sort_like_sorted(cls, keys, scheme):
    m = cls(scheme=scheme)
    for k in keys:
        m[k] = repr(k)
    assert list(m) == sorted(keys)
    for k in keys:
        assert m[k] == repr(k)


def test_mixed_numbers_are_one_key(cls):
    m = cls()
    m[1] = "int"
    m[1.0] = "float"
    assert len(m) == 1 and m[1] == "float"
    m[True] = "bool"
    assert len(m) == 1


def test_incomparable_and_nan_keys(cls):
    m = cls({1: "a"})
    with pytest.raises(TypeError, match="'<' not supported"):
        m["x"] = 1
    with pytest.raises(TypeError):
        "x" in m
    with pytest.raises(ValueError, match="NaN"):
        m[float("nan")] = 1
    with pytest.raises(ValueError, match="NaN"):
        m.get(float("nan"))
    assert list(m.items()) == [(1, "a")] and m._check() == 1


def test_debra_plus_is_refused_with_the_reason(cls):
    with pytest.raises(ValueError, match="'debra\\+' is not available for ordered maps"):
        cls(scheme="debra+")
    with pytest.raises(ValueError, match="scheme must be one of 'ibr', 'debra'"):
        cls(scheme="rcu")


class Tracked:
    """An object whose references are counted by a weakref."""

    def __init__(self, n):
        self.n = n

    def __lt__(self, other):
        return self.n < other.n

    def __repr__(self):
        return f"T{self.n}"


def test_every_reference_released_once(cls, scheme):
    keys = [Tracked(i) for i in range(200)]
    vals = [Tracked(-i) for i in range(200)]
    base_k = [sys.getrefcount(k) for k in keys]
    base_v = [sys.getrefcount(v) for v in vals]
    m = cls(scheme=scheme)
    for k, v in zip(keys, vals):
        m[k] = v
    for k in keys[:50]:  # replace: old values released
        m[k] = vals[0]
    for k in keys[50:100]:
        del m[k]
    got = m[keys[150]]
    assert got is vals[150]
    del got, k, v  # the loops' last items
    m.clear()
    del m
    gc.collect()
    assert config.reclaim() == 0
    assert [sys.getrefcount(k) for k in keys] == base_k
    assert [sys.getrefcount(v) for v in vals] == base_v
    w = weakref.ref(vals[7])
    m = cls({keys[0]: vals[7]}, scheme=scheme)
    vals[7] = None
    assert w() is not None  # the map keeps it
    del m
    config.reclaim()
    assert w() is None  # and releases it with the map


def test_seed_usage_example():
    """The design's usage example, as written."""
    from concurrent_collections import MemoryProfiler

    with MemoryProfiler() as prof:
        m = SkipListMap()
        for i in range(100000):
            m[f"key_{i}"] = f"value_{i}"

    report = prof.report()
    assert len(m) == 100000
    assert report.alloc_count >= 100000
    assert report.peak_allocated > 0
    hot = report.size_histogram.hot_sizes(5)
    # the nodes: 100000 towers, half of them height 1 (geometric heights)
    assert hot[0][1] >= 100000 // 4, hot
    print(f"Peak memory: {report.peak_allocated / 1024**2:.1f} MB")
    print(f"Alloc latency P99: {report.alloc_latency_p99:.0f} ns")
    print(f"Cross-thread frees: {report.cross_thread_free_pct:.1f}%")
    for size_range, count in hot:
        print(f"  {size_range}: {count:,} allocations")


def test_seed_usage_example_on_the_tree():
    """The same with TreeMap: its nodes (leaf and internal node per key, one
    size) and value cells show."""
    from concurrent_collections import MemoryProfiler

    with MemoryProfiler() as prof:
        m = TreeMap()
        for i in range(100000):
            m[f"key_{i}"] = f"value_{i}"

    report = prof.report()
    assert len(m) == 100000 and m._check() == 100000
    assert report.alloc_count >= 3 * 100000  # two nodes and a value cell per key
    assert report.peak_allocated > 0
    hot = report.size_histogram.hot_sizes(2)
    assert hot[0][1] >= 2 * 100000 and hot[1][1] >= 100000, hot


def test_thread_exit_hands_its_garbage_over(cls, scheme):
    """A thread that removed values and exited: its retired nodes are freed
    by another thread later, and their values released once."""
    import threading

    m = cls(scheme=scheme)
    vals = [Tracked(i) for i in range(300)]
    watch = [weakref.ref(v) for v in vals]

    def work():
        for i, v in enumerate(vals):
            m[i] = v
        for i in range(300):
            del m[i]

    before = config.smr_stats(scheme).threads
    t = threading.Thread(target=work)
    t.start()
    t.join()
    vals.clear()
    left = settle(scheme, before)
    alive = [w() for w in watch if w() is not None]
    assert not alive, (left, config.smr_stats(scheme), len(alive), [type(r) for r in gc.get_referrers(alive[0])])
    assert config.smr_stats(scheme).pending == 0


def test_interpreter_exit_releases_what_was_removed(cls, tmp_path):
    """Values removed just before exit are released (their finalisers run)
    by the package's exit hook, each once."""
    import subprocess

    script = tmp_path / "exit.py"
    script.write_text(
        f"from concurrent_collections import {cls.__name__} as cls\n"
        "class V:\n"
        "    def __del__(self):\n"
        "        print('del', flush=True)\n"
        "m = cls()\n"
        "for i in range(50):\n"
        "    m[i] = V()\n"
        "for i in range(50):\n"
        "    del m[i]\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("del") == 50
