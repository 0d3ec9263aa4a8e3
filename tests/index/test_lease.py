"""Lease: a shared resource is closed once retired and let go by its last holder, never before."""

from __future__ import annotations

import threading

from footnote.index.lease import Lease


def test_retire__closes_at_once_when_nobody_holds_it() -> None:
    closed: list[int] = []
    lease = Lease(lambda: closed.append(1))
    assert lease.acquire()
    lease.release()
    assert closed == []  # let go but not retired: still in use by whoever takes it next
    lease.retire()
    assert closed == [1] and lease.closed
    assert not lease.acquire()  # never taken again
    lease.retire()
    assert closed == [1]  # closed once


def test_retire__while_held_closes_when_the_last_holder_lets_go() -> None:
    closed: list[int] = []
    lease = Lease(lambda: closed.append(1))
    assert lease.acquire() and lease.acquire()
    lease.retire()
    assert closed == [] and not lease.closed
    lease.release()
    assert closed == []
    lease.release()
    assert closed == [1] and lease.closed


def test_close_that_fails__is_logged_not_raised_to_the_holder() -> None:
    def fail() -> None:
        raise RuntimeError("boom")

    lease = Lease(fail)
    assert lease.acquire()
    lease.retire()
    lease.release()  # does not raise
    assert lease.closed


def test_many_holders_on_threads__close_exactly_once_after_all() -> None:
    closed: list[int] = []
    lease = Lease(lambda: closed.append(1))
    held = [lease.acquire() for _ in range(64)]
    assert all(held)
    lease.retire()
    threads = [threading.Thread(target=lease.release) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert closed == [1]
