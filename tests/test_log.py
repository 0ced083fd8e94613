"""purezmq.log: PUBHandler (topics, root topic, formatters), TopicLogger, the log watcher.

Modelled on pyzmq's test_log.py; instead of sleeping for subscriptions to arrive, each test
logs a probe record until the subscriber sees one (poll with a deadline).
"""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
import threading
import time

import pytest

import purezmq as zmq
from purezmq.log import handlers
from purezmq.log.handlers import TOPIC_DELIM, PUBHandler, TopicLogger

pytestmark = pytest.mark.timeout(10)

_names = itertools.count()


@pytest.fixture
def logger():
    lg = logging.getLogger(f"purezmq-test-log-{next(_names)}")
    lg.setLevel(logging.DEBUG)
    lg.propagate = False
    yield lg
    for h in list(lg.handlers):
        lg.removeHandler(h)


def bound_pair(ctx, topic=b""):
    pub = ctx.socket(zmq.PUB)
    sub = ctx.socket(zmq.SUB)
    pub.linger = sub.linger = 0
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub.connect(f"tcp://127.0.0.1:{port}")
    sub.setsockopt(zmq.SUBSCRIBE, topic)
    return pub, sub


def sync(logger, sub, level=logging.WARNING, deadline=5.0):
    """Log probes until ``sub`` receives one, then drain: the subscription is in place."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        logger.log(level, "__probe__")
        if sub.poll(50):
            break
    else:
        raise AssertionError("subscription never reached the publisher")
    while sub.poll(50):
        sub.recv_multipart()


def recv(sub):
    assert sub.poll(2000), "no log message arrived"
    return sub.recv_multipart()


def connect_handler(ctx, logger, root_topic="zmq"):
    pub, sub = bound_pair(ctx, root_topic.encode())
    handler = PUBHandler(pub)
    handler.setLevel(logging.DEBUG)
    handler.root_topic = root_topic
    logger.addHandler(handler)
    sync(logger, sub)
    return handler, sub


def test_init_iface(ctx, logger):
    handler = PUBHandler("inproc://zmqlog-own")  # its own new Context
    try:
        assert handler.ctx is not ctx
        assert handler.socket.type == zmq.PUB
    finally:
        handler.socket.close(0)
        handler.ctx.term()
    handler = PUBHandler("inproc://zmqlog", ctx)
    assert handler.ctx is ctx
    handler.setLevel(logging.DEBUG)
    handler.root_topic = "zmq"
    logger.addHandler(handler)
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.setsockopt(zmq.SUBSCRIBE, b"zmq")
    sub.connect("inproc://zmqlog")
    sync(logger, sub)
    logger.info("message")
    assert recv(sub) == [b"zmq.INFO", b"message\n"]
    handler.socket.close(0)


def test_init_socket(ctx, logger):
    pub, sub = bound_pair(ctx, b"zmq")
    handler = PUBHandler(pub)
    handler.setLevel(logging.DEBUG)
    handler.root_topic = "zmq"
    logger.addHandler(handler)
    assert handler.socket is pub
    assert handler.ctx is pub.context is ctx
    sync(logger, sub)
    logger.info("message")
    assert recv(sub) == [b"zmq.INFO", b"message\n"]


def test_topic_per_level_and_default_formats(ctx, logger):
    handler, sub = connect_handler(ctx, logger)
    logger.debug("dbg")
    topic, body = recv(sub)
    assert topic == b"zmq.DEBUG"
    assert body.startswith(b"DEBUG test_log.py:") and body.endswith(b" - dbg\n")
    logger.info("inf")
    assert recv(sub) == [b"zmq.INFO", b"inf\n"]
    logger.warning("wrn")
    topic, body = recv(sub)
    assert topic == b"zmq.WARNING" and body.startswith(b"WARNING test_log.py:")
    logger.error("err")
    topic, body = recv(sub)
    assert topic == b"zmq.ERROR" and body.endswith(b" - err - None\n")
    logger.critical("crit")
    assert recv(sub)[0] == b"zmq.CRITICAL"


def test_root_topic(ctx, logger):
    handler, sub = connect_handler(ctx, logger)
    sub2 = ctx.socket(zmq.SUB)
    sub2.linger = 0
    sub2.connect(handler.socket.getsockopt(zmq.LAST_ENDPOINT).decode())
    sub2.setsockopt(zmq.SUBSCRIBE, b"")
    sync(logger, sub2)
    while sub.poll(50):
        sub.recv_multipart()  # the probes the first subscriber saw as well
    handler.root_topic = b"twoonly"  # bytes are accepted and decoded
    assert handler.root_topic == "twoonly"
    logger.info("ignored")
    assert recv(sub2) == [b"twoonly.INFO", b"ignored\n"]
    assert sub.poll(100) == 0  # subscribed to "zmq" only
    with pytest.raises(zmq.Again):
        sub.recv(zmq.NOBLOCK)


def test_blank_root_topic(ctx, logger):
    handler, everything = connect_handler(ctx, logger, root_topic="")
    only_info = ctx.socket(zmq.SUB)
    only_info.linger = 0
    only_info.connect(handler.socket.getsockopt(zmq.LAST_ENDPOINT).decode())
    only_info.setsockopt(zmq.SUBSCRIBE, b"INFO")
    sync(logger, only_info, level=logging.INFO)
    while everything.poll(50):
        everything.recv_multipart()
    handler.setRootTopic(b"")
    logger.debug("debug_message")
    assert recv(everything)[0] == b"DEBUG"
    assert only_info.poll(100) == 0
    logger.info("info_message")
    a = recv(everything)
    b = recv(only_info)
    assert a[0] == b[0] == b"INFO" and a == b


def test_subtopics_and_unicode(ctx, logger):
    handler, sub = connect_handler(ctx, logger)
    for msg, expected in [
        ("hello", [b"zmq.INFO", b"hello\n"]),
        ("héllo", [b"zmq.INFO", "héllo\n".encode()]),
        ("tøpic::héllo", ["zmq.INFO.tøpic".encode(), "héllo\n".encode()]),
        ("a.b::c::d", [b"zmq.INFO.a.b", b"c::d\n"]),
    ]:
        logger.info(msg)
        assert recv(sub) == expected


def test_record_is_not_mutated_for_other_handlers(ctx, logger):
    handler, sub = connect_handler(ctx, logger)
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    logger.addHandler(Keep())
    logger.info("sub.topic::text %d", 7)
    assert recv(sub) == [b"zmq.INFO.sub.topic", b"text 7\n"]
    assert seen == ["sub.topic::text 7"]


def test_set_info_formatter_via_property(ctx, logger):
    handler, sub = connect_handler(ctx, logger)
    handler.formatters[logging.INFO] = logging.Formatter("%(message)s UNITTEST\n")
    logger.info("info message")
    assert recv(sub)[1] == b"info message UNITTEST\n"


def test_custom_global_formatter(ctx, logger):
    handler, sub = connect_handler(ctx, logger)
    handler.setFormatter(logging.Formatter("UNITTEST %(message)s"))
    logger.info("info message")
    assert recv(sub)[1] == b"UNITTEST info message"
    logger.debug("debug message")
    assert recv(sub)[1] == b"UNITTEST debug message"


def test_custom_debug_formatter(ctx, logger):
    handler, sub = connect_handler(ctx, logger)
    handler.setFormatter(logging.Formatter("UNITTEST DEBUG %(message)s"), logging.DEBUG)
    logger.info("info message")
    assert recv(sub)[1] == b"info message\n"
    logger.debug("debug message")
    assert recv(sub)[1] == b"UNITTEST DEBUG debug message"


def test_custom_message_type(ctx, logger):
    class Message:
        def __init__(self, msg):
            self.msg = msg

        def __str__(self):
            return self.msg

    handler, sub = connect_handler(ctx, logger)
    logger.info(Message("hello"))
    assert recv(sub) == [b"zmq.INFO", b"hello\n"]


def test_custom_level_uses_handler_formatter(ctx, logger):
    handler, sub = connect_handler(ctx, logger)
    logger.log(25, "between info and warning")
    topic, body = recv(sub)
    assert topic == b"zmq.Level 25" and b"between info and warning" in body


def test_format_error_goes_to_handle_error(ctx, logger, monkeypatch):
    handler, sub = connect_handler(ctx, logger)
    errors = []
    monkeypatch.setattr(handler, "handleError", lambda record: errors.append(record))
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 1, "%d", ("not a number",), None
    )
    handler.handle(record)
    assert errors == [record]
    assert sub.poll(100) == 0


def test_dict_config(ctx):
    from logging.config import dictConfig

    pub, sub = bound_pair(ctx, b"cfg")
    name = f"purezmq-test-dictconfig-{next(_names)}"
    dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {
                "zmq": {
                    "class": "purezmq.log.handlers.PUBHandler",
                    "level": logging.DEBUG,
                    "root_topic": "cfg",
                    "interface_or_socket": pub,
                }
            },
            "loggers": {name: {"level": "DEBUG", "handlers": ["zmq"], "propagate": False}},
        }
    )
    lg = logging.getLogger(name)
    try:
        sync(lg, sub)
        lg.info("configured")
        assert recv(sub) == [b"cfg.INFO", b"configured\n"]
    finally:
        for h in list(lg.handlers):
            lg.removeHandler(h)


def test_async_socket_emit_from_thread_without_loop(ctx, logger):
    """An asyncio PUB socket works from a thread with no event loop (pyzmq gh-1967)."""
    import purezmq.asyncio

    actx = purezmq.asyncio.Context.shadow(ctx)
    apub = actx.socket(zmq.PUB)
    apub.linger = 0
    port = apub.bind_to_random_port("tcp://127.0.0.1")
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.connect(f"tcp://127.0.0.1:{port}")
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    handler = PUBHandler(apub)
    assert handler.socket is apub
    logger.addHandler(handler)
    sync(logger, sub)
    errors = []

    def emit():
        try:
            logger.info("from thread")
        except Exception as e:  # pragma: no cover - the failure being tested for
            errors.append(e)

    t = threading.Thread(target=emit)
    t.start()
    t.join(5)
    assert not errors
    assert recv(sub) == [b"INFO", b"from thread\n"]
    apub.close()


# -- TopicLogger ------------------------------------------------------------------------
def test_topic_logger_levels_and_topics():
    lg = TopicLogger(f"purezmq-topic-{next(_names)}")
    lg.setLevel(logging.DEBUG)
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    lg.addHandler(Keep())
    lg.debug("a.b", "debug %d", 1)
    lg.info("t", "info")
    lg.warning("t", "warning")
    lg.error("t", "error")
    lg.critical("t", "critical")
    lg.fatal("t", "fatal")
    lg.log(logging.INFO, "x.y", "via log %s", "args")
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        lg.exception("t", "exception")
    got = [(r.levelname, r.getMessage()) for r in records]
    assert got == [
        ("DEBUG", "a.b::debug 1"),
        ("INFO", "t::info"),
        ("WARNING", "t::warning"),
        ("ERROR", "t::error"),
        ("CRITICAL", "t::critical"),
        ("CRITICAL", "t::fatal"),
        ("INFO", "x.y::via log args"),
        ("ERROR", "t::exception"),
    ]
    assert records[-1].exc_info and records[-1].exc_info[0] is ZeroDivisionError
    # the caller, not the wrapper, is the record's origin
    assert all(r.filename == "test_log.py" for r in records)
    assert TOPIC_DELIM == "::"


def test_topic_logger_through_pubhandler(ctx, logger):
    handler, sub = connect_handler(ctx, logger)  # synchronised through a plain logger
    lg = TopicLogger(f"purezmq-topic-{next(_names)}")
    lg.setLevel(logging.DEBUG)
    lg.addHandler(handler)
    lg.warning("disk.sda", "almost %s", "full")
    topic, body = recv(sub)
    assert topic == b"zmq.WARNING.disk.sda" and body.endswith(b" - almost full\n")
    lg.removeHandler(handler)


def test_handlers_module_names():
    assert set(handlers.__all__) >= {"PUBHandler", "TopicLogger", "TOPIC_DELIM"}


def test_log_watcher_prints_records(ctx, logger):
    """``python -m purezmq.log URL`` prints ``topic | message`` lines."""
    pub = ctx.socket(zmq.PUB)
    pub.linger = 0
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    handler = PUBHandler(pub)
    handler.root_topic = "app"
    logger.addHandler(handler)
    proc = subprocess.Popen(
        [sys.executable, "-m", "purezmq.log", f"tcp://127.0.0.1:{port}", "--align"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        line = ""
        end = time.monotonic() + 8
        while time.monotonic() < end:
            logger.warning("db.slow::watch me")
            if sel.select(0.1):
                line = proc.stdout.readline()
                break
        sel.close()
        assert line.startswith("app.WARNING.db.slow | WARNING ")
        assert line.rstrip().endswith("watch me")
    finally:
        proc.terminate()
        proc.communicate(timeout=5)
