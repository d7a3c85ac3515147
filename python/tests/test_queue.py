"""ConcurrentQueue: FIFO per producer, every item handed out exactly once,
references balanced, errors as a Python user expects."""

import gc
import queue
import sys
import threading
import weakref

import pytest

from concurrent_collections import ConcurrentQueue, config

SCHEMES = ["ibr", "debra", "debra+"]


class Item:
    pass


@pytest.mark.parametrize("scheme", SCHEMES)
def test_fifo_and_empty(scheme):
    q = ConcurrentQueue(scheme=scheme)
    assert q.scheme == scheme and q.empty() and len(q) == 0
    for i in range(100):
        q.put(i)
    assert len(q) == 100 and not q.empty()
    assert [q.get() for _ in range(60)] == list(range(60))
    q.put_nowait("x")
    assert [q.get_nowait() for _ in range(41)] == list(range(60, 100)) + ["x"]
    with pytest.raises(queue.Empty):
        q.get()
    with pytest.raises(queue.Empty):
        q.get_nowait()
    assert q.empty()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_references_balance(scheme):
    items = [Item() for _ in range(50)]
    refs = [sys.getrefcount(o) for o in items]
    q = ConcurrentQueue(scheme=scheme)
    for o in items:
        q.put(o)
    del o
    assert [sys.getrefcount(o) for o in items] == [r + 1 for r in refs]
    for o in items[:20]:
        assert q.get() is o
    del o
    assert [sys.getrefcount(x) for x in items][:20] == refs[:20]
    watch = [weakref.ref(o) for o in items[20:]]
    del items
    del q  # the 30 left are released with the queue
    gc.collect()
    config.reclaim()
    assert all(w() is None for w in watch)


def test_bad_scheme():
    with pytest.raises(ValueError, match="scheme must be one of 'ibr', 'debra', 'debra\\+'"):
        ConcurrentQueue(scheme="hazard")
    with pytest.raises(TypeError, match="scheme must be a str"):
        ConcurrentQueue(scheme=1)
    with pytest.raises(TypeError):
        ConcurrentQueue("ibr")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_threads_each_item_once_in_order(scheme):
    q = ConcurrentQueue(scheme=scheme)
    producers, per = 4, 3000
    got = [[] for _ in range(4)]

    def produce(p):
        for i in range(per):
            q.put((p, i))

    def consume(c):
        misses = 0
        while misses < 1000:
            try:
                got[c].append(q.get())
                misses = 0
            except queue.Empty:
                misses += 1

    ts = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    ts += [threading.Thread(target=consume, args=(c,)) for c in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    while True:  # consumers may have given up before the last puts
        try:
            got[0].append(q.get())
        except queue.Empty:
            break
    seen = [x for g in got for x in g]
    assert sorted(seen) == [(p, i) for p in range(producers) for i in range(per)]
    for g in got:  # each consumer sees each producer's items in order
        for p in range(producers):
            mine = [i for (pp, i) in g if pp == p]
            assert mine == sorted(mine)
    st = config.smr_stats(scheme)
    assert st.retired >= producers * per and st.threads >= 1
