"""Devices run in the background: the sockets are made *inside* the worker.

Theory of operation
-------------------
pyzmq's device classes take socket *types*, not sockets, and queue every bind / connect /
setsockopt call until ``start()``; the worker (the caller itself for :class:`Device`, a
thread for :class:`ThreadDevice`, a child process for :class:`ProcessDevice`) then creates
the sockets, replays the queued calls — options first, so IDENTITY and friends apply before
any connection exists — and runs the device loop. Creating the sockets in the worker is
what makes this safe with libzmq's single-thread sockets, and it is also the only way a
ProcessDevice can work at all (sockets cannot cross ``fork``).

A device ends when its loop raises: ETERM (its context was terminated) and ENOTSOCK (its
sockets were closed) are the normal ways to stop one and are swallowed; anything else
propagates. ``done`` turns True when the worker has finished and closed its sockets.

Which context: Device and ThreadDevice use ``Context.instance()`` (the process-wide one),
ProcessDevice a brand-new ``Context()`` — a forked child must never reuse the parent's
instance. Override ``context_factory`` (class or instance attribute) to choose another.
"""

from __future__ import annotations

import threading
from multiprocessing import Process
from typing import Any, Callable, List, Optional, Tuple

from .._proxy import proxy
from ..constants import ENOTSOCK, ETERM, PUSH, QUEUE
from ..error import ZMQBindError, ZMQError
from ..sugar.context import Context

__all__ = ["Device", "ThreadDevice", "ProcessDevice"]

_Opts = List[Tuple[int, Any]]


class Device:
    """A device whose sockets are created and driven by ``start()`` in the calling thread.

    ``Device(device_type, in_type, out_type)``: socket *types*; with ``out_type < 0`` the
    in-socket serves as both ends (e.g. one REP socket). Queue endpoint and option calls
    with ``bind_in`` / ``connect_in`` / ``setsockopt_in`` (and the ``_out`` twins) before
    ``start()``.
    """

    #: Makes the context the device's sockets live in (see the module docstring).
    context_factory: Callable[[], Any] = Context.instance

    def __init__(
        self,
        device_type: int = QUEUE,
        in_type: Optional[int] = None,
        out_type: Optional[int] = None,
    ) -> None:
        if in_type is None:
            raise TypeError("in_type must be specified")
        if out_type is None:
            raise TypeError("out_type must be specified")
        self.device_type = device_type
        self.in_type = in_type
        self.out_type = out_type
        self._in_binds: List[str] = []
        self._in_connects: List[str] = []
        self._in_sockopts: _Opts = []
        self._out_binds: List[str] = []
        self._out_connects: List[str] = []
        self._out_sockopts: _Opts = []
        self._random_addrs: List[str] = []
        self._sockets: List[Any] = []
        self._finished = threading.Event()
        #: Run the worker as a daemon (a device loop only ends on error or TERMINATE).
        self.daemon = True
        #: True once the device loop has ended and its sockets are closed.
        self.done = False

    def __getstate__(self) -> dict:
        # A ProcessDevice is pickled under the spawn/forkserver start methods: leave the
        # thread-only parts behind, the child makes its own.
        state = self.__dict__.copy()
        state.pop("_finished", None)
        state.pop("launcher", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._finished = threading.Event()

    # -- queued configuration -----------------------------------------------------------
    def bind_in(self, addr: str) -> None:
        """Queue ``in_socket.bind(addr)``."""
        self._in_binds.append(addr)

    def connect_in(self, addr: str) -> None:
        """Queue ``in_socket.connect(addr)``."""
        self._in_connects.append(addr)

    def setsockopt_in(self, opt: int, value: Any) -> None:
        """Queue ``in_socket.setsockopt(opt, value)``."""
        self._in_sockopts.append((opt, value))

    def bind_in_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Reserve a free port on ``addr`` now, queue the bind; returns the port."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_in(f"{addr}:{port}")
        return port

    def bind_out(self, addr: str) -> None:
        """Queue ``out_socket.bind(addr)``."""
        self._out_binds.append(addr)

    def connect_out(self, addr: str) -> None:
        """Queue ``out_socket.connect(addr)``."""
        self._out_connects.append(addr)

    def setsockopt_out(self, opt: int, value: Any) -> None:
        """Queue ``out_socket.setsockopt(opt, value)``."""
        self._out_sockopts.append((opt, value))

    def bind_out_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Reserve a free port on ``addr`` now, queue the bind; returns the port."""
        port = self._reserve_random_port(addr, *args, **kwargs)
        self.bind_out(f"{addr}:{port}")
        return port

    def _reserve_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Find a port with a throw-away socket; never hand out the same one twice.

        The throw-away context is terminated before returning, which closes its listener,
        so the worker can bind the port later (a small window remains, as in pyzmq).
        """
        with Context() as ctx:
            probe = ctx.socket(PUSH)
            try:
                for _ in range(5):
                    port = probe.bind_to_random_port(addr, *args, **kwargs)
                    candidate = f"{addr}:{port}"
                    if candidate not in self._random_addrs:
                        break
                else:
                    raise ZMQBindError("Could not reserve random port.")
            finally:
                probe.close(linger=0)
        self._random_addrs.append(candidate)
        return port

    # -- the worker ---------------------------------------------------------------------
    def _setup_sockets(self) -> Tuple[Any, Any]:
        ctx = self.context_factory()
        self._context = ctx
        ins = ctx.socket(self.in_type)
        self._sockets.append(ins)
        if self.out_type < 0:
            outs = ins
        else:
            outs = ctx.socket(self.out_type)
            self._sockets.append(outs)
        # Options first (IDENTITY, SUBSCRIBE, HWMs must precede any connection), then
        # every bind, then every connect.
        for sock, opts in ((ins, self._in_sockopts), (outs, self._out_sockopts)):
            for opt, value in opts:
                sock.setsockopt(opt, value)
        for sock, addrs in ((ins, self._in_binds), (outs, self._out_binds)):
            for addr in addrs:
                sock.bind(addr)
        for sock, addrs in ((ins, self._in_connects), (outs, self._out_connects)):
            for addr in addrs:
                sock.connect(addr)
        return ins, outs

    def run_device(self) -> None:
        """The device loop; called by ``run()`` in the worker (do not call directly)."""
        ins, outs = self._setup_sockets()
        proxy(ins, outs)

    def _close_sockets(self) -> None:
        for s in self._sockets:
            if s is not None and not s.closed:
                s.close()

    def run(self) -> None:
        """Run the device to its end; a terminated context or closed socket is a clean end."""
        try:
            self.run_device()
        except ZMQError as e:
            if e.errno not in (ETERM, ENOTSOCK):
                raise
        finally:
            self.done = True
            self._close_sockets()
            self._finished.set()

    def start(self) -> None:
        """Run the device in the calling thread (blocks); subclasses launch a worker."""
        return self.run()

    def join(self, timeout: Optional[float] = None) -> None:
        """Wait (up to ``timeout`` seconds) for the device to finish, like Thread.join."""
        self._finished.wait(timeout)


class BackgroundDevice(Device):
    """A Device whose ``start()`` launches ``run()`` in ``_launch_class`` and returns."""

    launcher: Any = None
    _launch_class: Any = None

    def start(self) -> None:
        self.launcher = self._launch_class(target=self.run)
        self.launcher.daemon = self.daemon
        return self.launcher.start()

    def join(self, timeout: Optional[float] = None) -> None:
        return self.launcher.join(timeout=timeout)


class ThreadDevice(BackgroundDevice):
    """A Device run in a background thread (sharing ``Context.instance()`` by default)."""

    _launch_class = threading.Thread


class ProcessDevice(BackgroundDevice):
    """A Device run in a child process, with a fresh ``Context()`` there."""

    _launch_class = Process
    context_factory: Callable[[], Any] = Context
