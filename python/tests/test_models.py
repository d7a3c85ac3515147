"""Random operation sequences against models (hypothesis' stateful
testing): SkipListMap and TreeMap against a dict plus sorted(),
ConcurrentQueue against collections.deque, under every scheme each allows."""

import bisect
import queue
from collections import deque

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from concurrent_collections import ConcurrentQueue, SkipListMap, TreeMap

KEYS = st.integers(min_value=-20, max_value=20)
VALUES = st.integers()


def map_machine(cls, scheme):
    class MapModel(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.m = cls(scheme=scheme)
            self.d = {}

        def keys(self):
            return sorted(self.d)

        @rule(k=KEYS, v=VALUES)
        def set(self, k, v):
            self.m[k] = v
            self.d[k] = v

        @rule(k=KEYS)
        def delete(self, k):
            assert self.m.pop(k, None) == self.d.pop(k, None)

        @rule(k=KEYS, v=VALUES)
        def put_if_absent(self, k, v):
            assert self.m.put_if_absent(k, v) == self.d.get(k)
            self.d.setdefault(k, v)

        @rule(k=KEYS, v=VALUES)
        def replace(self, k, v):
            assert self.m.replace(k, v) == self.d.get(k)
            if k in self.d:
                self.d[k] = v

        @rule(k=KEYS, old=VALUES, v=VALUES)
        def replace_if(self, k, old, v):
            expect = k in self.d and self.d[k] == old
            assert self.m.replace_if(k, old, v) is expect
            if expect:
                self.d[k] = v

        @rule(k=KEYS)
        def replace_if_current(self, k):
            if k in self.d:
                assert self.m.replace_if(k, self.d[k], -1) is True
                self.d[k] = -1

        @rule(k=KEYS)
        def get(self, k):
            assert self.m.get(k, "none") == self.d.get(k, "none")
            assert (k in self.m) == (k in self.d)

        @rule(k=KEYS)
        def navigation(self, k):
            ks = self.keys()
            i = bisect.bisect_left(ks, k)
            j = bisect.bisect_right(ks, k)
            assert self.m.ceiling_key(k) == (ks[i] if i < len(ks) else None)
            assert self.m.higher_key(k) == (ks[j] if j < len(ks) else None)
            assert self.m.floor_key(k) == (ks[j - 1] if j > 0 else None)
            assert self.m.lower_key(k) == (ks[i - 1] if i > 0 else None)

        @rule(a=KEYS, b=KEYS)
        def ranges(self, a, b):
            want = [(k, self.d[k]) for k in self.keys() if a <= k < b]
            assert list(self.m.items(a, b)) == want
            assert list(reversed(self.m.items(a, b))) == want[::-1]
            assert len(self.m.keys(a, b)) == len(want)
            assert list(self.m.keys(stop=b)) == [k for k in self.keys() if k < b]
            assert list(reversed(self.m.values(start=a))) == [self.d[k] for k in reversed(self.keys()) if k >= a]

        @rule(n=st.integers(min_value=0, max_value=80))
        def bulk(self, n):
            """Enough keys to span batches of 64."""
            for k in range(100, 100 + n):
                self.m[k] = k
                self.d[k] = k

        @precondition(lambda self: len(self.d) > 0)
        @rule()
        def ends(self):
            assert self.m.first_key() == min(self.d) and self.m.last_key() == max(self.d)

        @rule()
        def clear_sometimes(self):
            if len(self.d) > 60:
                self.m.clear()
                self.d.clear()

        @invariant()
        def same(self):
            assert len(self.m) == len(self.d)
            assert list(self.m.items()) == sorted(self.d.items())
            assert list(reversed(self.m)) == sorted(self.d, reverse=True)

        def teardown(self):
            assert self.m._check() == len(self.d)

    MapModel.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
    return MapModel


TestSkipListMapIBR = map_machine(SkipListMap, "ibr").TestCase
TestSkipListMapDEBRA = map_machine(SkipListMap, "debra").TestCase
TestTreeMapIBR = map_machine(TreeMap, "ibr").TestCase
TestTreeMapDEBRA = map_machine(TreeMap, "debra").TestCase


def queue_machine(scheme):
    class QueueModel(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.q = ConcurrentQueue(scheme=scheme)
            self.d = deque()

        @rule(v=VALUES)
        def put(self, v):
            self.q.put(v)
            self.d.append(v)

        @rule()
        def get(self):
            try:
                got = self.q.get()
            except queue.Empty:
                assert not self.d
            else:
                assert got == self.d.popleft()

        @invariant()
        def same_length(self):
            assert len(self.q) == len(self.d) and self.q.empty() == (not self.d)

    QueueModel.TestCase.settings = settings(max_examples=40, stateful_step_count=50, deadline=None)
    return QueueModel


TestQueueIBR = queue_machine("ibr").TestCase
TestQueueDEBRA = queue_machine("debra").TestCase
TestQueueDEBRAPlus = queue_machine("debra+").TestCase
