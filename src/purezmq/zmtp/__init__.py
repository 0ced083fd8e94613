"""Sans-I/O ZMTP: greetings, framing, commands and security mechanisms.

Nothing in this package touches sockets, threads or clocks.
"""

from ._errors import FailureKind, ProtocolCode, ProtocolError
from ._frames import (
    COMMAND,
    LONG,
    MORE,
    V1Decoder,
    V3Decoder,
    command_body,
    encode_command,
    encode_messages,
    encode_messages_v1,
    frame_header,
    v1_frame_header,
)
from ._handshake import Handshake, local_properties
from ._mechanism import Mechanism, NullMechanism, ZapReply, ZapRequest, error_body
from ._metadata import decode_metadata, encode_metadata
from ._types import COMPATIBLE, SENDS_IDENTITY, TYPE_NAMES, USES_PEER_IDENTITY, compatible

__all__ = [
    "COMMAND",
    "COMPATIBLE",
    "FailureKind",
    "Handshake",
    "LONG",
    "MORE",
    "Mechanism",
    "NullMechanism",
    "ProtocolCode",
    "ProtocolError",
    "SENDS_IDENTITY",
    "TYPE_NAMES",
    "USES_PEER_IDENTITY",
    "V1Decoder",
    "V3Decoder",
    "ZapReply",
    "ZapRequest",
    "command_body",
    "compatible",
    "decode_metadata",
    "encode_command",
    "encode_messages",
    "encode_messages_v1",
    "encode_metadata",
    "error_body",
    "frame_header",
    "local_properties",
    "v1_frame_header",
]
