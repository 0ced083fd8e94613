"""Shared fixtures: a fresh context per test, torn down without hanging.

Also a last-resort watchdog. pytest-timeout (60 s per test, signal method) fails a stuck test
by raising in the main thread -- but a signal can land in another thread while the main
thread sits in an untimed wait, and then nothing ever interrupts it. If any test (setup,
call, teardown) runs past ``WATCHDOG_S``, the watchdog prints every thread's stack and the
test's name, and ends the run with exit status 3: a hang costs minutes and says where it is,
never the whole CI budget.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
import time
from typing import Optional, Tuple

import pytest

import purezmq as zmq

WATCHDOG_S = float(os.environ.get("PUREZMQ_TEST_WATCHDOG_S", "180"))


class _Watchdog:
    def __init__(self) -> None:
        self._armed: Optional[Tuple[str, float]] = None
        self._cond = threading.Condition()
        threading.Thread(target=self._run, name="test-watchdog", daemon=True).start()

    def arm(self, name: str) -> None:
        with self._cond:
            self._armed = (name, time.monotonic() + WATCHDOG_S)

    def disarm(self) -> None:
        with self._cond:
            self._armed = None

    def _run(self) -> None:
        if hasattr(signal, "pthread_sigmask"):  # never take pytest-timeout's SIGALRM
            signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        while True:
            with self._cond:
                self._cond.wait(1.0)
                armed = self._armed
            if armed is not None and time.monotonic() > armed[1]:
                capman = _config[0].pluginmanager.getplugin("capturemanager") if _config else None
                if capman is not None:  # write to the real stderr, not a capture file
                    try:
                        capman.suspend_global_capture(in_=True)
                    except Exception:  # noqa: BLE001 - dying anyway; say what we can
                        pass
                sys.stderr.write(f"\n\nWATCHDOG: {armed[0]} ran over {WATCHDOG_S:.0f} s\n")
                faulthandler.dump_traceback(all_threads=True)
                sys.stderr.flush()
                os._exit(3)


_watchdog = _Watchdog()
_config: list = []


def pytest_configure(config):  # type: ignore[no-untyped-def]
    _config.append(config)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):  # type: ignore[no-untyped-def]
    _watchdog.arm(item.nodeid)
    try:
        yield
    finally:
        _watchdog.disarm()


@pytest.fixture
def ctx():
    c = zmq.Context()
    yield c
    c.destroy(linger=0)
