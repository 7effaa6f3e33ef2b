"""Reward pictures: recognised by their own first bytes (never by the name or the type the
browser claims), and served only by views that have checked who may see them — the
catalogue's for staff, the rewards page's for a resident session."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

# What a picture may be, recognised by its magic bytes, and the extension it is stored with.
PICTURE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# Enough leading bytes to tell the three formats apart.
SNIFF_BYTES = 16


def picture_type(head: bytes) -> str | None:
    """The content type of a JPEG, PNG or WebP file from its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def picture_response(name: str) -> FileResponse:
    """A stored picture, typed by its own first bytes; 404 unless it is a JPEG, PNG or WebP
    (whatever the file is called)."""
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    content_type = picture_type(handle.read(SNIFF_BYTES))
    if content_type is None:
        handle.close()
        raise Http404
    handle.seek(0)
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
