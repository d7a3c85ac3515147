"""Python names of native threads, for ThreadMemoryStats.thread_name.

The profiler knows threads by their native id (gettid); Python 3.11 does
not give its threads an OS name.  While a profiler runs, threads started
by ``threading`` note their name when they begin (through
``threading.setprofile``, which every new thread installs before ``run``;
the hook removes itself at its first event and puts back whatever hook was
there before), and the threads alive at start and at each report are noted
too.  The newest name of a native id wins.

So that the exports (JSON, CSV, HTML, which ccmem writes from its own
records) show the same names, threads other than the main thread also get
their Python name as OS name (the first 15 bytes, as Python 3.14 itself
does); the main thread keeps the process's name.
"""

from __future__ import annotations

import sys
import threading

from . import _ccmem

_lock = threading.Lock()
_names: dict[int, str] = {}
_users = 0
_previous = None


def _name_os_thread(t: threading.Thread) -> None:
    if t is threading.main_thread() or t.ident is None:
        return
    try:
        _ccmem.set_thread_name(t.ident, t.name)
    except (OSError, ValueError):  # a thread that just ended, or a name with a NUL
        pass


def _note_all() -> None:
    for t in threading.enumerate():
        if t.native_id is not None and _names.get(t.native_id) != t.name:
            _names[t.native_id] = t.name
            _name_os_thread(t)


def _first_event(frame, event, arg):  # a profile function: (frame, event, arg)
    t = threading.current_thread()
    if t.native_id is not None:
        with _lock:
            _names[t.native_id] = t.name
        _name_os_thread(t)
    sys.setprofile(_previous)
    if _previous is not None:
        return _previous(frame, event, arg)
    return None


def start() -> None:
    """A profiler starts: note the live threads and watch new ones."""
    global _users, _previous
    with _lock:
        _note_all()
        _users += 1
        if _users == 1:
            _previous = threading.getprofile()
            threading.setprofile(_first_event)


def stop() -> None:
    """A profiler stops."""
    global _users, _previous
    with _lock:
        _note_all()
        if _users == 0:
            return
        _users -= 1
        if _users == 0:
            if threading.getprofile() is _first_event:
                threading.setprofile(_previous)
            _previous = None


def names() -> dict[int, str]:
    """Native id -> Python name of every thread seen (live ones refreshed)."""
    with _lock:
        _note_all()
        return dict(_names)
