"""The pipe protocol between a sweep and its worker processes: length-prefixed pickles.

Each message is an 8-byte little-endian length followed by that many bytes of a pickle
(highest protocol). Both sides of a :class:`~hardlearn.experiments.sandbox.Sandbox` use
:func:`send` and :func:`recv`; a closed pipe reads as :class:`EOFError`.

Examples
--------
>>> import io
>>> buf = io.BytesIO()
>>> send(buf, ("ready", 42))
>>> _ = buf.seek(0)
>>> recv(buf)
('ready', 42)
"""

from __future__ import annotations

import pickle
import struct
from typing import IO, Any

__all__ = ["send", "recv", "read_exact"]

_HEADER = struct.Struct("<Q")


def send(stream: IO[bytes], obj: Any) -> None:
    """Write ``obj`` as one framed message and flush."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_exact(stream: IO[bytes], n: int) -> bytes:
    """Read exactly ``n`` bytes; EOFError if the pipe closes first."""
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError("worker pipe closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def recv(stream: IO[bytes]) -> Any:
    """Read one framed message; EOFError if the pipe is closed."""
    (size,) = _HEADER.unpack(read_exact(stream, _HEADER.size))
    return pickle.loads(read_exact(stream, size))
