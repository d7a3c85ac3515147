"""Shared fixtures: every test leaves ccmem's configuration as it found it
and no profiler running."""

import gc
import os
import pathlib

import pytest

from concurrent_collections import config


@pytest.fixture(autouse=True)
def restore_config():
    saved = (config.allocator, config.enable_alloc_statistics, config.debug_fill)
    yield
    gc.collect()  # a profiler dropped by a failing test stops here
    config.set_fault()
    config.allocator, config.enable_alloc_statistics, config.debug_fill = saved


@pytest.fixture
def stats():
    """Statistics on, counters from zero; returns a function giving the
    counters' change since the fixture started."""
    config.enable_alloc_statistics = True
    config.reset_alloc_stats()
    base = config.alloc_stats()

    def delta():
        now = config.alloc_stats()
        return {k: getattr(now, k) - getattr(base, k) for k in ("alloc_count", "free_count", "alloc_bytes",
                                                                "free_bytes", "current_allocated",
                                                                "unsized_free_count")}

    return delta


@pytest.fixture
def out_dir(tmp_path):
    """Where a test writes files: $CCMEM_TEST_OUT/<test> when set (kept for
    inspection), else pytest's temporary folder."""
    root = os.environ.get("CCMEM_TEST_OUT")
    if not root:
        return tmp_path
    d = pathlib.Path(root) / os.environ.get("PYTEST_CURRENT_TEST", "t").split(" ")[0].replace("/", "_").replace(":", "_")
    d.mkdir(parents=True, exist_ok=True)
    return d


def settle(scheme, threads_before, timeout=10.0):
    """After joining threads: waits until their SMR contexts are unregistered
    (a thread's context goes when its OS thread exits, a moment after join()
    returns), then frees what can be freed; returns the nodes still pending."""
    import time

    from concurrent_collections import config as cfg

    deadline = time.monotonic() + timeout
    while cfg.smr_stats(scheme).threads > threads_before and time.monotonic() < deadline:
        time.sleep(0.001)
    return cfg.reclaim()
