"""The check and the import, as generators of progress events for callers that report
progress (the command prints them, the staff page streams them), and as plain functions
for callers that only want the result."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from residents.importing.checking import Checker
from residents.importing.creating import create_missing
from residents.importing.reading import read_steps
from residents.importing.results import (
    ImportChoices,
    Progress,
    RosterCheck,
    RosterError,
    RosterRejected,
    drive,
)
from residents.importing.writing import write_steps
from residents.models import Community, ImportUpload


def check_steps(
    *,
    community: Community,
    content: bytes,
    file_name: str,
    choices: ImportChoices | None = None,
) -> Generator[Progress, None, RosterCheck]:
    """Read and check a file without writing anything (the preview, `--dry-run`)."""
    table = yield from read_steps(content, file_name)
    return (yield from Checker(community, table, file_name, choices).run())


def import_steps(
    *,
    community: Community,
    content: bytes,
    file_name: str,
    only_good_rows: bool = False,
    actor_id: int | None = None,
    upload_id: int | None = None,
    choices: ImportChoices | None = None,
) -> Generator[Progress, None, RosterCheck]:
    """Read, check and write a file in one transaction. With any error in the rows nothing
    is written (RosterRejected) unless `only_good_rows`: then households with a bad row are
    skipped whole. `upload_id` names the ImportUpload to delete once imported. `choices`: what
    the person importing agreed to (phones on record replaced; missing names created)."""
    started = time.monotonic()
    table = yield from read_steps(content, file_name)
    try:
        with transaction.atomic():
            if actor_id is not None:
                # The audit trail's triggers name the actor; set for this transaction only,
                # because a streamed response outlives the request's own setting.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('passbook.actor', %s, true)", [str(actor_id)])
            # One import at a time per community: the second waits, then sees the first's rows.
            Community.objects.select_for_update().filter(pk=community.pk).values_list("pk").get()
            check = yield from Checker(community, table, file_name, choices).run()
            if choices is not None and choices.create_missing and check.has_unknown_names:
                created = create_missing(community, check)
                if created:  # check again, against the register with the new names in it
                    check = yield from Checker(community, table, file_name, choices).run()
                check.created = created
            if check.has_errors and not only_good_rows:
                raise RosterRejected(check)
            yield from write_steps(community, check)
            if upload_id is not None:
                ImportUpload.objects.filter(pk=upload_id, community=community).delete()
    except IntegrityError as exc:
        # Most likely someone registered or moved a household at one of these addresses
        # between the check and the write.
        raise RosterError(
            _(
                "数据库拒绝了写入（可能有人正在修改同一批住户），没有保存任何内容。"
                "请稍后重新导入，已导入的不会重复。"
            )
        ) from exc
    check.saved = True
    check.seconds = time.monotonic() - started
    return check


def check_roster(
    *,
    community: Community,
    content: bytes,
    file_name: str,
    progress: Callable[[Progress], None] | None = None,
    choices: ImportChoices | None = None,
) -> RosterCheck:
    steps = check_steps(community=community, content=content, file_name=file_name, choices=choices)
    return drive(steps, progress)


def import_roster(
    *,
    community: Community,
    content: bytes,
    file_name: str,
    only_good_rows: bool = False,
    actor_id: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    choices: ImportChoices | None = None,
) -> RosterCheck:
    """Import a roster file (one transaction); see import_steps."""
    steps = import_steps(
        community=community,
        content=content,
        file_name=file_name,
        only_good_rows=only_good_rows,
        actor_id=actor_id,
        choices=choices,
    )
    return drive(steps, progress)
