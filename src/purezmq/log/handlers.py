"""Publish log records on a PUB socket (pyzmq's ``zmq.log.handlers``).

    handler = PUBHandler("tcp://127.0.0.1:12345")     # binds a PUB of its own
    handler.root_topic = "myapp"
    logging.getLogger().addHandler(handler)
    logging.getLogger().warning("disk.sda::almost full")

publishes the two-frame message ``[b"myapp.WARNING.disk.sda", b"WARNING ... almost full\\n"]``.
The topic is the root topic (if any), the level name, then the subtopic a message may carry
before ``::`` (:data:`TOPIC_DELIM`); subscribers filter on it with ordinary SUB prefixes.
Each level has its own :class:`logging.Formatter` (``formatters``); ``setFormatter`` sets one
level's or all of them.

A handler given an asyncio socket still sends synchronously (from whatever thread logs): a
PUB never blocks, and purezmq's sockets may be used from any thread.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Dict, Optional, Union

__all__ = ["PUBHandler", "TopicLogger", "TOPIC_DELIM"]

#: Separates a subtopic from the message text: ``log.info("db.slow::query took 3 s")``.
TOPIC_DELIM = "::"

_DETAILED = "%(levelname)s %(filename)s:%(lineno)d - %(message)s\n"


def _default_formatters() -> Dict[int, Optional[logging.Formatter]]:
    return {
        logging.DEBUG: logging.Formatter(_DETAILED),
        logging.INFO: logging.Formatter("%(message)s\n"),
        logging.WARNING: logging.Formatter(_DETAILED),
        logging.ERROR: logging.Formatter(
            "%(levelname)s %(filename)s:%(lineno)d - %(message)s - %(exc_info)s\n"
        ),
        logging.CRITICAL: logging.Formatter(_DETAILED),
    }


class PUBHandler(logging.Handler):
    """A :class:`logging.Handler` publishing each record on a PUB socket.

    ``interface_or_socket`` is either a socket (PUB, already bound or connected; its
    context becomes :attr:`ctx`) or an endpoint to bind a new PUB to, in ``context``
    (default: a new Context). ``root_topic`` prefixes every topic.
    """

    def __init__(
        self, interface_or_socket: Union[str, Any], context: Any = None, root_topic: str = ""
    ) -> None:
        super().__init__()
        from ..sugar.socket import Socket

        self.root_topic = root_topic
        self.formatters = _default_formatters()
        if isinstance(interface_or_socket, Socket):
            self.socket = interface_or_socket
            self.ctx = interface_or_socket.context
        else:
            from .. import PUB, Context

            self.ctx = context or Context()
            self.socket = self.ctx.socket(PUB)
            self.socket.bind(interface_or_socket)

    # -- topic ------------------------------------------------------------------------------
    @property
    def root_topic(self) -> str:
        return self._root_topic

    @root_topic.setter
    def root_topic(self, value: Union[str, bytes]) -> None:
        self.setRootTopic(value)

    def setRootTopic(self, root_topic: Union[str, bytes]) -> None:  # noqa: N802 - pyzmq API
        """Set the prefix of every topic ('' for none; bytes are decoded as utf-8).

        Subscribers must subscribe to (a prefix of) it, or to b'' for everything.
        """
        if isinstance(root_topic, bytes):
            root_topic = root_topic.decode("utf8")
        self._root_topic = root_topic

    # -- formatting -------------------------------------------------------------------------
    def setFormatter(
        self,
        fmt: Optional[logging.Formatter],  # noqa: N802 - logging API
        level: int = logging.NOTSET,
    ) -> None:
        """Use ``fmt`` for records of ``level``, or for every level when it is NOTSET."""
        if level == logging.NOTSET:
            for lvl in self.formatters:
                self.formatters[lvl] = fmt
        else:
            self.formatters[level] = fmt

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` with the formatter of its level."""
        fmt = self.formatters.get(record.levelno)
        if fmt is None:
            # a custom level, or a level whose formatter was set to None
            fmt = self.formatter or logging.Formatter("%(message)s\n")
        return fmt.format(record)

    # -- emitting ---------------------------------------------------------------------------
    def emit(self, record: logging.LogRecord) -> None:
        """Publish ``record`` as ``[topic, formatted message]``."""
        # str(msg) as LogRecord.getMessage does: msg may be any object
        text = str(record.msg)
        subtopic = ""
        if TOPIC_DELIM in text:
            subtopic, text = text.split(TOPIC_DELIM, 1)
            record = copy.copy(record)  # never change the record other handlers see
            record.msg = text
        try:
            body = self.format(record).encode("utf8")
        except Exception:
            self.handleError(record)
            return
        parts = [self.root_topic] if self.root_topic else []
        parts.append(record.levelname)
        if subtopic:
            parts.append(subtopic)
        topic = ".".join(parts).encode("utf8", "replace")
        self._send([topic, body])

    def _send(self, msg: list) -> None:
        sock = self.socket
        cached = self.__dict__.get("_plain")
        if cached is None or cached[0] is not sock:
            from ..utils._syncview import sync_socket

            cached = self.__dict__["_plain"] = (sock, sync_socket(sock))
        cached[1].send_multipart(msg)


class TopicLogger(logging.Logger):
    """A Logger whose methods take a topic before the message::

        logger.warning("disk.sda", "almost full: %d%%", 97)

    logs ``"disk.sda::almost full: 97%"``, which :class:`PUBHandler` publishes under the
    subtopic ``disk.sda``.
    """

    def log(  # type: ignore[override]
        self,
        level: int,
        topic: str,
        msg: str,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Log ``msg % args`` at ``level`` under ``topic``."""
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
        logging.Logger.log(self, level, f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)


_LEVEL_METHODS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


def _topic_method(name: str, level: int) -> Any:
    def method(self: TopicLogger, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:
        if name == "exception":
            kwargs.setdefault("exc_info", True)
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
        logging.Logger.log(self, level, f"{topic}{TOPIC_DELIM}{msg}", *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"TopicLogger.{name}"
    method.__doc__ = f"Like Logger.{name}, with a topic before the message."
    return method


# One wrapper per level method, each logging at its own level. (pyzmq builds these with
# lambdas in a loop that all call the loop's last method, so its TopicLogger logs every
# record at CRITICAL; the intent - and what this does - is debug() at DEBUG and so on.)
for _name, _level in _LEVEL_METHODS.items():
    setattr(TopicLogger, _name, _topic_method(_name, _level))
del _name, _level
