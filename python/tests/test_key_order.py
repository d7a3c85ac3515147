"""The order of keys compared in C (int, float, str, bytes): the summaries
the maps keep in their nodes (pykeys.c) must never order two keys otherwise
than ``<`` does, whatever the keys share (long common prefixes, trailing
zero bytes, code points of every width, ints at and beyond 64 bits, -0.0)."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concurrent_collections import SkipListMap, TreeMap

EDGE_INTS = [0, 1, -1, 2**30, 2**60 - 1, 2**60, -(2**60), 2**63 - 1, 2**63, -(2**63), -(2**63) - 1,
             2**64, 2**64 + 1, -(2**64), 2**100, -(2**100)]
EDGE_STRS = ["", "a", "a\x00", "a\x00\x00", "key_1234", "key_12345", "key_123456789", "key_12346",
             "\xe9", "\xe9t\xe9", "\u20ac", "\u20ac\u20ac", "\U0001f600", "\ud800", "\udfff", "\uffff",
             "abcdefgh", "abcdefgh\x00", "abcdefghi", "abcdefg\xff", "abcdefg\u0100", "\x7f", "\x80"]
EDGE_BYTES = [b"", b"\x00", b"\x00\x00", b"a", b"a\x00", b"abcdefgh", b"abcdefgh\x00", b"abcdefghi",
              b"\xff" * 8, b"\xff" * 9, b"\x80"]
EDGE_FLOATS = [0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 5e-324, -5e-324, 1e308, -1e308,
               float("inf"), float("-inf"), 2.0**63, -(2.0**63)]


@pytest.fixture(params=["ibr", "debra"])
def scheme(request):
    return request.param


# the map class of the whole module: both keep the summaries, the skip list
# also the hash index
MAPS = [SkipListMap, TreeMap]


def check_map(keys, scheme="ibr", cls=SkipListMap):
    """Inserted in a shuffled order: iteration is sorted(), every key finds
    its own value, and keys one step off the present ones are absent."""
    keys = list(keys)
    random.Random(len(keys)).shuffle(keys)
    m = cls(scheme=scheme)
    model = {}
    for i, k in enumerate(keys):
        m[k] = i
        model[k] = i
    assert list(m) == sorted(model)
    for k, v in model.items():
        assert m[k] == v
    assert m._check() == len(model)
    return m, model


@pytest.mark.parametrize("cls", MAPS)
@pytest.mark.parametrize("keys", [EDGE_INTS, EDGE_STRS, EDGE_BYTES, EDGE_FLOATS])
def test_edge_keys_sort_and_find(keys, scheme, cls):
    check_map(keys, scheme, cls)


@pytest.mark.parametrize("cls", MAPS)
def test_mixed_ints_and_floats_order_by_value(cls):
    keys = [1, 1.5, 2, -0.5, 2**64, 1e20, -(2**70), -1e25, 0, 0.25]
    m, model = check_map(keys, cls=cls)
    assert m.floor_key(1.75) == 1.5 and m.ceiling_key(1.75) == 2
    assert m.ceiling_key(2**64 + 1) == 1e20 and m.ceiling_key(2**64 - 1) == 2**64 and m.lower_key(-(2**70)) == -1e25


@pytest.mark.parametrize("cls", MAPS)
def test_minus_zero_is_zero(cls):
    m = cls()
    m[0.0] = "a"
    m[-0.0] = "b"
    m[0] = "c"
    assert len(m) == 1 and m[-0.0] == "c" and m[0.0] == "c"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=60))
def test_random_strings(keys):
    # common prefixes make the first 8 UTF-8 bytes tie often
    for cls in MAPS:
        check_map(keys + ["common_prefix_" + k for k in keys], cls=cls)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=12), max_size=60))
def test_random_bytes(keys):
    for cls in MAPS:
        check_map(keys + [b"\x00" * 8 + k for k in keys], cls=cls)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from(EDGE_INTS), max_size=80))
def test_random_ints(keys):
    for cls in MAPS:
        m, model = check_map(keys, cls=cls)
        for k in model:
            assert (k + 1 in m) == (k + 1 in model) and (k - 1 in m) == (k - 1 in model)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False), max_size=60))
def test_random_floats(keys):
    for cls in MAPS:
        check_map(keys, cls=cls)


@pytest.mark.parametrize("cls", MAPS)
def test_equal_numbers_are_found_as_one_key(cls):
    # ints and floats that compare equal must meet in one bucket of the
    # hash index, within 64 bits and beyond
    m = cls()
    for k in [1, -7, 2**62, -(2**63), 2**70, -(2**80), 3]:
        m[k] = k
    for k in [1.0, -7.0, float(2**62), float(-(2**63)), float(2**70), float(-(2**80)), 3.0]:
        assert k in m and m[k] == int(k)
        m[k] = "f"
    assert len(m) == 7 and all(v == "f" for v in m.values())
    assert 1.5 not in m and m.get(2.0**63) is None


@pytest.mark.parametrize("cls", MAPS)
def test_many_keys_through_growth_removal_and_reinsertion(scheme, cls):
    # the hash index grows by doubling and is refilled from the list; what
    # it answers must always be the list's answer
    for make in (lambda i: i * 7919 % 100003, lambda i: f"key_{i:06d}"):
        m = cls(scheme=scheme)
        keys = [make(i) for i in range(6000)]
        for i, k in enumerate(keys):
            m[k] = i
        assert m._check() == 6000
        assert all(m[k] == i for i, k in enumerate(keys))
        for k in keys[::2]:
            del m[k]
        assert all(k not in m for k in keys[::2]) and all(m[k] == i for i, k in enumerate(keys) if i % 2)
        for i, k in enumerate(keys[::2]):
            m[k] = -i
        assert all(m[k] == -i for i, k in enumerate(keys[::2]))
        for i, k in enumerate(keys[1::2]):
            assert m.replace(k, ("r", i)) == 2 * i + 1
        assert all(m[k] == ("r", i) for i, k in enumerate(keys[1::2]))
        assert m._check() == 6000
