"""Socket and Frame API behaviour beyond the side-by-side scenarios of test_api_parity.

Here: what needs real transports or threads, what purezmq does on purpose differently from
the pyzmq wheel (libzmq 4.0 rules where the wheel has libzmq 4.3; documented extensions),
and known bugs (xfail, strict).
"""

from __future__ import annotations

import array
import errno
import gc
import sys
import threading
import warnings
import weakref

import pytest
from helpers import WAIT, bind, endpoint, recv_multipart

import purezmq as zmq


@pytest.fixture(params=["inproc", "ipc", "tcp"])
def transport(request):
    return request.param


def pair(ctx, transport="inproc"):
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    a.linger = b.linger = 0
    a.rcvtimeo = b.rcvtimeo = 2000
    ep = bind(a, transport)
    b.connect(ep)
    return a, b


# -- attribute-style options ------------------------------------------------------------------
def test_attribute_options(ctx):
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    s.identity = b"x"
    assert (s.linger, s.identity) == (0, b"x")
    assert s.get(zmq.LINGER) == 0 and s.getsockopt(zmq.IDENTITY) == b"x"
    with pytest.raises(AttributeError, match="has no such option: NO_SUCH"):
        _ = s.no_such
    with pytest.raises(AttributeError, match="has no such option: NO_SUCH"):
        s.no_such = 1
    r = ctx.socket(zmq.ROUTER)
    r.router_mandatory = 1  # write-only option: setting works ...
    with pytest.raises(AttributeError, match="write-only"):
        _ = r.router_mandatory  # ... reading is an AttributeError, as in pyzmq


def test_bytes_option_attribute_accepts_str(ctx):
    """purezmq extension: ``s.identity = 'x'`` encodes utf-8 (pyzmq 27 raises TypeError).

    The explicit call keeps pyzmq's rule: ``s.set(IDENTITY, 'x')`` is a TypeError.
    """
    s = ctx.socket(zmq.DEALER)
    s.identity = "ïd"
    assert s.identity == "ïd".encode()
    with pytest.raises(TypeError, match="setsockopt_string"):
        s.set(zmq.IDENTITY, "abc")
    ctx.identity = "from-ctx"
    assert ctx.socket(zmq.DEALER).identity == b"from-ctx"


def test_identity_rules_are_libzmq_40(ctx):
    """libzmq 4.0 rejects an empty identity and one starting with a zero byte (4.3 does not)."""
    s = ctx.socket(zmq.DEALER)
    for bad in (b"", b"\x00abc", b"x" * 256):
        with pytest.raises(zmq.ZMQError) as e:
            s.identity = bad
        assert e.value.errno == zmq.EINVAL
    s.identity = b"\x01" + b"y" * 254
    assert len(s.identity) == 255


def test_type_and_deprecated_socket_type(ctx):
    s = ctx.socket(zmq.ROUTER)
    assert s.type is zmq.SocketType.ROUTER
    assert s.get(zmq.TYPE) == zmq.ROUTER
    with pytest.warns(DeprecationWarning):
        assert s.socket_type == zmq.ROUTER


def test_repr_shape(ctx):
    s = ctx.socket(zmq.PUSH)
    assert repr(s).startswith("<purezmq.Socket(zmq.PUSH) at 0x")
    s.close()
    assert repr(s).endswith(" closed>")
    assert repr(ctx).startswith("<purezmq.Context() at 0x")


# -- bind / connect ---------------------------------------------------------------------------
def test_bind_error_includes_addr(ctx):
    s = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.ZMQError) as e:
        s.bind("tcp://nope:x")
    assert e.value.errno == zmq.EINVAL
    assert "(addr='tcp://nope:x')" in str(e.value)
    with pytest.raises(zmq.ZMQError) as e:
        s.connect("bogus://x")
    assert e.value.errno == zmq.EPROTONOSUPPORT
    assert str(e.value).endswith("(addr='bogus://x')")


def test_bind_and_connect_context_managers(ctx, transport):
    a = ctx.socket(zmq.PULL)
    b = ctx.socket(zmq.PUSH)
    a.linger = b.linger = 0
    with a.bind(endpoint(transport)) as bound:
        assert bound is a
        ep = a.last_endpoint.decode()
        with b.connect(ep):
            b.send(b"hi")
            assert recv_multipart(a) == [b"hi"]
        with pytest.raises(zmq.ZMQError) as e:
            b.disconnect(ep)  # the context manager already disconnected
        assert e.value.errno == errno.ENOENT
    with pytest.raises(zmq.ZMQError) as e:
        a.unbind(ep)  # ... and unbound
    assert e.value.errno == errno.ENOENT


def test_bind_to_random_port(ctx):
    s = ctx.socket(zmq.PULL)
    s.linger = 0
    port = s.bind_to_random_port("tcp://127.0.0.1")
    assert isinstance(port, int) and s.last_endpoint == f"tcp://127.0.0.1:{port}".encode()
    port2 = s.bind_to_random_port("tcp://127.0.0.1", min_port=30000, max_port=40000, max_tries=50)
    assert 30000 <= port2 < 40000
    t = ctx.socket(zmq.PULL)
    t.linger = 0
    with pytest.raises(zmq.ZMQBindError):
        t.bind_to_random_port("tcp://127.0.0.1", port, port + 1, max_tries=3)


# -- send / recv --------------------------------------------------------------------------------
def test_send_type_errors(ctx):
    a, b = pair(ctx)
    with pytest.raises(TypeError):
        a.send("text")
    with pytest.raises(TypeError):
        a.send(12)
    with pytest.raises(TypeError):
        a.send(object())
    with pytest.raises(TypeError, match=r"Frame 2 \(7\) does not support the buffer interface"):
        a.send_multipart([b"ok", b"ok", 7])
    with pytest.raises(zmq.Again):
        b.recv(zmq.NOBLOCK)  # nothing of the failed multipart went out


@pytest.mark.parametrize(
    "data, expected",
    [
        (memoryview(b"mv"), b"mv"),
        (bytearray(b"ba"), b"ba"),
        (array.array("i", [1, 2]), array.array("i", [1, 2]).tobytes()),
        (zmq.Frame(b"frame"), b"frame"),
        (b"", b""),
    ],
    ids=["memoryview", "bytearray", "array", "Frame", "empty"],
)
@pytest.mark.parametrize("copy", [True, False])
def test_send_buffers_round_trip(ctx, transport, data, expected, copy):
    a, b = pair(ctx, transport)
    a.send(data, copy=copy)
    assert b.recv() == expected


def test_recv_copy_false_frames(ctx, transport):
    a, b = pair(ctx, transport)
    big = bytes(range(256)) * 1000
    a.send_multipart([b"head", big])
    f1 = b.recv(copy=False)
    assert isinstance(f1, zmq.Frame)
    assert (f1.bytes, f1.more, len(f1), f1.get(zmq.MORE), f1[zmq.MORE]) == (b"head", True, 4, 1, 1)
    assert b.rcvmore == 1
    f2 = b.recv(copy=False)
    assert f2.more is False and b.rcvmore == 0
    assert isinstance(f2.buffer, memoryview)
    assert f2.buffer.tobytes() == big and f2.bytes == big and bytes(f2) == big
    assert len(f2) == len(big)
    frames = (a.send_multipart([b"x", b"y"]), b.recv_multipart(copy=False))[1]
    assert [(f.bytes, f.more) for f in frames] == [(b"x", True), (b"y", False)]


def test_frame_constructors():
    for data in (b"ab", bytearray(b"ab"), memoryview(b"ab")):
        f = zmq.Frame(data)
        assert f.bytes == b"ab" and len(f) == 2 and f.more is False
    assert zmq.Frame().bytes == b""
    with pytest.raises(TypeError, match="Str objects not allowed"):
        zmq.Frame("ab")
    with pytest.raises(TypeError):
        zmq.Frame(3)
    assert zmq.Frame(b"x").get(zmq.MORE) == 0
    with pytest.raises(zmq.ZMQError) as e:
        zmq.Frame(b"x").get(42)
    assert e.value.errno == zmq.EINVAL
    assert repr(zmq.Frame(b"ab")) == "<purezmq.Frame(b'ab')>"
    assert repr(zmq.Frame(b"a" * 100)) == "<purezmq.Frame(b'aaaaaaaaaaaa'...100B)>"


def test_frame_draft_properties_need_libzmq_42():
    with pytest.raises(zmq.ZMQVersionError):
        _ = zmq.Frame(b"x").routing_id
    with pytest.raises(zmq.ZMQVersionError):
        zmq.Frame(b"x").group = "g"


@pytest.mark.skipif(
    sys.version_info < (3, 12),
    reason="a pure-Python class can only export the buffer protocol from Python 3.12 (__buffer__)",
)
def test_frame_buffer_protocol():
    f = zmq.Frame(b"abc")
    assert bytes(memoryview(f)) == b"abc"


def test_track_returns_tracker_that_completes(ctx, transport):
    a, b = pair(ctx, transport)
    frame = zmq.Frame(b"x" * 100_000, copy=False, track=True)
    tracker = a.send(frame, copy=False, track=True)
    assert isinstance(tracker, zmq.MessageTracker)
    assert b.recv() == b"x" * 100_000
    # As in pyzmq: the buffer is held as long as the Frame itself lives.
    with pytest.raises(zmq.NotDone):
        tracker.wait(0.05)
    del frame
    tracker.wait(WAIT)
    assert tracker.done
    # several frames, one tracker
    frames = [zmq.Frame(b"p%d" % i, track=True) for i in range(3)]
    tracker = zmq.MessageTracker(*frames)
    a.send_multipart(frames, track=True)
    assert b.recv_multipart() == [b"p0", b"p1", b"p2"]
    tracker.wait(WAIT)
    assert tracker.done


def test_tracked_frame_shares_the_buffer():
    """Zero-copy, as pyzmq: the Frame views the caller's buffer until it is released."""
    buf = bytearray(b"original")
    f = zmq.Frame(buf, copy=False, track=True)
    buf[:] = b"changed!"
    assert f.bytes == b"changed!"
    tracker = f.tracker
    assert not tracker.done
    del f
    tracker.wait(WAIT)
    assert tracker.done


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_zero_copy_send_tracker_completes_when_released(ctx, transport):
    """send(copy=False, track=True) holds the caller's buffer until the bytes are gone."""
    a, b = pair(ctx, transport)
    big = bytearray(b"y" * 200_000)
    tracker = a.send(big, copy=False, track=True)
    assert isinstance(tracker, zmq.MessageTracker)
    got = b.recv(copy=False)
    assert got.bytes == bytes(big)
    if transport == "inproc":
        # the receiver's Frame still views the sender's buffer
        with pytest.raises(zmq.NotDone):
            tracker.wait(0.05)
        del got
    tracker.wait(WAIT)
    assert tracker.done


def test_message_tracker_wait_and_notdone():
    ev = threading.Event()
    tracker = zmq.MessageTracker(ev)
    assert not tracker.done
    with pytest.raises(zmq.NotDone):
        tracker.wait(0.01)
    t = threading.Thread(target=ev.set)
    t.start()
    tracker.wait(WAIT)
    t.join(WAIT)
    assert tracker.done
    with pytest.raises(ValueError, match="Not a tracked message"):
        zmq.MessageTracker(zmq.Frame(b"untracked"))


def test_send_bytes_copy_false_track_returns_tracker(ctx):
    a, b = pair(ctx)
    tracker = a.send(b"x" * 100_000, copy=False, track=True)
    assert isinstance(tracker, zmq.MessageTracker)


def test_send_string_json_pyobj_serialized(ctx):
    a, b = pair(ctx)
    a.send_string("héllo")
    assert b.recv_string() == "héllo"
    a.send_json({"k": [1, None]})
    assert b.recv_json() == {"k": [1, None]}
    a.send_pyobj({"set": {1, 2}})
    assert b.recv_pyobj() == {"set": {1, 2}}
    a.send_serialized({"a": 1}, lambda o: [k.encode() for k in o])
    assert b.recv_serialized(lambda frames: [bytes(f) for f in frames]) == [b"a"]
    with pytest.raises(TypeError):
        a.send_string(b"bytes")


def test_recv_into(ctx):
    a, b = pair(ctx)
    a.send(b"0123456789")
    buf = bytearray(4)
    assert b.recv_into(buf) == 10  # full size returned, frame truncated, rest discarded
    assert buf == b"0123"
    with pytest.raises(zmq.Again):
        b.recv_into(buf, flags=zmq.NOBLOCK)
    with pytest.raises(BufferError):
        b.recv_into(b"readonly")


# -- close, gc -----------------------------------------------------------------------------------
def test_closed_socket_raises_enotsock(ctx):
    s = ctx.socket(zmq.PAIR)
    s.close()
    assert s.closed
    s.close()  # idempotent
    for op in (
        lambda: s.send(b"x"),
        lambda: s.recv(),
        lambda: s.linger,
        lambda: s.set(zmq.LINGER, 0),
        lambda: s.bind("inproc://x"),
    ):
        with pytest.raises(zmq.ZMQError) as e:
            op()
        assert e.value.errno == zmq.ENOTSOCK
    with pytest.raises(zmq.ZMQError) as e:
        s.poll(0)
    assert e.value.errno == zmq.ENOTSUP  # pyzmq's Socket.poll checks closed first


def test_socket_context_manager_closes(ctx):
    with ctx.socket(zmq.PUSH) as s:
        assert not s.closed
    assert s.closed


def test_unreferenced_socket_is_collected(ctx):
    s = ctx.socket(zmq.PUSH)
    ref = weakref.ref(s)
    del s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert ref() is None


# -- monitor ---------------------------------------------------------------------------------------
def test_monitor_socket(ctx):
    from purezmq.utils.monitor import recv_monitor_message

    s = ctx.socket(zmq.PULL)
    s.linger = 0
    mon = s.get_monitor_socket()
    assert mon is s.get_monitor_socket()
    assert mon.type == zmq.PAIR
    mon.rcvtimeo = 2000
    s.bind("tcp://127.0.0.1:*")
    event = recv_monitor_message(mon)
    assert event["event"] == zmq.EVENT_LISTENING
    assert event["endpoint"] == s.last_endpoint
    s.disable_monitor()
    assert recv_monitor_message(mon)["event"] == zmq.EVENT_MONITOR_STOPPED
    mon.close()
