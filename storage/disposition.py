"""The Content-Disposition header that makes a download save under a chosen file name."""

from __future__ import annotations

from urllib.parse import quote

_UNSAFE_IN_QUOTES = str.maketrans({'"': "_", "\\": "_", "\r": "_", "\n": "_"})


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / RFC 5987).

    Path separators are dropped (a browser must not write outside its download folder) and quotes
    and line breaks cannot escape the header.
    """
    name = filename.replace("/", "_").replace("\\", "_").strip() or "download"
    fallback = name.encode("ascii", "replace").decode("ascii").translate(_UNSAFE_IN_QUOTES)
    fallback = "".join(ch if 32 <= ord(ch) < 127 else "_" for ch in fallback)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
