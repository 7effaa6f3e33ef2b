"""Importing the household roster from a staff page: upload → preview → confirm.

The uploaded file is kept (ImportUpload) between the preview and the confirmation, and
checked again on each: the register may have changed in between (an admin adding the
building group the preview said was unknown, say), and the import itself re-checks under
the community's lock before it writes.

Progress: the confirmation's response is streamed. The page's top is sent at once, then one
small HTML fragment per step (every 1,000 rows read, checked and written), then the result.
This needs nothing but plain Django and a WSGI server (gunicorn sends each fragment as it
comes; `X-Accel-Buffering: no` asks nginx to do the same), no JavaScript, no task queue and
no second request to poll; the import is still one transaction, which commits before the
result is sent. A browser that leaves mid-way closes the response, which closes the
generator, which rolls the transaction back. The price is that the confirmation does not
redirect: the streamed page is the result page, and sending the form again finds the upload
gone (it is deleted in the import's transaction), so nothing is imported twice.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents import importing, spreadsheets
from residents.forms.imports import ConfirmImportForm, RosterUploadForm
from residents.models import ImportUpload
from residents.tenancy import REGISTER_ROLES, community_required, is_admin, scoped

# The preview remembers, per upload, how many errors it showed, and how many are left once
# the names the register lacks are created: confirming such a file needs the explicit "only
# the good rows" choice (or, for the names, the choice to create them).
SESSION_KEY = "roster_import_errors"
# A long list of problems is cut on the page; the full list downloads as CSV.
PROBLEMS_SHOWN = 500
# Households whose changes the preview and the result list one by one.
CHANGES_SHOWN = 200
PROGRESS_MARK = "<!-- import progress -->"
OUTCOME_MARK = "<!-- import outcome -->"


def _upload(request: HttpRequest, pk: int) -> ImportUpload | None:
    return scoped(request, ImportUpload).filter(pk=pk).first()


def _gone(request: HttpRequest) -> HttpResponse:
    """Not found, in the community's scope: imported, discarded, expired — or another
    community's, which must not be told apart."""
    return render(request, "residents/import/gone.html", status=404)


def _remember_errors(
    request: HttpRequest, upload: ImportUpload, check: importing.RosterCheck | None
) -> None:
    known = request.session.get(SESSION_KEY, {})
    if check is None:
        known.pop(str(upload.pk), None)
    else:
        known[str(upload.pk)] = [len(check.errors), check.errors_unless_created]
    request.session[SESSION_KEY] = known


def _errors_left(request: HttpRequest, upload: ImportUpload, create_missing: bool) -> int:
    """The errors the preview showed that this confirmation leaves (0 when none was seen)."""
    seen = request.session.get(SESSION_KEY, {}).get(str(upload.pk))
    if not isinstance(seen, list) or len(seen) != 2:
        return 0
    return seen[1] if create_missing else seen[0]


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def import_start(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = importing.keep_upload(
                community=request.community,
                by=request.user,
                file_name=form.cleaned_data["file"].name,
                content=form.content,
            )
            return redirect("residents:import_preview", upload.pk)
    else:
        form = RosterUploadForm()
    return render(
        request,
        "residents/import/start.html",
        {"form": form, "columns": importing.COLUMNS},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def import_template(request: HttpRequest, file_format: str) -> HttpResponse:
    if file_format == "xlsx":
        content = importing.template_xlsx(request.community)
        content_type = spreadsheets.CONTENT_TYPES[spreadsheets.XLSX]
    elif file_format == "csv":
        content = importing.template_csv(request.community)
        content_type = spreadsheets.CONTENT_TYPES[spreadsheets.CSV]
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("住户名册导入模板") + f".{file_format}"
    )
    return response


def _preview_page(
    request: HttpRequest, upload: ImportUpload, form: ConfirmImportForm, status: int = 200
) -> HttpResponse:
    file_error = ""
    check = None
    try:
        check = importing.check_roster(
            community=request.community,
            content=bytes(upload.content),
            file_name=upload.file_name,
        )
    except importing.RosterError as error:
        file_error = error.message
        _remember_errors(request, upload, None)
    else:
        _remember_errors(request, upload, check)
    return render(
        request,
        "residents/import/preview.html",
        {
            "upload": upload,
            "check": check,
            "file_error": file_error,
            "form": form,
            "problems": check.problems[:PROBLEMS_SHOWN] if check else [],
            "problems_cut": check is not None and len(check.problems) > PROBLEMS_SHOWN,
            "problems_shown": PROBLEMS_SHOWN,
            "missing_shown": check.missing_members[:100] if check else [],
            "changes_shown": CHANGES_SHOWN,
            "changes_slice": f":{CHANGES_SHOWN}",
            "is_admin": is_admin(request),
        },
        status=status,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    if upload is None:
        return _gone(request)
    return _preview_page(request, upload, ConfirmImportForm())


@require_GET
@community_required(*REGISTER_ROLES)
def import_problems(request: HttpRequest, pk: int) -> HttpResponse:
    """Every problem of the file as CSV (UTF-8 with BOM, for Excel)."""
    upload = _upload(request, pk)
    if upload is None:
        return _gone(request)
    try:
        check = importing.check_roster(
            community=request.community,
            content=bytes(upload.content),
            file_name=upload.file_name,
        )
    except importing.RosterError as error:
        messages.error(request, error.message)
        return redirect("residents:import_preview", upload.pk)
    # The column names come from the uploaded file: the writer neutralises formulas in them.
    table = spreadsheets.Table(
        _("问题清单"),
        [
            spreadsheets.Column(_("行号")),
            spreadsheets.Column(_("列")),
            spreadsheets.Column(_("类别")),
            spreadsheets.Column(_("问题")),
        ],
        [
            [
                problem.row or "",
                problem.column,
                _("错误") if problem.is_error else _("提示"),
                problem.message,
            ]
            for problem in check.problems
        ],
    )
    response = HttpResponse(
        spreadsheets.csv_bytes(table), content_type=spreadsheets.CONTENT_TYPES[spreadsheets.CSV]
    )
    stem = upload.file_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("%(name)s-问题清单.csv") % {"name": stem}
    )
    return response


@require_POST
@community_required(*REGISTER_ROLES)
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    if upload is None:
        return _gone(request)
    form = ConfirmImportForm(request.POST)
    form.is_valid()  # checkboxes and ids: what does not parse counts as not ticked
    only_good_rows = form.cleaned_data.get("only_good_rows", False)
    choices = form.import_choices(admin=is_admin(request))
    if _errors_left(request, upload, choices.create_missing) and not only_good_rows:
        form.add_error(
            "only_good_rows",
            _("文件里有错误：请改正后重新上传，或勾选“只导入没有问题的户”。"),
        )
        return _preview_page(request, upload, form, status=400)
    _remember_errors(request, upload, None)
    return _streamed_import(request, upload, only_good_rows, choices)


def _streamed_import(
    request: HttpRequest,
    upload: ImportUpload,
    only_good_rows: bool,
    choices: importing.ImportChoices,
) -> StreamingHttpResponse:
    # Rendered now, while the request is being handled (messages, CSRF, the session).
    page = render_to_string("residents/import/running.html", {"upload": upload}, request)
    top, rest = page.split(PROGRESS_MARK)
    middle, bottom = rest.split(OUTCOME_MARK)
    steps = importing.import_steps(
        community=request.community,
        content=bytes(upload.content),
        file_name=upload.file_name,
        only_good_rows=only_good_rows,
        actor_id=request.user.pk,
        upload_id=upload.pk,
        choices=choices,
    )
    context = {
        "upload": upload,
        "is_admin": is_admin(request),
        "changes_shown": CHANGES_SHOWN,
        "changes_slice": f":{CHANGES_SHOWN}",
    }
    response = StreamingHttpResponse(
        _stream(steps, top, middle, bottom, context, translation.get_language()),
        content_type="text/html; charset=utf-8",
    )
    response["X-Accel-Buffering"] = "no"
    response["Cache-Control"] = "no-store"
    return response


def _stream(
    steps: Generator[importing.Progress, None, importing.RosterCheck],
    top: str,
    middle: str,
    bottom: str,
    context: dict,
    language: str,
) -> Iterator[str]:
    # The response is sent after the view returned: keep the request's language.
    with translation.override(language):
        yield top
        try:
            while True:
                try:
                    event = next(steps)
                except StopIteration as finished:
                    outcome = {"check": finished.value}
                    break
                yield render_to_string("residents/import/includes/_progress.html", {"event": event})
        except importing.RosterRejected as rejected:
            outcome = {"check": rejected.check, "rejected": True}
        except importing.RosterError as error:
            outcome = {"failure": error.message}
        finally:
            steps.close()  # the client went away: GeneratorExit rolls the import back
        yield middle
        yield render_to_string("residents/import/includes/_outcome.html", {**context, **outcome})
        yield bottom


@require_POST
@community_required(*REGISTER_ROLES)
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    if upload is None:
        return _gone(request)
    _remember_errors(request, upload, None)
    importing.discard_upload(upload=upload)
    messages.success(
        request, _("已放弃导入“%(name)s”，没有保存任何内容。") % {"name": upload.file_name}
    )
    return redirect("residents:import_start")
