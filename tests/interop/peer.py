"""The libzmq side of the interop tests: a pyzmq (real libzmq) peer in its own process.

Run as ``python peer.py`` (by the tests, with ``sys.executable``). It must never be imported
by the pytest process: the project rule is that libzmq (pyzmq) and purezmq never share a
process in the interop suite.

Control protocol: one JSON object per line on stdin, one JSON reply per line on stdout,
strictly in order. Every request has ``"cmd"``; every reply has ``"ok"`` (true/false) and,
on failure, ``"err"`` (an errno name such as ``"EAGAIN"`` or an exception text). Commands
run one at a time in the main thread, so a long one (``recv_many``) simply delays the reply:
the test writes the request, does its own half of the scenario, then reads the reply.

Bytes travel as *frame specs* (see ``tests/interop/_frames.py``, which mirrors this):
``{"hex": "..."}`` for literal bytes, ``{"gen": [seed, size]}`` for ``size`` deterministic
pseudo-random bytes derived from ``seed`` (so multi-megabyte frames need not be shipped).
Received frames are reported as ``{"len": n, "sha": sha256-hex}`` plus ``"hex"`` when small.

Commands
--------
new {type, opts?}            -> {sock}        create a socket (type by name, opts by name)
setsockopt {sock, opts}
bind {sock, ep}              -> {ep}          ep = LAST_ENDPOINT after the bind
connect {sock, ep}
send {sock, frames, timeout?}                 send_multipart with SNDTIMEO (ms, default 5000)
recv {sock, timeout?}        -> {frames, more, rcvmore}   one whole message, frame by frame
send_many {sock, n, prefix?, size?, timeout?} -> {sent}   messages b"<prefix><i:08d>" padded
recv_many {sock, n, prefix?, size?, start?, timeout?} -> {count, bad}   checks order, content
send_until_blocked {sock, prefix?, size?, start?, limit?, timeout?} -> {sent}
send_interleaved {socks, n, prefix, size?}    message i to every socket k: b"<prefix><k>-<i>"
recv_spread {socks, total, quiet?} -> {got}   per-socket arrival lists (text)
close {sock, linger?}
close_after_burst {type, ep, n, bind?, prefix?, size?}  new+connect/bind, send n, close, term
ping                          -> {pid}
exit
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sys

import zmq

SMALL = 1024


def gen_bytes(seed: str, size: int) -> bytes:
    return hashlib.shake_128(seed.encode()).digest(size) if size else b""


def decode_frame(spec) -> bytes:
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    seed, size = spec["gen"]
    return gen_bytes(seed, size)


def describe(frame: bytes) -> dict:
    d = {"len": len(frame), "sha": hashlib.sha256(frame).hexdigest()}
    if len(frame) <= SMALL:
        d["hex"] = frame.hex()
    return d


def seq_msg(prefix: str, i: int, size: int) -> bytes:
    body = f"{prefix}{i:08d}".encode()
    if len(body) < size:
        body += b"." * (size - len(body))
    return body


def opt_value(name: str, value):
    if isinstance(value, dict):
        return decode_frame(value)
    return value


class Peer:
    def __init__(self) -> None:
        self.ctx = zmq.Context()
        self.socks: dict = {}
        self.next_id = 1

    # -- helpers ----------------------------------------------------------------------
    def sock(self, req) -> zmq.Socket:
        return self.socks[req["sock"]]

    def apply_opts(self, s: zmq.Socket, opts: dict) -> None:
        for name, value in (opts or {}).items():
            s.setsockopt(getattr(zmq, name), opt_value(name, value))

    # -- commands ---------------------------------------------------------------------
    def cmd_ping(self, req):
        return {"pid": os.getpid(), "libzmq": zmq.zmq_version()}

    def cmd_new(self, req):
        s = self.ctx.socket(getattr(zmq, req["type"]))
        s.setsockopt(zmq.SNDTIMEO, 5000)
        s.setsockopt(zmq.RCVTIMEO, 5000)
        self.apply_opts(s, req.get("opts"))
        sid = self.next_id
        self.next_id += 1
        self.socks[sid] = s
        return {"sock": sid}

    def cmd_setsockopt(self, req):
        self.apply_opts(self.sock(req), req["opts"])
        return {}

    def cmd_bind(self, req):
        s = self.sock(req)
        s.bind(req["ep"])
        return {"ep": s.getsockopt(zmq.LAST_ENDPOINT).decode()}

    def cmd_connect(self, req):
        self.sock(req).connect(req["ep"])
        return {}

    def cmd_send(self, req):
        s = self.sock(req)
        s.setsockopt(zmq.SNDTIMEO, req.get("timeout", 5000))
        frames = [decode_frame(f) for f in req["frames"]]
        s.send_multipart(frames)
        return {}

    def cmd_recv(self, req):
        s = self.sock(req)
        s.setsockopt(zmq.RCVTIMEO, req.get("timeout", 5000))
        frames, more = [], []
        while True:
            frames.append(describe(s.recv()))
            m = s.getsockopt(zmq.RCVMORE)
            more.append(m)
            if not m:
                break
        return {"frames": frames, "more": more}

    def cmd_send_many(self, req):
        s = self.sock(req)
        s.setsockopt(zmq.SNDTIMEO, req.get("timeout", 5000))
        prefix, size = req.get("prefix", "m"), req.get("size", 0)
        for i in range(req["n"]):
            s.send(seq_msg(prefix, i, size))
        return {"sent": req["n"]}

    def cmd_recv_many(self, req):
        s = self.sock(req)
        s.setsockopt(zmq.RCVTIMEO, req.get("timeout", 5000))
        prefix, size, n = req.get("prefix", "m"), req.get("size", 0), req["n"]
        start = req.get("start", 0)
        count, bad = 0, None
        try:
            for i in range(start, start + n):
                msg = s.recv()
                if bad is None and (msg != seq_msg(prefix, i, size) or s.getsockopt(zmq.RCVMORE)):
                    bad = {"index": i, "got": msg[:64].hex()}
                count += 1
        except zmq.Again:
            pass
        return {"count": count, "bad": bad}

    def cmd_send_until_blocked(self, req):
        """Send b"<prefix><i>" (padded to size) until a send times out; report how many."""
        s = self.sock(req)
        s.setsockopt(zmq.SNDTIMEO, req.get("timeout", 200))
        prefix, size, limit = req.get("prefix", "m"), req.get("size", 0), req.get("limit", 100000)
        i = req.get("start", 0)
        try:
            while i < limit:
                s.send(seq_msg(prefix, i, size))
                i += 1
        except zmq.Again:
            pass
        return {"sent": i}

    def cmd_send_interleaved(self, req):
        """For i in range(n): send b"<prefix_k><i>" on each socket k in turn."""
        socks = [self.socks[i] for i in req["socks"]]
        size = req.get("size", 0)
        for s in socks:
            s.setsockopt(zmq.SNDTIMEO, req.get("timeout", 5000))
        for i in range(req["n"]):
            for k, s in enumerate(socks):
                s.send(seq_msg(f"{req['prefix']}{k}-", i, size))
        return {"sent": req["n"] * len(socks)}

    def cmd_recv_spread(self, req):
        """Receive ``total`` single-frame messages from any of ``socks``; report, per socket,
        the list of messages (as text) in arrival order. Stops early after ``quiet`` ms."""
        socks = [self.socks[i] for i in req["socks"]]
        poller = zmq.Poller()
        for s in socks:
            poller.register(s, zmq.POLLIN)
        got = [[] for _ in socks]
        total, n = req["total"], 0
        while n < total:
            ready = dict(poller.poll(req.get("quiet", 2000)))
            if not ready:
                break
            for k, s in enumerate(socks):
                while s in ready and n < total:
                    try:
                        got[k].append(s.recv(zmq.DONTWAIT).decode())
                        n += 1
                    except zmq.Again:
                        break
        return {"got": got}

    def cmd_close(self, req):
        s = self.socks.pop(req["sock"])
        s.close(linger=req.get("linger", 0))
        return {}

    def cmd_close_after_burst(self, req):
        """A fresh context: one socket sends a burst, closes with default linger, term."""
        ctx = zmq.Context()
        s = ctx.socket(getattr(zmq, req["type"]))
        if req.get("bind"):
            s.bind(req["ep"])
        else:
            s.connect(req["ep"])
        prefix, size = req.get("prefix", "m"), req.get("size", 0)
        for i in range(req["n"]):
            s.send(seq_msg(prefix, i, size))
        s.close()  # default linger (-1): everything queued must still be delivered
        ctx.term()
        return {"sent": req["n"]}


def main() -> None:
    peer = Peer()
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "exit":
            break
        try:
            reply = getattr(peer, "cmd_" + cmd)(req)
            reply["ok"] = True
        except zmq.ZMQError as e:
            reply = {"ok": False, "err": errno.errorcode.get(e.errno, str(e.errno)), "msg": str(e)}
        except Exception as e:  # report, keep serving
            reply = {"ok": False, "err": type(e).__name__, "msg": str(e)}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    for s in peer.socks.values():
        s.close(linger=0)
    peer.ctx.term()


if __name__ == "__main__":
    main()
