"""Import and export pages: upload a file, see every row checked (the preview), import it
all or skipping bad rows, watch it run (the page asks for the next chunk until done; a
reload shows where it stands), download the skipped rows and every list as CSV."""

import csv
import io

from flask import Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.core.csv_safe import safe_cell
from warehouse.core.errors import DomainError
from warehouse.setup import imports, sheets
from warehouse.setup.models import ImportKind, ImportStatus
from warehouse.web.statuses import http_status

from ..context import streamed
from ..errors import said_within
from ..htmx import redirect_for_htmx, render
from ..security import requires
from . import bp
from .forms import UploadForm

ID = "int(max=2147483647)"
SHOWN_BAD_ROWS = 200


@bp.route("/import", methods=["GET", "POST"])
@requires(Role.ADMIN)
def imports_page():
    form = UploadForm(formdata=None) if request.method == "GET" else UploadForm()
    if request.method == "GET":
        if request.args.get("kind") in {k.value for k in ImportKind}:
            form.kind.data = request.args["kind"]
        return _upload_page(form)
    if not form.validate_on_submit():
        return _upload_page(form, 422, ("error", _("Nothing was imported. Fix the marked fields.")))
    upload = form.file.data
    try:
        run = imports.start(
            ImportKind(form.kind.data),
            upload.filename or "upload",
            upload.read(sheets.MAX_BYTES + 1),
            skip_bad_rows=form.skip_bad_rows.data,
            actor_id=current_user.id,
        )
    except DomainError as refusal:
        return _upload_page(form, http_status(refusal), ("error", refusal.message))
    target = url_for("setup.import_run", run_id=run.id)
    return redirect_for_htmx(target) if request.headers.get("HX-Request") else redirect(target, 303)


def _upload_page(form, status=200, outcome=None):
    return render(
        "setup/imports.html",
        "setup/_upload.html",
        status=status,
        form=form,
        recent=imports.recent(),
        kinds=list(ImportKind),
        columns={kind.value: ", ".join(imports.columns(kind)) for kind in ImportKind},
        outcome=outcome,
    )


@bp.get(f"/import/<{ID}:run_id>")
@requires(Role.ADMIN)
def import_run(run_id):
    return _run_page(_run(run_id))


@bp.post(f"/import/<{ID}:run_id>/begin")
@requires(Role.ADMIN)
def import_begin(run_id):
    try:
        run = imports.begin(_run(run_id).id, actor_id=current_user.id)
    except DomainError as refusal:
        return _run_page(_run(run_id), http_status(refusal), ("error", refusal.message))
    return _run_page(run)


@bp.post(f"/import/<{ID}:run_id>/step")
@requires(Role.ADMIN)
def import_step(run_id):
    chunk = request.form.get("chunk", type=int)
    return _run_page(imports.step(_run(run_id).id, actor_id=current_user.id, chunk=chunk))


def _run(run_id):
    try:
        return imports.get(run_id)
    except DomainError:
        abort(404)


def _run_page(run, status=200, outcome=None):
    bad = imports.bad_rows(run)
    return render(
        "setup/import_run.html",
        "setup/_import_run.html",
        status=status,
        run=run,
        S=ImportStatus,
        bad=bad[:SHOWN_BAD_ROWS],
        unused=imports.unused_headers(run),
        outcome=outcome,
        next_chunk=imports.next_chunk(run),
        chunk_size=imports.chunk_size(run.kind),
        stopped=said_within(run.message),  # and the row's reason inside it
    )


@bp.get(f"/import/<{ID}:run_id>/skipped.csv")
@requires(Role.ADMIN)
def import_skipped(run_id):
    run = _run(run_id)
    return _csv(imports.skipped_rows_file(run), f"skipped-rows-{run.id}.csv")


@bp.get("/export/<kind>.csv")
@requires(Role.ADMIN)
def export(kind):
    if kind not in {k.value for k in ImportKind}:
        abort(404)
    return _csv(imports.export(ImportKind(kind)), f"{kind}.csv")


def _csv(rows, filename) -> Response:
    rows = list(rows)  # read now, in the request's session; written out as it streams

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        for row in rows:
            writer.writerow([safe_cell(c) for c in row])
            yield out.getvalue()
            out.seek(0)
            out.truncate()

    response = Response(streamed(lines()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
