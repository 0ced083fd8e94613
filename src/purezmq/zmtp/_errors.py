"""The one exception the sans-I/O protocol core raises."""

from __future__ import annotations

from enum import IntEnum


class ProtocolCode(IntEnum):
    """Handshake-failure detail codes, numbered as libzmq's ZMQ_PROTOCOL_ERROR_* values.

    They travel as the value of a HANDSHAKE_FAILED_PROTOCOL monitor event so a user can tell
    one failure from another.
    """

    ZMTP_UNSPECIFIED = 0x10000000
    ZMTP_UNEXPECTED_COMMAND = 0x10000001
    ZMTP_INVALID_SEQUENCE = 0x10000002
    ZMTP_KEY_EXCHANGE = 0x10000003
    ZMTP_MALFORMED_COMMAND_UNSPECIFIED = 0x10000011
    ZMTP_MALFORMED_COMMAND_MESSAGE = 0x10000012
    ZMTP_MALFORMED_COMMAND_HELLO = 0x10000013
    ZMTP_MALFORMED_COMMAND_INITIATE = 0x10000014
    ZMTP_MALFORMED_COMMAND_ERROR = 0x10000015
    ZMTP_MALFORMED_COMMAND_READY = 0x10000016
    ZMTP_MALFORMED_COMMAND_WELCOME = 0x10000017
    ZMTP_INVALID_METADATA = 0x10000018
    ZMTP_CRYPTOGRAPHIC = 0x11000001
    ZMTP_MECHANISM_MISMATCH = 0x11000002
    ZAP_UNSPECIFIED = 0x20000000
    ZAP_MALFORMED_REPLY = 0x20000001
    ZAP_BAD_REQUEST_ID = 0x20000002
    ZAP_BAD_VERSION = 0x20000003
    ZAP_INVALID_STATUS_CODE = 0x20000004
    ZAP_INVALID_METADATA = 0x20000005


class FailureKind(IntEnum):
    """Which HANDSHAKE_FAILED_* monitor event a failure maps to."""

    NO_DETAIL = 0  # EVENT_HANDSHAKE_FAILED_NO_DETAIL
    PROTOCOL = 1  # EVENT_HANDSHAKE_FAILED_PROTOCOL
    AUTH = 2  # EVENT_HANDSHAKE_FAILED_AUTH
    LIMIT = 3  # not a handshake failure: a frame over MAXMSGSIZE and the like


class ProtocolError(Exception):
    """The peer broke the protocol (or the local side cannot continue with it).

    ``code`` is a :class:`ProtocolCode`, or a ZAP status code (300/400/500) for an
    authentication refusal; ``kind`` says which monitor event reports it.
    """

    def __init__(
        self,
        reason: str,
        code: int = ProtocolCode.ZMTP_UNSPECIFIED,
        kind: FailureKind = FailureKind.PROTOCOL,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = int(code)
        self.kind = kind
