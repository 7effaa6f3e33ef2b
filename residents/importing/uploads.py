"""Keeping an uploaded roster between its preview and its confirmation (ImportUpload), and
letting it go. The import itself deletes the upload it imported, in its own transaction."""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from residents.models import Community, ImportUpload
from residents.transactions import retry_on_conflict

# Uploads nobody confirmed or discarded are removed after this long.
ABANDONED_AFTER = datetime.timedelta(days=1)


@retry_on_conflict
def keep_upload(
    *, community: Community, by: AbstractBaseUser, file_name: str, content: bytes
) -> ImportUpload:
    """Keep a file `by` uploaded, for its preview; the community's uploads abandoned for
    ABANDONED_AFTER go at the same time. The name keeps its last 200 characters (the
    extension is at the end)."""
    ImportUpload.objects.filter(
        community=community, created_at__lt=timezone.now() - ABANDONED_AFTER
    ).delete()
    return ImportUpload.objects.create(
        community=community, user=by, file_name=file_name[-200:], content=content
    )


@retry_on_conflict
def discard_upload(*, upload: ImportUpload) -> None:
    """Let an upload go unimported."""
    upload.delete()
