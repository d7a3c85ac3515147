"""config: statistics counted exactly, the backend, fault injection, fill,
and every bad input answered with the exception a Python user expects."""

import threading

import pytest

from concurrent_collections import _testing, config


def test_exact_counts_one_thread(stats):
    blocks = [_testing.alloc(64, 100), _testing.alloc(200, 50), _testing.alloc(1, 7)]
    d = stats()
    assert d["alloc_count"] == 157
    assert d["alloc_bytes"] == 64 * 100 + 200 * 50 + 7
    # live bytes are counted in usable sizes (include/ccmem/alloc.h): at least what was asked
    assert 64 * 100 + 200 * 50 + 7 <= d["current_allocated"] <= 64 * 100 + 256 * 50 + 16 * 7
    assert d["free_count"] == 0
    for b in blocks:
        _testing.free(b)
    d = stats()
    assert d["free_count"] == 157 and d["free_bytes"] == d["alloc_bytes"]
    assert d["current_allocated"] == 0
    _testing.churn(48, 1000)
    d = stats()
    assert d["alloc_count"] == 1157 and d["free_count"] == 1157
    assert d["alloc_bytes"] == d["free_bytes"] == 64 * 100 + 200 * 50 + 7 + 48 * 1000


def test_exact_counts_across_threads(stats):
    handoff = []
    lock = threading.Lock()

    def producer():
        for _ in range(20):
            b = _testing.alloc(96, 50)
            with lock:
                handoff.append(b)

    threads = [threading.Thread(target=producer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    def consumer(part):
        for b in part:
            _testing.free(b)

    consumers = [threading.Thread(target=consumer, args=(handoff[i::2],)) for i in range(2)]
    for t in consumers:
        t.start()
    for t in consumers:
        t.join()
    d = stats()
    assert d["alloc_count"] == d["free_count"] == 3 * 20 * 50
    assert d["alloc_bytes"] == d["free_bytes"] == 3 * 20 * 50 * 96
    assert d["current_allocated"] == 0


def test_unsized_frees_are_counted(stats):
    b = _testing.alloc(100, 10)
    _testing.free(b, sized=False)
    d = stats()
    assert d["free_count"] == 10
    assert d["unsized_free_count"] == 10
    assert d["free_bytes"] >= d["alloc_bytes"] == 1000  # unsized: the usable size
    assert d["current_allocated"] == 0


def test_mixed_sized_and_unsized_frees_across_threads_end_at_zero(stats):
    import threading

    blocks = [_testing.alloc(size, 200) for size in (24, 100, 333, 1000)]
    ts = [threading.Thread(target=_testing.free, args=(b,), kwargs={"sized": i % 2 == 0})
          for i, b in enumerate(blocks)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    d = stats()
    assert d["alloc_count"] == d["free_count"] == 800
    assert d["unsized_free_count"] == 400
    assert d["current_allocated"] == 0


def test_statistics_off_counts_nothing(stats):
    config.enable_alloc_statistics = False
    assert config.enable_alloc_statistics is False
    _testing.churn(32, 100)
    config.enable_alloc_statistics = True
    d = stats()
    assert d["alloc_count"] == 0 and d["free_count"] == 0


def test_reset_restarts_cumulative_counters(stats):
    keep = _testing.alloc(64, 3)
    config.reset_alloc_stats()
    s = config.alloc_stats()
    assert s.alloc_count == 0 and s.alloc_bytes == 0
    _testing.free(keep)
    assert config.alloc_stats().free_count == 3


def test_misspelt_attribute_names_the_valid_ones():
    with pytest.raises(AttributeError) as e:
        config.enable_alloc_statistic = True
    assert "enable_alloc_statistic" in str(e.value) and "enable_alloc_statistics" in str(e.value)
    with pytest.raises(AttributeError) as e:
        config.alloc_stat()
    assert "alloc_stats" in str(e.value)
    with pytest.raises(AttributeError, match="read-only"):
        config.fault_injected = 3
    assert config.enable_alloc_statistics in (True, False)  # nothing was set


@pytest.mark.parametrize("value", [1, 0, "yes", None, 1.0])
def test_statistics_switch_takes_bools_only(value):
    before = config.enable_alloc_statistics
    with pytest.raises(TypeError, match="enable_alloc_statistics must be a bool"):
        config.enable_alloc_statistics = value
    assert config.enable_alloc_statistics is before


def test_allocator_switches_and_rejects_unknown_names(stats):
    for name in config.allocators:
        config.allocator = name
        assert config.allocator == name
        b = _testing.alloc(80, 4)
        _testing.free(b)
    with pytest.raises(ValueError) as e:
        config.allocator = "jemalloc"
    assert "'mimalloc', 'system', 'fault'" in str(e.value) and "jemalloc" in str(e.value)
    with pytest.raises(TypeError, match="allocator must be a str"):
        config.allocator = 0
    assert config.allocator == "fault"  # unchanged by the failures
    d = stats()
    assert d["alloc_count"] == d["free_count"] == 12 and d["current_allocated"] == 0


def test_blocks_go_back_to_their_allocator():
    config.allocator = "system"
    b = _testing.alloc(64, 10)
    config.allocator = "mimalloc"
    _testing.free(b)  # freed to the system allocator that made them
    b = _testing.alloc(64, 10)
    config.allocator = "system"
    _testing.free(b)


def test_fault_injection(stats):
    config.allocator = "fault"
    before = config.fault_injected
    config.set_fault(nth=3)
    with pytest.raises(MemoryError):
        _testing.alloc(64, 5)  # the third fails; the two before are given back
    assert config.fault_injected == before + 1
    b = _testing.alloc(64, 5)  # disarmed after firing
    _testing.free(b)
    config.set_fault(probability=1.0, seed=7)
    with pytest.raises(MemoryError):
        _testing.alloc(16)
    config.set_fault()
    _testing.free(_testing.alloc(16))
    d = stats()
    assert d["alloc_count"] == d["free_count"]
    assert d["current_allocated"] == 0


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"nth": -1}, ValueError, "nth"),
        ({"nth": 1.5}, TypeError, "nth"),
        ({"nth": True}, TypeError, "nth"),
        ({"probability": 1.5}, ValueError, "[0, 1]"),
        ({"probability": float("nan")}, ValueError, "probability"),
        ({"probability": "0.5"}, TypeError, "probability"),
        ({"probability": 0.5, "seed": -3}, ValueError, "seed"),
        ({"nth": 1, "probability": 0.5}, ValueError, "not both"),
    ],
)
def test_fault_bad_arguments(kwargs, exc, words):
    with pytest.raises(exc) as e:
        config.set_fault(**kwargs)
    assert words in str(e.value)
    _testing.free(_testing.alloc(32))  # nothing armed by the failure


def test_debug_fill_round_trip():
    config.debug_fill = True
    assert config.debug_fill is True
    _testing.free(_testing.alloc(64, 3))
    config.debug_fill = False
    assert config.debug_fill is False
    with pytest.raises(TypeError, match="debug_fill must be a bool"):
        config.debug_fill = "on"


def test_statistics_compiled_out_is_an_error(monkeypatch):
    from concurrent_collections import _ccmem

    assert config.statistics_compiled is True  # this build
    monkeypatch.setattr(_ccmem, "STATS_COMPILED", 0)
    assert config.statistics_compiled is False
    with pytest.raises(RuntimeError, match="compiled out"):
        config.alloc_stats()
    with pytest.raises(RuntimeError, match="compiled out"):
        config.reset_alloc_stats()


def test_repr_and_dir():
    assert "allocator=" in repr(config)
    assert "enable_alloc_statistics" in dir(config)
    assert config.cache_line_size in (16, 32, 64, 128, 256)


def test_testing_helper_refuses_double_free():
    b = _testing.alloc(64, 2)
    copy = _testing.Blocks(b.size, list(b.addresses))
    _testing.free(b)
    with pytest.raises(ValueError, match="already freed"):
        _testing.free(copy)
