"""purezmq.auth: ZAP policies (NULL/PLAIN/CURVE), the thread authenticator and CURVE
certificates, in the style of pyzmq's own test_auth.py (purezmq on both ends).

Refusals are observed, not waited out: the server's monitor reports the failed handshake
(HANDSHAKE_FAILED_*), and only then do we check that nothing got through either way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Tuple

import pytest

import purezmq as zmq
import purezmq.auth
from purezmq.auth import CURVE_ALLOW_ANY, Authenticator
from purezmq.auth.certs import _parse_zpl
from purezmq.auth.thread import ThreadAuthenticator
from purezmq.utils import z85
from purezmq.utils.monitor import recv_monitor_message

pytestmark = pytest.mark.timeout(5)

WAIT_MS = 2000
REFUSED = (
    zmq.EVENT_HANDSHAKE_FAILED_AUTH,
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL,
)


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture
def auth(ctx):
    a = ThreadAuthenticator(ctx)
    a.start()
    yield a
    a.stop()


@pytest.fixture
def key_dirs(tmp_path):
    """Certificates as pyzmq's test makes them: public ones in one directory, secret
    ones in another."""
    keys, public, secret = (tmp_path / n for n in ("certificates", "public_keys", "private_keys"))
    for d in (keys, public, secret):
        d.mkdir()
    purezmq.auth.create_certificates(keys, "server")
    purezmq.auth.create_certificates(keys, "client")
    for name in os.listdir(keys):
        dest = public if name.endswith(".key") else secret
        shutil.move(str(keys / name), str(dest / name))
    return str(public), str(secret)


@pytest.fixture
def certs(key_dirs):
    _public, secret = key_dirs
    server_public, server_secret = purezmq.auth.load_certificate(
        os.path.join(secret, "server.key_secret")
    )
    client_public, client_secret = purezmq.auth.load_certificate(
        os.path.join(secret, "client.key_secret")
    )
    return server_public, server_secret, client_public, client_secret


# -- helpers --------------------------------------------------------------------------------
def wait_event(mon: Any, wanted: Tuple[int, ...], timeout_ms: int = WAIT_MS) -> dict:
    """The first monitor event in ``wanted`` (failing after ``timeout_ms``)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0 or not mon.poll(left):
            raise AssertionError(f"no event among {wanted} within {timeout_ms} ms")
        ev = recv_monitor_message(mon)
        if ev["event"] in wanted:
            return ev


@contextmanager
def push_pull(ctx: Any) -> Iterator[Tuple[Any, Any]]:
    """(server, client): the server PUSH binds, the client PULL connects (as in pyzmq)."""
    server, client = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    for s in (server, client):
        s.linger = 0
    server.sndtimeo = WAIT_MS
    client.rcvtimeo = WAIT_MS
    try:
        yield server, client
    finally:
        server.close()
        client.close()


def start(server: Any, client: Any) -> Any:
    """Bind ``server`` on tcp (monitored), connect ``client``; return the server monitor."""
    mon = server.get_monitor_socket()
    server.bind("tcp://127.0.0.1:*")
    client.connect(server.last_endpoint.decode())
    return mon


def can_connect(server: Any, client: Any) -> bool:
    """A message goes from server to client over a fresh tcp connection."""
    start(server, client)
    server.send(b"Hello World")
    return client.poll(WAIT_MS) and client.recv() == b"Hello World"


def assert_refused(server: Any, client: Any, events: Tuple[int, ...] = REFUSED) -> dict:
    """The handshake fails (as the server's monitor reports) and nothing gets through."""
    mon = start(server, client)
    ev = wait_event(mon, events)
    with pytest.raises(zmq.Again):  # no peer was ever attached to the PUSH
        server.send(b"leak", zmq.NOBLOCK)
    assert client.poll(0) == 0
    return ev


def curve_setup(server: Any, client: Any, certs: tuple, client_key: Optional[str] = "ok") -> None:
    server_public, server_secret, client_public, client_secret = certs
    server.curve_publickey = server_public
    server.curve_secretkey = server_secret
    server.curve_server = True
    if client_key is None:
        return
    client.curve_publickey = client_public
    client.curve_secretkey = client_secret
    client.curve_serverkey = server_public if client_key == "ok" else zmq.curve_keypair()[0]


def user_id_of_next(sock: Any) -> Tuple[bytes, str]:
    assert sock.poll(WAIT_MS)
    frame = sock.recv(copy=False)
    return frame.bytes, frame.get("User-Id")


# -- NULL -----------------------------------------------------------------------------------
def test_null_without_authenticator(ctx):
    with push_pull(ctx) as (server, client):
        assert can_connect(server, client)
    # a domain with no handler bound: libzmq 4.0 does not ask anybody and accepts
    with push_pull(ctx) as (server, client):
        server.zap_domain = b"global"
        assert can_connect(server, client)


def test_null_with_domain_goes_through_zap(ctx, auth):
    with push_pull(ctx) as (client, server):  # PULL server: it receives the User-Id
        server.zap_domain = b"global"
        start(server, client)
        client.send(b"hi")
        assert user_id_of_next(server) == (b"hi", "anonymous")


def test_null_without_domain_skips_zap(ctx, auth):
    auth.deny("127.0.0.1")  # would refuse, but NULL without a domain never asks
    with push_pull(ctx) as (server, client):
        assert can_connect(server, client)


def test_deny(ctx, auth):
    auth.deny("127.0.0.1")
    with pytest.raises(ValueError):
        auth.allow("127.0.0.2")
    with push_pull(ctx) as (server, client):
        server.zap_domain = b"global"
        ev = assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))
        assert ev["value"] == 400


def test_deny_only_listed(ctx, auth):
    auth.deny("10.1.2.3")
    with push_pull(ctx) as (server, client):
        server.zap_domain = b"global"
        assert can_connect(server, client)


def test_allow(ctx, auth):
    auth.allow("127.0.0.1")
    with pytest.raises(ValueError):
        auth.deny("127.0.0.2")
    with push_pull(ctx) as (server, client):
        server.zap_domain = b"global"
        assert can_connect(server, client)


def test_allow_list_excludes_others(ctx, auth):
    auth.allow("127.0.0.2")
    with push_pull(ctx) as (server, client):
        server.zap_domain = b"global"
        assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))


def test_denied_client_gets_nothing_either_way(ctx, auth):
    """A refused DEALER's queued requests never reach the ROUTER, and the ROUTER cannot
    address it."""
    auth.deny("127.0.0.1")
    router, dealer = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER)
    router.linger = dealer.linger = 0
    router.zap_domain = b"global"
    router.router_mandatory = 1
    dealer.identity = b"d1"
    try:
        mon = start(router, dealer)
        dealer.send(b"queued on the connecting pipe")  # stays queued: never delivered
        wait_event(mon, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))
        assert router.poll(0) == 0
        with pytest.raises(zmq.ZMQError) as e:
            router.send_multipart([b"d1", b"reply"])
        assert e.value.errno == zmq.EHOSTUNREACH
        assert dealer.poll(0) == 0
    finally:
        router.close()
        dealer.close()


# -- PLAIN ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "enabled, password, success",
    [
        (True, "correct", True),
        (False, "correct", False),
        (True, "incorrect", False),
    ],
)
def test_plain(ctx, auth, enabled, password, success):
    with push_pull(ctx) as (server, client):
        server.plain_server = True
        client.plain_username = b"admin"
        client.plain_password = password.encode()
        if enabled:
            auth.configure_plain(domain="*", passwords={"admin": "correct"})
        if success:
            assert can_connect(server, client)
        else:
            assert assert_refused(server, client)["value"] == 400
    # without the authenticator a PLAIN server accepts anyone (libzmq 4.0)
    auth.stop()
    with push_pull(ctx) as (server, client):
        server.plain_server = True
        client.plain_username, client.plain_password = b"who", b"ever"
        assert can_connect(server, client)


def test_plain_user_id_and_domains(ctx, auth):
    auth.configure_plain(domain="global", passwords={"admin": "secret"})
    with push_pull(ctx) as (client, server):
        server.plain_server = True
        server.zap_domain = b"global"
        client.plain_username, client.plain_password = b"admin", b"secret"
        start(server, client)
        client.send(b"m")
        assert user_id_of_next(server) == (b"m", "admin")
    # the same credentials in another domain: refused (no passwords for it)
    with push_pull(ctx) as (server, client):
        server.plain_server = True
        server.zap_domain = b"other"
        client.plain_username, client.plain_password = b"admin", b"secret"
        assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))


def test_plain_password_table_is_live(ctx, auth):
    """pyzmq keeps the caller's dict: users added later count for the next handshake."""
    table = {"admin": "secret"}
    auth.configure_plain(passwords=table)
    table["late"] = "pw"
    with push_pull(ctx) as (server, client):
        server.plain_server = True
        client.plain_username, client.plain_password = b"late", b"pw"
        assert can_connect(server, client)


def test_plain_passwords_stay_out_of_the_log(ctx, auth, caplog):
    caplog.set_level(logging.DEBUG, logger="zmq.auth")
    auth.configure_plain(passwords={"admin": "s3cr3t-good"})
    for pw, ok in ((b"s3cr3t-good", True), (b"s3cr3t-bad", False)):
        with push_pull(ctx) as (server, client):
            server.plain_server = True
            client.plain_username, client.plain_password = b"admin", pw
            if ok:
                assert can_connect(server, client)
            else:
                assert_refused(server, client)
    assert "admin" in caplog.text  # the log is on and says who...
    assert "s3cr3t" not in caplog.text  # ...but never a password


# -- CURVE ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "client_key, location, success",
    [
        ("ok", CURVE_ALLOW_ANY, True),
        ("ok", "public_keys", True),
        ("bad", "public_keys", False),  # wrong server key: fails before ZAP
        (None, "public_keys", False),  # client without keys speaks NULL: mechanism mismatch
        ("ok", "empty_dir", False),  # key not in the directory
    ],
)
def test_curve(ctx, auth, certs, key_dirs, tmp_path, client_key, location, success):
    auth.allow("127.0.0.1")
    if location == "public_keys":
        location = key_dirs[0]
    elif location == "empty_dir":
        location = str(tmp_path / "empty")
        os.mkdir(location)
    auth.configure_curve(domain="*", location=location)
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs, client_key)
        if success:
            assert can_connect(server, client)
        else:
            assert_refused(server, client)
    auth.stop()
    with push_pull(ctx) as (server, client):
        assert can_connect(server, client)


def test_curve_certificate_directory_is_reloaded_on_configure(ctx, auth, certs, tmp_path):
    certdir = tmp_path / "allowed"
    certdir.mkdir()
    auth.configure_curve(location=str(certdir))
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))
    # publish the client's public certificate and tell the authenticator
    (certdir / "client.key").write_text(
        '#   public\nmetadata\ncurve\n    public-key = "%s"\n' % certs[2].decode()
    )
    auth.configure_curve(location=str(certdir))
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        assert can_connect(server, client)


def test_curve_domains(ctx, auth, certs, key_dirs):
    auth.configure_curve(domain="inner", location=key_dirs[0])
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        server.zap_domain = b"inner"
        assert can_connect(server, client)
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        server.zap_domain = b"outer"
        assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))


def test_curve_bad_location_fails_closed(ctx, auth, certs, tmp_path, caplog):
    caplog.set_level(logging.ERROR, logger="zmq.auth")
    auth.configure_curve(location=str(tmp_path / "missing"))
    assert "Failed to load CURVE certs" in caplog.text
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))


class _Provider:
    def __init__(self, good: bytes, mode: str = "sync") -> None:
        self.good, self.mode, self.calls = good, mode, []

    def callback(self, domain: str, key: bytes) -> Any:
        self.calls.append((domain, key))
        if self.mode == "raise":
            raise RuntimeError("provider exploded")
        if self.mode == "async":
            return self._later(key)
        return key == self.good

    async def _later(self, key: bytes) -> bool:
        await asyncio.sleep(0.01)
        return key == self.good


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("key", ["ok", "wrong"])
def test_curve_callback(ctx, auth, certs, key, mode):
    auth.allow("127.0.0.1")
    server_public, _ss, client_public, _cs = certs
    provider = _Provider(client_public if key == "ok" else server_public, mode)
    auth.configure_curve_callback(credentials_provider=provider)
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        if key == "ok":
            assert can_connect(server, client)
        else:
            assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))
    assert provider.calls[0] == ("*", client_public)


def test_curve_callback_failure_costs_one_request(ctx, auth, certs):
    """A provider that raises refuses that client; the ZAP thread keeps serving."""
    provider = _Provider(certs[2], "raise")
    auth.configure_curve_callback(credentials_provider=provider)
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))
    assert auth.is_alive()
    provider.mode = "sync"
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        assert can_connect(server, client)


def test_curve_callback_domain_without_provider_is_refused(ctx, auth, certs, key_dirs):
    """pyzmq's order: once any provider exists, a domain without one is refused even if
    a certificate directory covers it."""
    auth.configure_curve(domain="*", location=key_dirs[0])
    auth.configure_curve_callback(domain="other", credentials_provider=_Provider(certs[2]))
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        assert_refused(server, client, (zmq.EVENT_HANDSHAKE_FAILED_AUTH,))


def test_curve_user_id(ctx, auth, certs, key_dirs):
    auth.allow("127.0.0.1")
    server_public, server_secret, client_public, client_secret = certs
    auth.configure_curve(domain="*", location=key_dirs[0])
    with push_pull(ctx) as (client, server):  # the PULL is the CURVE server
        curve_setup(server, client, certs)
        start(server, client)
        client.send(b"test")
        assert user_id_of_next(server) == (b"test", client_public.decode())
        # a custom key -> user id map
        auth.curve_user_id = lambda key: "custom:" + z85.encode(key)[:5].decode()
        client2 = ctx.socket(zmq.PUSH)
        client2.linger = 0
        try:
            client2.curve_publickey = client_public
            client2.curve_secretkey = client_secret
            client2.curve_serverkey = server_public
            client2.connect(server.last_endpoint.decode())
            client2.send(b"test2")
            assert user_id_of_next(server) == (b"test2", "custom:" + client_public[:5].decode())
        finally:
            client2.close()


def test_allow_any_is_one_switch_for_all_domains(ctx, auth, certs, key_dirs):
    """As in pyzmq: CURVE_ALLOW_ANY is not per domain, and configuring a directory
    afterwards switches it off again."""
    auth.configure_curve(domain="a", location=CURVE_ALLOW_ANY)
    assert auth.allow_any
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        server.zap_domain = b"b"
        assert can_connect(server, client)
    auth.configure_curve(domain="a", location=key_dirs[0])
    assert not auth.allow_any


# -- the Authenticator without a thread ------------------------------------------------------
def test_manual_authenticator(ctx):
    """pyzmq's documented pattern: start(), then feed zap_socket's requests by hand."""
    auth = Authenticator(ctx)
    auth.start()
    try:
        auth.configure_plain(passwords={"u": "p"})
        with push_pull(ctx) as (client, server):
            server.plain_server = True
            client.plain_username, client.plain_password = b"u", b"p"
            start(server, client)
            client.send(b"x")
            assert auth.zap_socket.poll(WAIT_MS)
            result = auth.handle_zap_message(auth.zap_socket.recv_multipart())
            assert getattr(result, "done", False)
            asyncio.run(_await(result))  # also awaitable, as in pyzmq >= 25
            assert user_id_of_next(server) == (b"x", "u")
    finally:
        auth.stop()


async def _await(aw: Any) -> Any:
    return await aw


class _FakeZap:
    def __init__(self) -> None:
        self.sent: List[List[bytes]] = []

    def send_multipart(self, frames: List[bytes], flags: int = 0) -> None:
        self.sent.append(frames)


def _auth_with_fake() -> Tuple[Authenticator, _FakeZap]:
    auth = Authenticator(context=object())  # never touched: no start()
    fake = _FakeZap()
    auth.zap_socket = fake
    return auth, fake


def _req(
    mechanism: bytes,
    *creds: bytes,
    version: bytes = b"1.0",
    domain: bytes = b"",
    address: bytes = b"127.0.0.1",
) -> List[bytes]:
    return [version, b"7", domain, address, b"", mechanism, *creds]


@pytest.mark.parametrize(
    "msg, status",
    [
        ([b"1.0"], b"400"),  # too short: still answered (a REP must reply to every request)
        ([b"1.0", b"7", b"", b""], b"400"),
        (_req(b"NULL", version=b"2.0"), b"400"),
        (_req(b"PLAIN", b"only-user"), b"400"),
        (_req(b"CURVE", b"short"), b"400"),
        (_req(b"CURVE", b"k" * 32, b"extra"), b"400"),
        (_req(b"MYSTERY"), b"400"),
        (_req(b"NULL"), b"200"),
    ],
)
def test_handle_zap_message_answers_every_request(msg, status):
    auth, fake = _auth_with_fake()
    auth.handle_zap_message(msg)
    assert len(fake.sent) == 1
    reply = fake.sent[0]
    assert len(reply) == 6 and reply[0] == b"1.0" and reply[2] == status
    if len(msg) > 1:
        assert reply[1] == msg[1]
    assert reply[4] == (b"anonymous" if status == b"200" else b"")


def test_handle_zap_message_async_provider_needs_await():
    auth, fake = _auth_with_fake()
    key = b"\x01" * 32
    auth.configure_curve_callback(credentials_provider=_Provider(z85.encode(key), "async"))
    pending = auth.handle_zap_message(_req(b"CURVE", key))
    assert fake.sent == []  # the answer is still to come
    asyncio.run(_await(pending))
    assert fake.sent[0][2:5] == [b"200", b"OK", z85.encode(key)]


def test_handle_zap_message_async_provider_failure():
    auth, fake = _auth_with_fake()
    provider = _Provider(b"", "async")

    async def boom(key: bytes) -> bool:
        raise RuntimeError("no db")

    provider._later = boom  # type: ignore[method-assign]
    auth.configure_curve_callback(credentials_provider=provider)
    asyncio.run(_await(auth.handle_zap_message(_req(b"CURVE", b"\x02" * 32))))
    assert fake.sent[0][2] == b"500"


def test_plain_checks_domain_and_user():
    auth, fake = _auth_with_fake()
    auth.handle_zap_message(_req(b"PLAIN", b"a", b"b"))
    auth.configure_plain("d", {"a": "b"})
    auth.handle_zap_message(_req(b"PLAIN", b"a", b"b"))  # empty domain means '*'
    auth.handle_zap_message(_req(b"PLAIN", b"x", b"b", domain=b"d"))
    auth.handle_zap_message(_req(b"PLAIN", b"a", b"c", domain=b"d"))
    auth.handle_zap_message(_req(b"PLAIN", b"a", b"b", domain=b"d"))
    assert [r[2:5] for r in fake.sent] == [
        [b"400", b"No passwords defined", b""],
        [b"400", b"Invalid domain", b""],
        [b"400", b"Invalid username", b""],
        [b"400", b"Invalid password", b""],
        [b"200", b"OK", b"a"],
    ]


def test_address_policy_applies_before_mechanism():
    auth, fake = _auth_with_fake()
    auth.allow("10.0.0.1")
    auth.configure_plain(passwords={"a": "b"})
    auth.handle_zap_message(_req(b"PLAIN", b"a", b"b", address=b"10.0.0.2"))
    auth.handle_zap_message(_req(b"PLAIN", b"a", b"wrong", address=b"10.0.0.1"))
    auth.handle_zap_message(_req(b"PLAIN", b"a", b"b", address=b"10.0.0.1"))
    assert [r[2:4] for r in fake.sent] == [
        [b"400", b"Address not allowed"],
        [b"400", b"Invalid password"],
        [b"200", b"OK"],
    ]


# -- ThreadAuthenticator lifetime -------------------------------------------------------------
def test_thread_authenticator_lifecycle(ctx):
    a = ThreadAuthenticator(ctx)
    assert not a.is_alive()
    a.start()
    assert a.is_alive() and a.zap_socket is not None
    b = ThreadAuthenticator(ctx)
    with pytest.raises(zmq.ZMQError) as e:  # one ZAP handler per context
        b.start()
    assert e.value.errno == zmq.EADDRINUSE
    assert not b.is_alive()
    a.pipe.send(b"NONSENSE")  # an unknown command is answered, the thread goes on
    assert a.pipe.poll(WAIT_MS) and a.pipe.recv() == b"ERROR"
    a.stop()
    assert not a.is_alive() and a.zap_socket is None and a.pipe is None
    a.stop()  # idempotent
    b.start()  # the endpoint is free again
    b.stop()


def test_default_context_is_the_global_instance():
    a = ThreadAuthenticator()
    assert a.context is zmq.Context.instance()


def test_thread_ends_when_the_context_is_destroyed(ctx):
    a = ThreadAuthenticator(ctx)
    a.start()
    thread = a.thread
    t0 = time.monotonic()
    ctx.destroy(linger=0)
    thread.join(WAIT_MS / 1000)
    assert not thread.is_alive() and time.monotonic() - t0 < 2
    a.stop()  # harmless afterwards


def test_zap_thread_serves_concurrent_handshakes(ctx, auth):
    auth.configure_plain(passwords={f"u{i}": f"p{i}" for i in range(8)})
    server = ctx.socket(zmq.PULL)
    server.linger = 0
    server.plain_server = True
    server.rcvtimeo = WAIT_MS
    server.bind("tcp://127.0.0.1:*")
    ep = server.last_endpoint.decode()
    clients = []
    try:
        for i in range(8):
            c = ctx.socket(zmq.PUSH)
            c.linger = 0
            c.plain_username = f"u{i}".encode()
            c.plain_password = (f"p{i}" if i % 2 == 0 else "bad").encode()
            c.connect(ep)
            c.send(f"from {i}".encode())
            clients.append(c)
        got = {server.recv_string() for _ in range(4)}
        assert got == {"from 0", "from 2", "from 4", "from 6"}
        assert server.poll(100) == 0
    finally:
        server.close()
        for c in clients:
            c.close()


# -- certificates -----------------------------------------------------------------------------
def test_create_and_load_certificates(tmp_path):
    pub_file, sec_file = purezmq.auth.create_certificates(
        tmp_path, "alice", metadata={"name": "Alice A."}
    )
    assert pub_file == str(tmp_path / "alice.key")
    assert sec_file == str(tmp_path / "alice.key_secret")
    public, secret = purezmq.auth.load_certificate(sec_file)
    assert len(public) == 40 and len(secret) == 40
    assert zmq.curve_public(secret) == public  # a real key pair
    assert purezmq.auth.load_certificate(pub_file) == (public, None)
    if os.name == "posix":
        assert stat.S_IMODE(os.stat(sec_file).st_mode) == 0o600
    text = open(pub_file).read()
    assert "secret-key" not in text and "ZeroMQ CURVE Public Certificate" in text
    fields = _parse_zpl(open(sec_file).read())
    assert fields["metadata/name"] == "Alice A."
    assert fields["curve/public-key"] == public.decode()
    purezmq.auth.create_certificates(tmp_path, "bob")
    assert purezmq.auth.load_certificates(tmp_path) == {
        public: True,
        purezmq.auth.load_certificate(tmp_path / "bob.key")[0]: True,
    }


def test_secret_file_mode_is_tightened_on_overwrite(tmp_path):
    if os.name != "posix":
        pytest.skip("POSIX file modes")
    victim = tmp_path / "x.key_secret"
    victim.write_text("old")
    os.chmod(victim, 0o644)
    purezmq.auth.create_certificates(tmp_path, "x")
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o600


def test_czmq_style_certificate(tmp_path):
    """Quoted values, comments, a ``public-key`` under metadata that is only metadata."""
    public, secret = zmq.curve_keypair()
    path = tmp_path / "c.key_secret"
    path.write_text(
        "#   ****  Generated on 2014-01-01 by czmq  ****\n"
        "#   ZeroMQ CURVE **Secret** Certificate\n\n"
        "metadata\n"
        '    public-key = "not-the-key"\n'
        "    email = 'a@b.c'   # trailing comment\n"
        "curve\n"
        '    public-key = "%s"\n'
        "    # a comment in between\n"
        '    secret-key = "%s"\n' % (public.decode(), secret.decode())
    )
    assert purezmq.auth.load_certificate(path) == (public, secret)
    assert _parse_zpl(path.read_text())["metadata/email"] == "a@b.c"


def test_certificate_errors(tmp_path):
    with pytest.raises(OSError):
        purezmq.auth.load_certificate(tmp_path / "nope.key")
    with pytest.raises(OSError):
        purezmq.auth.load_certificates(tmp_path / "nodir")
    empty = tmp_path / "empty.key"
    empty.write_text("metadata\ncurve\n")
    with pytest.raises(ValueError):
        purezmq.auth.load_certificate(empty)
    public, secret = zmq.curve_keypair()
    bad = tmp_path / "bad.key_secret"
    bad_secret = secret[:-1].decode()  # 39 characters: not a key
    bad.write_text(
        f'curve\n    public-key = "{public.decode()}"\n    secret-key = "{bad_secret}"\n'
    )
    with pytest.raises(ValueError) as e:
        purezmq.auth.load_certificate(bad)
    assert bad_secret not in str(e.value) and "secret-key" in str(e.value)
    with pytest.raises(ValueError):
        purezmq.auth.create_certificates(tmp_path, "m", metadata={"k": "line\nbreak"})
    with pytest.raises(ValueError):
        purezmq.auth.create_certificates(tmp_path, "m", metadata={"bad name": "v"})
    assert not (tmp_path / "m.key").exists()  # nothing half-written


_PYZMQ_CERTS = r"""
import json, os, sys
import zmq, zmq.auth
ours, theirs = sys.argv[1], sys.argv[2]
pub, sec = zmq.auth.create_certificates(theirs, "made-by-pyzmq", metadata={"owner": "pyzmq"})
out = {
    "pyzmq_made": [k.decode() for k in zmq.auth.load_certificate(sec)],
    "pyzmq_reads_ours": [None if k is None else k.decode()
                         for k in zmq.auth.load_certificate(os.path.join(ours, "pz.key_secret"))],
    "pyzmq_reads_our_public": [None if k is None else k.decode()
                               for k in zmq.auth.load_certificate(os.path.join(ours, "pz.key"))],
    "pyzmq_dir": sorted(k.decode() for k in zmq.auth.load_certificates(ours)),
}
print(json.dumps(out))
"""


@pytest.mark.timeout(10)
def test_certificates_interchange_with_pyzmq(tmp_path):
    """Files written by purezmq load in pyzmq and vice versa (pyzmq in a subprocess)."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    purezmq.auth.create_certificates(ours, "pz", metadata={"owner": "purezmq", "note": "a b"})
    our_public, our_secret = purezmq.auth.load_certificate(ours / "pz.key_secret")
    proc = subprocess.run(
        [sys.executable, "-c", _PYZMQ_CERTS, str(ours), str(theirs)],
        capture_output=True,
        text=True,
        timeout=8,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert res["pyzmq_reads_ours"] == [our_public.decode(), our_secret.decode()]
    assert res["pyzmq_reads_our_public"] == [our_public.decode(), None]
    assert res["pyzmq_dir"] == [our_public.decode()]
    public, secret = purezmq.auth.load_certificate(theirs / "made-by-pyzmq.key_secret")
    assert [public.decode(), secret.decode()] == res["pyzmq_made"]
    assert zmq.curve_public(secret) == public
    assert purezmq.auth.load_certificates(theirs) == {public: True}
    assert (
        _parse_zpl((theirs / "made-by-pyzmq.key_secret").read_text())["metadata/owner"] == "pyzmq"
    )


def test_certificate_files_drive_curve(ctx, auth, tmp_path):
    """Keys from certificate files drive a real CURVE handshake checked by directory."""
    purezmq.auth.create_certificates(tmp_path, "server")
    purezmq.auth.create_certificates(tmp_path, "client")
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    shutil.copy(tmp_path / "client.key", allowed / "client.key")
    auth.configure_curve(location=str(allowed))
    certs = (
        *purezmq.auth.load_certificate(tmp_path / "server.key_secret"),
        *purezmq.auth.load_certificate(tmp_path / "client.key_secret"),
    )
    with push_pull(ctx) as (server, client):
        curve_setup(server, client, certs)
        assert can_connect(server, client)


def test_public_api_names():
    assert purezmq.auth.CURVE_ALLOW_ANY == "*"
    for name in (
        "Authenticator",
        "CURVE_ALLOW_ANY",
        "create_certificates",
        "load_certificate",
        "load_certificates",
    ):
        assert name in purezmq.auth.__all__
    import purezmq.auth.thread as t

    assert issubclass(t.ThreadAuthenticator, Authenticator)
    assert hasattr(t, "AuthenticationThread")
