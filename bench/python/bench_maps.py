#!/usr/bin/env python3
"""Python ordered maps: concurrent_collections.SkipListMap and TreeMap
against sortedcontainers.SortedDict (alone at 1 thread, behind a
threading.Lock at 4 threads) and a dict behind a Lock, on 100,000 int keys
and str keys.

Each cell is the median of --rounds interleaved rounds (every structure
measured once per round, in turn), in nanoseconds per operation; the table
gives ratios to SortedDict from the same run (> 1: faster than SortedDict).

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python/bench_maps.py [--n 100000]
        [--rounds 5] [--threads 1,4] [--out out]   # writes out/bench_python_maps.{json,csv}
"""

import argparse
import csv
import json
import os
import random
import statistics
import sys
import threading
import time

from sortedcontainers import SortedDict

from concurrent_collections import SkipListMap, TreeMap


class Locked:
    """What a Python user writes to share a mapping between threads: every
    operation under one threading.Lock."""

    def __init__(self, d):
        self.d = d
        self.lock = threading.Lock()

    def __setitem__(self, k, v):
        with self.lock:
            self.d[k] = v

    def __getitem__(self, k):
        with self.lock:
            return self.d[k]

    def __delitem__(self, k):
        with self.lock:
            del self.d[k]


class LockedSortedDict(Locked):
    def __init__(self):
        super().__init__(SortedDict())

    def floor_key(self, k):
        with self.lock:
            return sd_floor(self.d, k)

    def ceiling_key(self, k):
        with self.lock:
            return sd_ceiling(self.d, k)

    def range(self, a, b):
        with self.lock:
            return list(self.d.irange(a, b, inclusive=(True, False)))


class LockedDict(Locked):
    """A dict behind a lock: no order (floor/ceiling/range not offered)."""

    def __init__(self):
        super().__init__({})


def sd_floor(d, k):
    i = d.bisect_right(k)
    return d.peekitem(i - 1)[0] if i else None


def sd_ceiling(d, k):
    i = d.bisect_left(k)
    return d.peekitem(i)[0] if i < len(d) else None


class PlainSortedDict(SortedDict):
    def floor_key(self, k):
        return sd_floor(self, k)

    def ceiling_key(self, k):
        return sd_ceiling(self, k)

    def range(self, a, b):
        return list(self.irange(a, b, inclusive=(True, False)))


class SkipList(SkipListMap):
    __slots__ = ()

    def range(self, a, b):
        return list(self.keys(a, b))


class Tree(TreeMap):
    __slots__ = ()

    def range(self, a, b):
        return list(self.keys(a, b))


OURS = ("SkipListMap", "TreeMap")


# ---- workloads: each gets the structure (prefilled or not) and its share of keys ----

def w_insert(m, keys, probe):
    for k in keys:
        m[k] = k


def w_lookup(m, keys, probe):
    for k in keys:
        m[k]


def w_delete(m, keys, probe):
    for k in keys:
        del m[k]


def w_floor_ceiling(m, keys, probe):
    for k in probe:
        m.floor_key(k)
        m.ceiling_key(k)


def w_range(m, keys, probe):
    for a, b in probe:
        m.range(a, b)


WORKLOADS = {  # name: (function, prefilled, ops per key, needs order)
    "insert": (w_insert, False, 1, False),
    "lookup": (w_lookup, True, 1, False),
    "delete": (w_delete, True, 1, False),
    "floor+ceiling": (w_floor_ceiling, True, 2, True),
    "range(100)": (w_range, True, 100, True),
}


def make_keys(kind, n, seed=1):
    rnd = random.Random(seed)
    if kind == "int":
        keys = rnd.sample(range(n * 10), n)
    else:
        keys = [f"key_{x}" for x in rnd.sample(range(n * 10), n)]
    return keys


def probes(kind, keys, workload, count, seed=2):
    rnd = random.Random(seed)
    s = sorted(keys)
    if workload == "floor+ceiling":
        if kind == "int":
            return [rnd.randrange(len(keys) * 10) for _ in range(count)]
        return [f"key_{rnd.randrange(len(keys) * 10)}" for _ in range(count)]
    if workload == "range(100)":
        out = []
        for _ in range(count):
            i = rnd.randrange(len(s) - 101)
            out.append((s[i], s[i + 100]))
        return out
    return None


def run_cell(factory, workload, keys, probe, threads, ops):
    fn, prefilled, _, _ = WORKLOADS[workload]
    m = factory()
    if prefilled:
        for k in keys:
            m[k] = k
    parts = [keys[t::threads] for t in range(threads)]
    pparts = [probe[t::threads] for t in range(threads)] if probe is not None else [None] * threads
    if threads == 1:
        t0 = time.perf_counter_ns()
        fn(m, parts[0], pparts[0])
        dt = time.perf_counter_ns() - t0
    else:
        barrier = threading.Barrier(threads + 1)

        def body(t):
            barrier.wait()
            fn(m, parts[t], pparts[t])

        ts = [threading.Thread(target=body, args=(t,)) for t in range(threads)]
        for t in ts:
            t.start()
        barrier.wait()
        t0 = time.perf_counter_ns()
        for t in ts:
            t.join()
        dt = time.perf_counter_ns() - t0
    return dt / ops


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", default="1,4")
    ap.add_argument("--kinds", default="int,str")
    ap.add_argument("--out", default="out")
    a = ap.parse_args(argv)
    threads_list = [int(x) for x in a.threads.split(",")]
    os.makedirs(a.out, exist_ok=True)
    rows = []
    cells = []
    for kind in a.kinds.split(","):
        keys = make_keys(kind, a.n)
        for workload, (_, _, per, ordered) in WORKLOADS.items():
            count = a.n if workload != "range(100)" else a.n // 100
            probe = probes(kind, keys, workload, count)
            ops = a.n * per if workload != "range(100)" else count * 100
            for th in threads_list:
                subjects = {"SkipListMap": SkipList, "TreeMap": Tree}
                subjects["SortedDict"] = PlainSortedDict if th == 1 else LockedSortedDict
                if not ordered:
                    subjects["dict+Lock"] = LockedDict
                cells.append((kind, workload, th, subjects, probe, ops, keys))
    total = len(cells) * a.rounds
    done = 0
    start = time.monotonic()
    for kind, workload, th, subjects, probe, ops, keys in cells:
        samples = {name: [] for name in subjects}
        for _ in range(a.rounds):
            for name, factory in subjects.items():  # interleaved
                samples[name].append(run_cell(factory, workload, keys, probe, th, ops))
            done += 1
            el = time.monotonic() - start
            sys.stderr.write(f"\r  {done}/{total} rounds, {el:.0f}s, eta {el / done * (total - done):.0f}s   ")
        med = {name: statistics.median(v) for name, v in samples.items()}
        base = med["SortedDict"]
        for name, v in med.items():
            rows.append({"keys": kind, "workload": workload, "threads": th, "structure": name,
                         "ns_per_op": round(v, 1), "vs_sorteddict": round(base / v, 3)})
    sys.stderr.write("\n")
    goals = {"insert": 1.0, "delete": 1.0, "floor+ceiling": 1.0, "lookup": 0.5}
    print(f"{'keys':4} {'workload':14} {'thr':>3} {'structure':12} {'ns/op':>8} {'SortedDict':>10} "
          f"{'ratio':>6} {'goal':>5}  {'dict+Lock':>9}")
    met = missed = 0
    for r in rows:
        if r["structure"] not in OURS:
            continue
        sd = next(x for x in rows if x["keys"] == r["keys"] and x["workload"] == r["workload"]
                  and x["threads"] == r["threads"] and x["structure"] == "SortedDict")
        dl = next((x for x in rows if x["keys"] == r["keys"] and x["workload"] == r["workload"]
                   and x["threads"] == r["threads"] and x["structure"] == "dict+Lock"), None)
        goal = 1.0 if r["threads"] > 1 else goals.get(r["workload"])
        mark = ""
        if goal is not None:
            ok = r["vs_sorteddict"] >= goal
            met += ok
            missed += not ok
            mark = f"{goal:.1f}{'' if ok else '!'}"
        print(f"{r['keys']:4} {r['workload']:14} {r['threads']:>3} {r['structure']:12} {r['ns_per_op']:>8.0f} "
              f"{sd['ns_per_op']:>10.0f} {r['vs_sorteddict']:>6.2f} {mark:>5}  {dl['ns_per_op'] if dl else '':>9}")
    print(f"goals: {met} met, {missed} missed ('!'); SortedDict is locked at more than one thread")
    with open(os.path.join(a.out, "bench_python_maps.json"), "w") as f:
        json.dump({"n": a.n, "rounds": a.rounds, "python": sys.version, "rows": rows}, f, indent=1)
    with open(os.path.join(a.out, "bench_python_maps.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
