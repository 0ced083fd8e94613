"""ZAP authentication and CURVE certificates, with pyzmq's ``zmq.auth`` API.

    from purezmq.auth.thread import ThreadAuthenticator

    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.allow("127.0.0.1")
    auth.configure_curve(domain="*", location="public_keys")   # or CURVE_ALLOW_ANY

The asyncio flavour (``purezmq.auth.asyncio``) comes with the asyncio layer.
"""

from __future__ import annotations

from .base import CURVE_ALLOW_ANY, Authenticator
from .certs import create_certificates, load_certificate, load_certificates

__all__ = [
    "Authenticator",
    "CURVE_ALLOW_ANY",
    "create_certificates",
    "load_certificate",
    "load_certificates",
]
