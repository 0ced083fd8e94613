"""CURVE certificates on disk, in the file format of czmq's ``zcert`` and pyzmq's
``zmq.auth.certs`` (same API): files written here load in pyzmq/czmq and vice versa.

A certificate is a ZPL file (ZeroMQ RFC 4: ``#`` comments, one ``name = value`` per line,
four spaces of indentation per level)::

    #   ZeroMQ CURVE Public Certificate
    metadata
        name = "alice"
    curve
        public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

``NAME.key`` holds the public key only (hand it to peers), ``NAME.key_secret`` both keys
(keep it private: like czmq, it is created readable by its owner only). Keys are Z85 text.

Reading is structural, as in czmq: only ``curve/public-key`` and ``curve/secret-key``
count (a ``public-key`` under ``metadata`` is just metadata), and a key that is not 40 Z85
characters of a 32-byte key is refused with ``ValueError`` rather than loaded as a key that
can never match. Error messages name the file and the field, never a key's value.
"""

from __future__ import annotations

import datetime
import glob
import os
import re
from typing import Dict, Mapping, Optional, Tuple, Union

from ..utils import z85

__all__ = ["create_certificates", "load_certificate", "load_certificates"]

_PathLike = Union[str, "os.PathLike[str]"]

_PUBLIC_BANNER = """\
#   ****  Generated on {now} by purezmq  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

"""

_SECRET_BANNER = """\
#   ****  Generated on {now} by purezmq  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

"""

# ZPL names: letters, digits and $ - _ @ . & + /  (RFC 4).
_NAME = re.compile(r"^[A-Za-z0-9$\-_@.&+/]+$")


# -- ZPL --------------------------------------------------------------------------------
def _zpl_value(text: str) -> str:
    """The value part after ``=``: quoted ("..." or '...') or bare up to a comment."""
    text = text.strip()
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        return text[1:] if end < 0 else text[1:end]
    return text.split("#", 1)[0].strip()


def _parse_zpl(text: str) -> Dict[str, str]:
    """Flatten a ZPL document to ``{"section/name": value}`` (names without a value map
    to ``""``). Lenient about what czmq would reject (odd indentation, tabs)."""
    out: Dict[str, str] = {}
    path: list = []
    for raw in text.splitlines():
        line = raw.expandtabs(4).rstrip()
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        level = (len(line) - len(stripped)) // 4
        if "=" in stripped:
            name, value = stripped.split("=", 1)
            name, value = name.strip(), _zpl_value(value)
        else:
            name, value = stripped.split("#", 1)[0].strip(), ""
        del path[level:]
        path.append(name)
        out["/".join(path)] = value
    return out


def _zpl_quote(value: str, what: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise ValueError(f"{what}: line breaks and NUL are not allowed in certificate values")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    raise ValueError(f"{what}: a value cannot hold both kinds of quote")


def _as_text(value: Union[str, bytes], encoding: str = "utf-8") -> str:
    return value.decode(encoding) if isinstance(value, (bytes, bytearray)) else str(value)


# -- writing ----------------------------------------------------------------------------
def _certificate_text(
    banner: str,
    public_key: str,
    secret_key: Optional[str],
    metadata: Optional[Mapping[Union[str, bytes], Union[str, bytes]]],
) -> str:
    lines = [banner.format(now=datetime.datetime.now().isoformat(timespec="seconds"))]
    lines.append("metadata\n")
    for key, value in (metadata or {}).items():
        name = _as_text(key)
        if not _NAME.match(name):
            raise ValueError(f"invalid certificate metadata name {name!r}")
        lines.append(f"    {name} = {_zpl_quote(_as_text(value), name)}\n")
    lines.append("curve\n")
    lines.append(f'    public-key = "{public_key}"\n')
    if secret_key is not None:
        lines.append(f'    secret-key = "{secret_key}"\n')
    return "".join(lines)


def _write(path: str, text: str, private: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600 if private else 0o666)
    try:
        if private and hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_CREAT
        data = text.encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def create_certificates(
    key_dir: _PathLike,
    name: str,
    metadata: Optional[Mapping[Union[str, bytes], Union[str, bytes]]] = None,
) -> Tuple[str, str]:
    """Create a new key pair as ``key_dir/name.key`` (public) and ``key_dir/name.key_secret``
    (public + secret, mode 0600). Returns the two file paths (public, secret)."""
    from .. import curve_keypair

    public, secret = curve_keypair()
    base = os.path.join(os.fspath(key_dir), name)
    public_file, secret_file = f"{base}.key", f"{base}.key_secret"
    pub_s = public.decode("ascii")
    # Build both texts first: bad metadata must not leave half a certificate behind.
    public_text = _certificate_text(_PUBLIC_BANNER, pub_s, None, metadata)
    secret_text = _certificate_text(_SECRET_BANNER, pub_s, secret.decode("ascii"), metadata)
    _write(public_file, public_text, private=False)
    _write(secret_file, secret_text, private=True)
    return public_file, secret_file


# -- reading ----------------------------------------------------------------------------
def _checked_key(value: Optional[str], filename: str, field: str) -> Optional[bytes]:
    if value is None:
        return None
    key = value.strip().encode("ascii", "replace")
    try:
        ok = len(key) == 40 and len(z85.decode(key)) == 32
    except ValueError:
        ok = False
    if not ok:
        # Never echo the value: it may be (part of) a secret key.
        raise ValueError(f"{filename}: curve/{field} is not a 40-character Z85 key")
    return key


def _read_certificate(filename: _PathLike) -> Dict[str, str]:
    path = os.fspath(filename)
    if not os.path.isfile(path):
        raise OSError(f"Invalid certificate file: {path}")
    with open(path, "rb") as f:
        return _parse_zpl(f.read().decode("utf-8", "replace"))


def load_certificate(filename: _PathLike) -> Tuple[bytes, Optional[bytes]]:
    """Read ``(public_key, secret_key)`` (Z85 bytes) from a certificate file; the secret is
    None for a public certificate. ``OSError`` if the file is missing, ``ValueError`` if it
    has no (valid) public key."""
    fields = _read_certificate(filename)
    path = os.fspath(filename)
    public = _checked_key(fields.get("curve/public-key"), path, "public-key")
    if public is None:
        raise ValueError(f"No public key found in {path}")
    secret = _checked_key(fields.get("curve/secret-key"), path, "secret-key")
    return public, secret


def load_certificates(directory: _PathLike = ".") -> Dict[bytes, bool]:
    """The public keys of every ``*.key`` certificate in ``directory``, as
    ``{z85_public_key: True}`` (the shape pyzmq's Authenticator keeps)."""
    path = os.fspath(directory)
    if not os.path.isdir(path):
        raise OSError(f"Invalid certificate directory: {path}")
    certs: Dict[bytes, bool] = {}
    for cert_file in sorted(glob.glob(os.path.join(glob.escape(path), "*.key"))):
        public, _secret = load_certificate(cert_file)
        certs[public] = True
    return certs
