"""The stream engine: one tcp/ipc connection bound to a ZMTP handshake and a pipe pair.

Theory of operation
-------------------
A :class:`StreamEngine` lives on one I/O thread and owns one connected, non-blocking socket.
It runs the sans-I/O :class:`~purezmq.zmtp.Handshake`, then moves messages:

* **in**: ``recv`` a chunk (or ``recv_into`` the body of a large frame), decode every whole
  message in it, hand them to the inbound pipe in one ``write_many``. When the pipe is at its
  HWM the rest waits in ``_stash`` and the engine stops reading the socket (TCP back-pressure
  reaches the sender) until the pipe's writer wake-up says there is room.
* **out**: drain the outbound pipe until it is empty (the pipe then marks its reader asleep, so
  the socket's next write wakes us), encode the whole batch into one buffer, write it with one
  ``send`` — or ``sendmsg`` when large frames travel by reference. What the kernel does not
  take waits for the socket to become writable.

The :class:`~purezmq._engine._session_base.Session` behind it (re-exported here) outlives the
engine when we connected (the pipes, with their queued messages, survive reconnects) and dies
with it when we accepted. Engines report to their session; the session reports to the socket
core.
"""

from __future__ import annotations

import errno as _errno
import logging
import selectors
import socket
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from .._fanout import ANY as FAN_ANY
from .._fanout import WIRE as FAN_WIRE
from .._fanout import FanPipe
from .._pipe import DELIMITER, RESYNC, Link, TrackedMsg
from ..zmtp import (
    SENDS_IDENTITY,
    Handshake,
    ProtocolError,
    V1Decoder,
    V3Decoder,
    encode_command,
    encode_messages,
    encode_messages_v1,
    local_properties,
)
from ..zmtp._types import STREAM
from ._session_base import Session

if TYPE_CHECKING:  # pragma: no cover
    from ._iothread import IOThread

__all__ = ["Session", "StreamEngine", "encode_raw", "is_peer_gone"]

log = logging.getLogger("purezmq")

_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE

#: Bytes asked of the kernel per read: adapts between these bounds.
READ_CHUNK = 256 * 1024
MIN_READ = 8192
#: Bytes encoded per write batch before the engine goes back to the loop.
WRITE_BATCH = 512 * 1024
#: Messages taken from the outbound pipe per batch.
MAX_BATCH_MSGS = 4096

#: Minimum seconds between two direct writes from the sending thread.
DIRECT_GAP = 50e-6
#: Seconds a streaming peer's connection is left to the I/O thread (see streaming_until).
STREAM_HOLDOFF = 0.02
_monotonic = time.monotonic

_PING = b"\x04PING"
_SUBSCRIBE = b"\x09SUBSCRIBE"
_CANCEL = b"\x06CANCEL"
_PONG = b"\x04PONG"


class _OutBuffer:
    """Pending output as a list of buffers, written with send or sendmsg."""

    __slots__ = ("bufs", "size")

    def __init__(self) -> None:
        self.bufs: deque = deque()
        self.size = 0

    def add(self, buf: Any) -> None:
        n = len(buf)
        if n:
            self.bufs.append(buf)
            self.size += n

    def write_to(self, sock: socket.socket) -> int:
        """Write as much as the kernel takes; return bytes written. Raises OSError."""
        bufs = self.bufs
        if len(bufs) == 1:
            n = sock.send(bufs[0])
        else:
            n = sock.sendmsg(list(itertools_islice(bufs, 64)))
        self.size -= n
        left = n
        while left:
            b = bufs[0]
            ln = len(b)
            if left >= ln:
                bufs.popleft()
                left -= ln
            else:
                bufs[0] = memoryview(b)[left:]
                left = 0
        return n


def encode_raw(msgs: Any, out: bytearray, big: Any = None) -> None:
    """STREAM / ROUTER_RAW: frames go out as plain bytes, no framing."""
    for msg in msgs:
        for f in msg:
            out += f


def itertools_islice(d: deque, n: int) -> Any:
    if len(d) <= n:
        return d
    import itertools

    return itertools.islice(d, n)


class StreamEngine:
    """One connection: handshake, then framing between a socket and a pipe pair."""

    def __init__(self, session: Session, sock: socket.socket, endpoint: str) -> None:
        self.session = session
        self.io: IOThread = session.io
        self.sock = sock
        self.fd = sock.fileno()
        self.endpoint = endpoint
        self.dead = False
        opts = session.options
        self.options = opts
        self._out = _OutBuffer()
        self._stash: List[Any] = []
        #: Until when (monotonic) a receiving thread leaves reading to the I/O thread: a
        #: direct read that found several messages means the peer streams, and then the
        #: I/O thread reading ahead (decoding, decrypting) in parallel with the application
        #: beats one thread doing both in turn (CURVE 1 KiB: 2.7x the messages per second).
        self.streaming_until = 0.0
        self._reading = True
        self._writing = False
        self._draining = False  # the outbound pipe delivered DELIMITER
        self._wlock = threading.Lock()
        #: Guards the input side (decoder, stash, reading state): the I/O thread, or a
        #: thread blocked in recv() reading directly (read_direct).
        self._rlock = threading.RLock()  # re-entered: on_readable -> ... -> resume_input
        self._handoff = threading.Lock()
        self._app_waiting = False
        self._io_paused = False
        self._core = session.core
        self._rsize = MIN_READ
        #: After a reconnect, a SUB's stale queued subscriptions are dropped up to RESYNC.
        self._skipping = False
        #: Tracked zero-copy messages whose bytes are still in ``_out``.
        self._held: List[Any] = []
        self._codec: Any = None
        #: The direct-write fast path is open (handshake done, link attached, healthy).
        self._direct_ok = False
        self._link: Optional[Link] = None
        self._decoder: Any = None
        #: Appends the wire encoding of a batch of messages to a bytearray.
        self._encode: Callable[[Any, bytearray], None] = encode_messages
        self._identity_pending = False
        self.version = 0
        #: STREAM / ROUTER_RAW: no ZMTP at all, bytes in and out as they come.
        self.raw = opts.type == STREAM or bool(opts.router_raw)
        self._close_after_flush = False
        if self.raw:
            self.handshake: Optional[Handshake] = None
            self._handshaking = False
            return
        mech = self._make_mechanism()
        self.handshake = Handshake(
            opts.type,
            opts.identity,
            mech,
            maxmsgsize=opts.maxmsgsize,
            allow_legacy=session.allow_legacy(),
        )
        self._handshaking = True

    def _make_mechanism(self) -> Any:
        opts = self.options
        props = local_properties(opts.type, opts.identity, opts.type in SENDS_IDENTITY)
        return self.session.make_mechanism(props)

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        self.io.register(self.fd, self, _READ)
        if self.raw:
            self._encode = encode_raw
            self.session.engine_ready(self, b"", {}, None)
            if not self.dead:
                self.session.engine_attached(self)
                self.pull()
            return
        hs = self.handshake
        assert hs is not None
        self._send_raw(hs.start())

    def close(self, error: Optional[BaseException] = None) -> None:
        """Tear the connection down (idempotent) and tell the session. I/O thread only."""
        if self.dead:
            return
        self._direct_ok = False
        with self._wlock:
            self.dead = True
            self._held.clear()  # tracked messages that never made it out are released
            self._out = _OutBuffer()
        self.io.unregister(self.fd)
        try:
            self.sock.close()
        except OSError:  # pragma: no cover
            pass
        self.session.engine_closed(self, error)
        self._core._notify()  # a thread polling our descriptor looks again

    def on_error(self, exc: BaseException) -> None:
        self.close(exc)

    # -- input --------------------------------------------------------------------------
    def on_readable(self) -> None:
        # The input side may also be driven by a thread blocked in recv() (read_direct);
        # whoever holds _rlock reads, the other backs off.
        if self.dead or not self._reading:
            return
        if self._app_waiting:
            with self._handoff:
                if self._app_waiting:
                    # A thread blocked in recv() reads this connection itself; step aside
                    # until it is done (it hands the descriptor back through resume_io).
                    self._io_paused = True
                    self.io.want_read(self.fd, False)
                    return
        if not self._rlock.acquire(False):
            return
        try:
            self._read_locked()
        finally:
            self._rlock.release()

    def app_wait(self, waiting: bool) -> None:
        """A thread blocked in recv() starts/stops polling our descriptor (any thread)."""
        with self._handoff:
            self._app_waiting = waiting
            give_back = not waiting and self._io_paused
        if give_back:
            self.io.post(self.resume_io)

    def resume_io(self) -> None:
        """I/O thread: read the descriptor again once no thread is polling it."""
        with self._handoff:
            if not self._io_paused or self._app_waiting or self.dead:
                return
            self._io_paused = False
            if self._reading:
                self.io.want_read(self.fd, True)

    def read_direct(self) -> bool:
        """Fast path, on a thread blocked in recv(): read and deliver what the kernel has.

        Saves the hand-off through the I/O thread when a reply is awaited. Anything but the
        plain case (handshake, back-pressure, a large frame, EOF, errors) is left to the I/O
        thread. Returns True if something was delivered.
        """
        if not self._rlock.acquire(False):
            return False
        try:
            if (
                self.dead
                or self._handshaking
                or self._stash
                or not self._reading
                or self._identity_pending
            ):
                return False
            link = self._link
            dec = self._decoder
            if link is None or dec is None or not self._direct_ok:
                return False
            buf = dec.body_buffer() if hasattr(dec, "body_buffer") else None
            if buf is not None:
                # The rest of a large frame: straight into its buffer.
                try:
                    n = self.sock.recv_into(buf)
                except (BlockingIOError, InterruptedError):
                    return False
                except OSError:
                    self.io.post(self.on_readable)
                    return False
                if not n:
                    self.io.post(self.on_readable)
                    return False
                msgs = dec.body_received(n)
                if msgs:
                    self._deliver_direct(link, msgs)
                return True
            try:
                data = self.sock.recv(self._rsize)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError:
                self.io.post(self.on_readable)  # the I/O thread meets the error and closes
                return False
            if not data:
                self.io.post(self.on_readable)  # EOF stays readable: the I/O thread closes
                return False
            if self.raw:
                msgs = [[data]]
            else:
                try:
                    msgs = dec.feed(data)
                except ProtocolError as exc:
                    self.io.post(self.close, exc)
                    return False
            if msgs:
                if len(msgs) > 1:
                    self.streaming_until = _monotonic() + STREAM_HOLDOFF
                self._deliver_direct(link, msgs)
            return True
        finally:
            self._rlock.release()

    def _deliver_direct(self, link: Link, msgs: List[Any]) -> None:
        n = link.out.write_many(msgs)
        if n < len(msgs):
            self._stash = msgs[n:]
            self.io.post(self._pause_if_stashed)

    def _pause_if_stashed(self) -> None:
        with self._rlock:
            if self._stash:
                self._pause_reading()

    def _read_locked(self) -> None:
        dec = self._decoder
        try:
            if dec is not None:
                buf = dec.body_buffer() if hasattr(dec, "body_buffer") else None
                if buf is not None:
                    n = self.sock.recv_into(buf)
                    if not n:
                        self.close(EOFError("connection closed by peer"))
                        return
                    msgs = dec.body_received(n)
                    if msgs:
                        self._deliver(msgs)
                    return
            size = self._rsize
            data = self.sock.recv(size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self.close(exc)
            return
        if not data:
            self.close(EOFError("connection closed by peer"))
            return
        # Grow the read size under load, shrink it when idle: a big recv() buffer costs an
        # mmap'd allocation per call, a small one many calls per burst.
        n = len(data)
        if n == size:
            if size < READ_CHUNK:
                self._rsize = size * 2
        elif n < size >> 3 and size > MIN_READ:
            self._rsize = size >> 1
        if self.raw:
            self._deliver([[data]])
            return
        try:
            if self._handshaking:
                self._handshake_data(data)
            else:
                msgs = dec.feed(data)
                if msgs:
                    self._deliver(msgs)
        except ProtocolError as exc:
            self._send_error_reply()
            self.close(exc)

    def _send_error_reply(self) -> None:
        """Best effort: tell a modern peer why (an ERROR command) before closing."""
        hs = self.handshake
        assert hs is not None
        reply = getattr(hs.mechanism, "error_reply", None)
        if reply and self._handshaking:
            try:
                self.sock.send(encode_command(reply))
            except OSError:
                pass

    def _handshake_data(self, data: bytes) -> None:
        hs = self.handshake
        assert hs is not None
        reply = hs.receive(data)
        if reply:
            self._send_raw(reply)
        if self.dead:
            return
        if hs.zap_request is not None:
            self._reading = False
            self.io.want_read(self.fd, False)
            self.session.zap_request(self, hs.zap_request)
            return
        if hs.done:
            self._handshake_done()

    def zap_reply(self, reply: Any) -> None:
        """The ZAP handler answered (posted to our thread by the session)."""
        if self.dead:
            return
        with self._rlock:
            self._zap_reply_locked(reply)

    def _zap_reply_locked(self, reply: Any) -> None:
        hs = self.handshake
        assert hs is not None
        try:
            out = hs.zap_reply(reply)
            self._send_raw(out)
            if self.dead:
                return
            self._reading = True
            self.io.want_read(self.fd, True)
            if hs.done:
                self._handshake_done()
        except ProtocolError as exc:
            self._send_error_reply()
            self.close(exc)
        if self._reading and not self.dead:
            self.io.post(self.on_readable)  # bytes that arrived during the pause

    def _handshake_done(self) -> None:
        hs = self.handshake
        assert hs is not None
        self._handshaking = False
        self.version = hs.version
        opts = self.options
        codec = getattr(hs.mechanism, "codec", None)
        self._codec = codec
        if codec is not None:
            # CURVE: every frame travels in a MESSAGE box (encoding advances the nonce, so
            # it only ever happens under _wlock).
            self._decoder = codec.decoder(opts.maxmsgsize, self._on_command)
            self._encode = codec.encode
        elif hs.version == 3:
            self._decoder = V3Decoder(opts.maxmsgsize, self._on_command)
        elif hs.version == 2:
            self._decoder = V3Decoder(opts.maxmsgsize, None)
        else:
            self._decoder = V1Decoder(opts.maxmsgsize)
            self._encode = encode_messages_v1
        metadata = dict(hs.peer_metadata)
        identity = b""
        if hs.version == 3:
            identity = bytes(metadata.get("Identity", b""))
        self._identity_pending = hs.expects_identity
        mech = hs.mechanism
        self.session.engine_ready(self, identity, metadata, mech)
        if self.dead:
            return
        rest = hs.rest
        hs.rest = b""
        if self._identity_pending:
            # Legacy peers: we owe them our identity frame... sent by the handshake already;
            # their first frame is theirs, read from ``rest`` onwards.
            pass
        if rest:
            msgs = self._decoder.feed(rest)
            if msgs:
                self._deliver(msgs)
        # Legacy peers are attached by _deliver once their identity frame is read — possibly
        # just now, from ``rest``: attaching again here would hand the socket the same link
        # twice (a ROUTER then refuses the duplicate identity and closes the link).
        if not hs.expects_identity and not self.dead:
            self.session.engine_attached(self)
        self.pull()

    def _on_command(self, body: bytes) -> None:
        """A command after the handshake (ZMTP 3.1): PING is answered, SUBSCRIBE/CANCEL
        become subscription messages, anything else is dropped — never delivered as data."""
        if body.startswith(_PING) and len(body) >= 7:
            context = body[7:23]
            with self._wlock:
                if self._codec is not None:
                    buf = bytearray()
                    self._codec.encode_command(_PONG + context, buf)
                    self._out.add(buf)
                else:
                    self._out.add(encode_command(_PONG + context))
            self.io.post(self._flush)
        elif body.startswith(_SUBSCRIBE):
            self._deliver_late([b"\x01" + body[len(_SUBSCRIBE) :]])
        elif body.startswith(_CANCEL):
            self._deliver_late([b"\x00" + body[len(_CANCEL) :]])

    def _deliver_late(self, msg: Any) -> None:
        link = self._link
        if link is not None and not self._stash:
            link.out.force_write(msg)
        else:
            self._stash.append(msg)

    def _deliver(self, msgs: List[Any]) -> None:
        if self._identity_pending:
            first = msgs.pop(0)
            self._identity_pending = False
            ident = bytes(first[0]) if first else b""
            self.session.legacy_identity(self, ident)
            if self.dead:
                return
            self.session.engine_attached(self)
            if self.dead:
                return
            # A connecting socket may have queued messages before the identity came (its
            # pipe exists from connect()): nothing else would wake the writer for them.
            self.pull()
            if not msgs:
                return
        link = self._link
        if link is None or self._stash:
            self._stash.extend(msgs)
            self._pause_reading()
            return
        n = link.out.write_many(msgs)
        if n < len(msgs):
            self._stash = msgs[n:]
            self._pause_reading()

    def _pause_reading(self) -> None:
        if self._reading:
            self._reading = False
            self.io.want_read(self.fd, False)

    def attach_link(self, link: Link) -> None:
        """The session gives us the pipe pair (engine end) once the peer is attached."""
        self._link = link
        self._direct_ok = self.session.direct_write
        if self._stash:
            self.resume_input()

    def resume_input(self) -> None:
        """Room in the inbound pipe again: deliver the stash, then read the socket again."""
        if self.dead:
            return
        link = self._link
        if link is None:
            return
        with self._rlock:
            stash = self._stash
            if stash:
                n = link.out.write_many(stash)
                if n < len(stash):
                    self._stash = stash[n:]
                    self._pause_reading()
                    return
                self._stash = []
            if self._reading or self._handshaking:
                return
            self._reading = True
            if not self._io_paused:
                self.io.want_read(self.fd, True)
        # Data may already be waiting in the kernel buffer.
        self.on_readable()

    # -- output -------------------------------------------------------------------------
    # Everything below touches ``_out`` and writes the socket; it runs on the I/O thread or,
    # for the direct-write fast path, on the thread that sent the message, always under
    # ``_wlock``. Only the I/O thread changes selector interest or tears the engine down.

    def _collect(self, link: Link, out: _OutBuffer) -> bool:
        """Move queued messages from the outbound pipe into ``out``.

        Returns True when the pipe ran dry (its reader is now asleep, so the next write
        wakes us) or ended; False when the batch filled up and more messages wait.
        """
        inp = link.inp
        if type(inp) is FanPipe:
            return self._collect_fan(inp, out)
        read = inp.read
        while out.size < WRITE_BATCH:
            msgs = []
            m = None
            for _ in range(MAX_BATCH_MSGS):
                m = read()
                if m is None:
                    break
                if m is DELIMITER:
                    self._draining = True
                    self._direct_ok = False
                    break
                if self._skipping:
                    if m is RESYNC:
                        self._skipping = False
                    continue
                if m is RESYNC:
                    continue
                if type(m) is TrackedMsg:
                    self._held.append(m)  # released once the bytes are in the kernel
                if self.raw and not any(len(f) for f in m):
                    # STREAM: an empty data frame closes the connection (after what came
                    # before it has been written).
                    self._draining = True
                    self._close_after_flush = True
                    self._direct_ok = False
                    m = DELIMITER
                    break
                msgs.append(m)
            if msgs:
                self._encode_into(msgs, out)
            if m is None or m is DELIMITER:
                return True
        return False

    def _collect_fan(self, inp: FanPipe, out: _OutBuffer) -> bool:
        """_collect for a publisher's shared log: whole batches, joined when all wire."""
        while out.size < WRITE_BATCH:
            msgs, kind = inp.take()
            if not msgs:
                return True
            end = msgs[-1] is DELIMITER
            if end:
                msgs.pop()
                self._draining = True
                self._direct_ok = False
            if kind == FAN_WIRE:
                out.add(b"".join(msgs))
            elif msgs:
                if kind == FAN_ANY:
                    held = self._held
                    for m in msgs:
                        if type(m) is TrackedMsg:
                            held.append(m)  # released once the bytes are in the kernel
                self._encode_into(msgs, out)
            if end:
                return True
        return False

    def _encode_into(self, msgs: List[Any], out: _OutBuffer) -> None:
        """Encode a batch into ``out``; large frames are queued by reference, not copied."""
        buf = bytearray()
        if self._encode is encode_messages:

            def big(frame: Any, _buf: bytearray = buf) -> None:
                out.add(bytes(_buf))
                _buf.clear()
                out.add(frame)

            encode_messages(msgs, buf, big)
        else:
            self._encode(msgs, buf)
        out.add(buf)

    def pull(self) -> None:
        """Move messages from the outbound pipe to the wire until either runs dry."""
        if self.dead or self._handshaking:
            return
        link = self._link
        if link is None:
            return
        with self._wlock:
            dry = self._draining or self._collect(link, self._out)
            self._flush_locked()
            done = self._draining and not self._out.size and not self.dead
            more = not dry and not self._out.size and not self.dead
        if done:
            if self._close_after_flush:
                self.close(EOFError("closed by the application (empty STREAM frame)"))
            else:
                self.session.engine_drained(self)
        elif more:
            # A full batch went out and more is queued: continue after other work.
            self.io.post(self.pull)

    def try_direct(self) -> bool:
        """Fast path, on the sending thread: write a message now, skipping the I/O thread.

        Taken only when the connection is idle (nothing buffered, not waiting for the socket
        to drain) and the previous direct write was a while ago, so a request/reply exchange
        saves two thread hand-offs while a burst of sends still gets batched by the I/O
        thread (a syscall per message would be far slower).
        """
        if not self._direct_ok:
            return False
        now = _monotonic()
        core = self.session.core
        # The gap is per socket: a PUB fanning out to many peers must not make one syscall
        # per subscriber per message.
        if now - core._last_direct < DIRECT_GAP:
            return False
        if not self._wlock.acquire(False):
            return False
        try:
            if not self._direct_ok or self._out.size or self._writing or self.dead:
                return False
            core._last_direct = now
            out = self._out
            dry = self._collect(self._link, out)  # type: ignore[arg-type]
            try:
                while out.size:
                    out.write_to(self.sock)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._direct_ok = False
            if not out.size and self._held:
                self._held.clear()
            if out.size or not dry or self._draining or not self._direct_ok:
                # The I/O thread finishes the job (write interest, drain, or the error).
                self.io.post(self.pull)
            return True
        finally:
            self._wlock.release()

    def _send_raw(self, data: bytes) -> None:
        if data:
            with self._wlock:
                self._out.add(data)
                self._flush_locked()

    def _flush(self) -> None:
        with self._wlock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        out = self._out
        if self.dead:
            return
        try:
            while out.size:
                out.write_to(self.sock)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            self._direct_ok = False
            self.io.post(self.close, exc)
            return
        want = bool(out.size)
        if not want and self._held:
            self._held.clear()
        if want != self._writing:
            self._writing = want
            self.io.want_write(self.fd, want)

    def on_writable(self) -> None:
        if self.dead:
            return
        self.pull()


def is_peer_gone(exc: Optional[BaseException]) -> bool:
    return isinstance(exc, (EOFError, ConnectionError)) or (
        isinstance(exc, OSError) and exc.errno in (_errno.ECONNRESET, _errno.EPIPE)
    )
