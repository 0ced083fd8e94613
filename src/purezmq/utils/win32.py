"""Windows console helpers (pyzmq's ``zmq.utils.win32``).

On Windows a blocked ``poll()`` does not notice CTRL-C until it returns. pyzmq offers
:class:`allow_interrupt`, a context manager that installs a console control handler calling
an application hook (which should wake the blocked poll, e.g. by sending on a PAIR) while
the interpreter still raises ``KeyboardInterrupt`` as usual. Everywhere else it does
nothing, so portable code can use it unconditionally.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

__all__ = ["allow_interrupt"]

_CTRL_C_EVENT = 0


class allow_interrupt:  # noqa: N801 - pyzmq's name
    """Call ``action()`` when CTRL-C is pressed inside the ``with`` block (Windows only).

    ``action`` takes no arguments, must not raise, and defaults to a no-op. The handler
    reports the event as unhandled so Python's own handler still turns it into
    ``KeyboardInterrupt``.
    """

    def __init__(self, action: Optional[Callable[[], Any]] = None) -> None:
        if os.name != "nt":
            return
        self._install_handler(action or (lambda: None))

    def _install_handler(self, action: Callable[[], Any]) -> None:  # pragma: no cover - nt
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.windll.LoadLibrary("kernel32")  # type: ignore[attr-defined]
        handler_type = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)  # type: ignore
        set_handler = kernel32.SetConsoleCtrlHandler
        set_handler.argtypes = (handler_type, wintypes.BOOL)
        set_handler.restype = wintypes.BOOL
        self._SetConsoleCtrlHandler = set_handler
        self.action = action

        def _on_console_event(event: int) -> int:
            if event == _CTRL_C_EVENT:
                action()
            return 0  # not handled: let Python raise KeyboardInterrupt too

        self.handle = handler_type(_on_console_event)

    def __enter__(self) -> None:
        if os.name != "nt":
            return
        if self._SetConsoleCtrlHandler(self.handle, 1) == 0:  # pragma: no cover - nt
            raise OSError()

    def __exit__(self, *args: Any) -> None:
        if os.name != "nt":
            return
        if self._SetConsoleCtrlHandler(self.handle, 0) == 0:  # pragma: no cover - nt
            raise OSError()
