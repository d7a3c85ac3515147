"""ConcurrentQueue: a lock-free FIFO queue of Python objects."""

from __future__ import annotations

from . import _ccmem

__all__ = ["ConcurrentQueue"]


class ConcurrentQueue(_ccmem.Queue):
    """A lock-free FIFO queue of any Python objects (Michael and Scott's queue
    on ccmem's reclamation layer).

    ``ConcurrentQueue(*, scheme="ibr")``; ``scheme`` is the reclamation
    scheme of its nodes: ``"ibr"`` (default: bounded garbage even when a
    thread stalls), ``"debra"`` (fastest; garbage grows while a thread is
    stalled inside an operation) or ``"debra+"`` (DEBRA that neutralises
    stalled threads with a signal; allowed here because no Python code runs
    inside a queue operation).

    - ``put(item)`` / ``put_nowait(item)``: append; never blocks.
    - ``get()`` / ``get_nowait()``: remove and return the oldest item, or
      raise ``queue.Empty``; never blocks.
    - ``empty()``, ``len(q)``: approximate while other threads put and get.

    Every item is handed to exactly one ``get``; items still queued when the
    queue is collected are released then.  Linearisable and lock-free.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<ConcurrentQueue scheme={self.scheme!r} len~{len(self)}>"
