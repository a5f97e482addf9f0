"""Importing a spreadsheet: check every row, then apply the good ones a chunk at a time.

    run = imports.start(kind, filename, data, skip_bad_rows=False, actor_id=...)  # the preview
    imports.begin(run.id, actor_id=...)   # refused when all-or-nothing and any row is bad
    while imports.step(run.id, actor_id=...).status is ImportStatus.RUNNING: ...

- `start` is one command keyed by the file's hash and the options: the same file sent
  again (a double click, a second upload, the CLI run twice) is answered with the first
  run, and writes nothing more. It reads the file, maps the columns by header name,
  parses and checks every row against the catalog, and stores the run with its good rows
  in chunks and its bad rows with what is wrong. Nothing of the warehouse changes.
- `begin` starts a checked run. "All or nothing" (skip_bad_rows False) with a bad row is
  refused: nothing is imported.
- `step` applies the next chunk (`chunk_size` rows) in one transaction; opening stock is one
  posting per chunk. The page polls it, the CLI loops it; no request is held open while a
  large file runs, and other writers (the floor) get the database between chunks.

A row can turn bad between the check and its chunk (someone took its barcode meanwhile).
Skipping bad rows, it is skipped and listed; all or nothing, the run stops there, refused,
with the chunks before it imported and said so. Imports set values (a product's fields, a
bin's quantity): importing a file again, or the rest of a stopped one, changes nothing
twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import delete, select

from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import DomainError, ImportNotReady, ImportRowsRefused, NotFound
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.core.transactions import atomically
from warehouse.setup import sheets
from warehouse.setup.columns import Cells, mapping
from warehouse.setup.kinds import KINDS
from warehouse.setup.models import ImportChunk, ImportKind, ImportRun, ImportStatus

CHUNK = 1_000  # opening stock: one posting per 1,000 rows
# Catalog rows go in smaller chunks: each chunk holds SQLite's one writer while it runs,
# and a floor scan waits behind it (250 products take about 25 ms).
CATALOG_CHUNK = 250


def chunk_size(kind: ImportKind) -> int:
    return CHUNK if ImportKind(kind) is ImportKind.STOCK else CATALOG_CHUNK


CHECK_SLICE = 2_000  # rows checked against the catalog per round of queries


@dataclass
class Checked:
    headers: list[str]
    unused: list[str]
    good: list[tuple[int, list[str], dict]]  # (row number, cells, parsed row)
    bad: list[tuple[int, list[str], str]]  # (row number, cells, what is wrong: a Message)

    @property
    def total(self) -> int:
        return len(self.good) + len(self.bad)


def check(kind: ImportKind, filename: str, data: bytes) -> Checked:
    """Every row of the file parsed and checked; writes nothing (`flask import --dry-run`)."""
    kind = ImportKind(kind)
    module = KINDS[kind]
    sheet = sheets.read(filename, data)
    where, unused = mapping(sheet.headers, module.COLUMNS)
    parsed, bad, first_seen = [], [], {}
    for number, cells in sheet.rows:
        try:
            row = module.parse(Cells(cells, where))
        except (ValueError, DomainError) as error:
            bad.append((number, cells, _what_is_wrong(error)))
            continue
        # A thing named by two rows of one file: which row should win is the user's call.
        names = module.identity(row)
        twice = next(((what, key) for what, key in names if key in first_seen), None)
        if twice:
            said_twice, key = twice
            bad.append((number, cells, said_twice(first_seen[key])))
            continue
        first_seen.update((key, number) for _what, key in names)
        parsed.append((number, cells, row))
    good = []
    for start in range(0, len(parsed), CHECK_SLICE):
        piece = parsed[start : start + CHECK_SLICE]
        for (number, cells, row), problem in zip(
            piece, module.check([r for _n, _c, r in piece]), strict=True
        ):
            if problem:
                bad.append((number, cells, problem))
            else:
                good.append((number, cells, row))
    bad.sort(key=lambda b: b[0])
    return Checked(sheet.headers, unused, good, bad)


def _what_is_wrong(error: Exception) -> str:
    """A refused row's message: a domain error's, or the one a parse's ValueError carries
    (its Message, kept to be said in the reader's language)."""
    said = getattr(error, "message", None) or (error.args[0] if error.args else None)
    return said if isinstance(said, str) and said else str(error)


def _stored_bad(bad: list) -> str:
    """Bad rows as the run keeps them (JSON): each message with its template and values,
    so a page can say it again in its reader's language."""
    return json.dumps([[n, cells, _stored(problem)] for n, cells, problem in bad])


def _stored(problem: str):
    return {"said": problem.stored()} if isinstance(problem, Message) else problem


def _restored(problem) -> str:
    return Message.from_stored(problem["said"]) if isinstance(problem, dict) else problem


def start(
    kind: ImportKind, filename: str, data: bytes, *, skip_bad_rows: bool, actor_id: int | None
) -> ImportRun:
    kind = ImportKind(kind)
    digest = hashlib.sha256(data).hexdigest()
    options = "skip" if skip_bad_rows else "all"
    # Read and checked before the write transaction: a big file takes seconds, and on
    # SQLite the floor's scans would wait that long for the one writer.
    checked = check(kind, filename, data)
    key = f"import:{kind.value}:{digest}:{options}"
    while True:
        made: list[ImportRun] = []
        run = commands.run(
            "import.start",
            lambda: made.append(_start(kind, filename, digest, skip_bad_rows, actor_id, checked)) or made[-1],
            key=key,
            actor_id=actor_id,
            request=[kind.value, digest, options],
            **commands.by_id(ImportRun),
        )
        if made or run.status is not ImportStatus.REFUSED:
            break
        # The same file after a refused run: a new run (the cause may be fixed by now),
        # under a key of its own so that it, too, is answered once.
        key = f"import:{kind.value}:{digest}:{options}:after-{run.id}"
    if not made and run.status is ImportStatus.CHECKED:
        # The same file again, never imported: check it afresh (a location made since may
        # have cured its rows). Nothing of the warehouse was written under this key.
        run = atomically(lambda: _check_again(run.id, checked))
    return run


def _start(kind, filename, digest, skip_bad_rows, actor_id, checked: Checked) -> ImportRun:
    run = ImportRun(
        kind=kind,
        filename=(filename or "upload")[:200],
        file_hash=digest,
        skip_bad_rows=skip_bad_rows,
        status=ImportStatus.CHECKED,
        created_by=actor_id,
    )
    db.session.add(run)
    _keep(run, checked)
    return run


def _check_again(run_id: int, checked: Checked) -> ImportRun:
    run = _locked(run_id)
    if run.status is not ImportStatus.CHECKED:
        return run
    stored = [
        c.rows
        for c in db.session.scalars(
            select(ImportChunk).where(ImportChunk.run_id == run.id).order_by(ImportChunk.number)
        )
    ]
    if _stored_bad(checked.bad) == run.bad and [rows for _at, rows in _chunks(checked, run.kind)] == stored:
        return run  # the same answer: nothing to write
    db.session.execute(delete(ImportChunk).where(ImportChunk.run_id == run.id))
    _keep(run, checked)
    return run


def _chunks(checked: Checked, kind: ImportKind) -> list[tuple[int, str]]:
    """(the chunk's first row among the good ones, its rows as JSON): a chunk is numbered
    by where it starts, so the next one is found from the rows done, whatever its size."""
    size = chunk_size(kind)
    return [(at, json.dumps(checked.good[at : at + size])) for at in range(0, len(checked.good), size)]


def _keep(run: ImportRun, checked: Checked) -> None:
    run.headers, run.unused = (json.dumps(x) for x in (checked.headers, checked.unused))
    run.bad = _stored_bad(checked.bad)
    run.good_rows, run.bad_rows = len(checked.good), len(checked.bad)
    db.session.flush()
    db.session.add_all(
        ImportChunk(run_id=run.id, number=at, rows=rows) for at, rows in _chunks(checked, run.kind)
    )
    db.session.flush()


def get(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(msg("No such import. Upload the file again."))
    return run


def begin(run_id: int, *, actor_id: int | None) -> ImportRun:
    def go() -> ImportRun:
        run = _locked(run_id)
        if run.status is not ImportStatus.CHECKED:
            return run  # a second tap on Import: the run is already under way or over
        if run.bad_rows and not run.skip_bad_rows:
            raise ImportRowsRefused(
                msg(
                    "{rows:,} row(s) have errors: fix them and upload the file again, "
                    "or choose Skip bad rows. Nothing was imported.",
                    rows=run.bad_rows,
                )
            )
        run.status = ImportStatus.RUNNING if run.good_rows else ImportStatus.DONE
        if not run.good_rows:
            run.finished_at = utcnow()
        return run

    return atomically(go)


def step(run_id: int, *, actor_id: int | None, chunk: int | None = None) -> ImportRun:
    """Apply the next chunk of a running import; the run as it stands after it. `chunk`
    (the number the page showed as next): a retried request for a chunk already applied
    applies nothing more."""
    try:
        return atomically(lambda: _step(run_id, actor_id, chunk))
    except DomainError as error:  # all or nothing, and a row turned bad since the check
        message = error.message
        return atomically(lambda: _stop(run_id, message))


def _step(run_id: int, actor_id: int | None, expected: int | None) -> ImportRun:
    run = _locked(run_id)
    number = next_chunk(run)
    if run.status is not ImportStatus.RUNNING or (expected is not None and expected != number):
        return run
    chunk = db.session.scalar(
        select(ImportChunk).where(ImportChunk.run_id == run.id, ImportChunk.number == number)
    )
    if chunk is None:  # never so while rows remain; said rather than marked done
        raise ImportNotReady(
            msg(
                "Import {run} has no rows from row {row} on. Upload the file again.",
                run=run.id,
                row=run.done_rows + 1,
            )
        )
    rows = json.loads(chunk.rows)
    outcomes = KINDS[run.kind].apply(
        [row for _n, _c, row in rows],
        skip_bad=run.skip_bad_rows,
        actor_id=actor_id,
        reference=f"IMP-{run.id}-{number + 1}",  # the chunk's first good row, from 1
    )
    late = [(n, cells, problem) for (n, cells, _row), problem in zip(rows, outcomes, strict=True) if problem]
    if late:
        run.bad = _stored_bad(sorted(bad_rows(run) + late, key=lambda b: b[0]))
        run.bad_rows += len(late)
    run.done_rows += len(rows)
    run.imported_rows += len(rows) - len(late)
    run.message = None
    if run.done_rows >= run.good_rows:
        run.status, run.finished_at = ImportStatus.DONE, utcnow()
    return run


def next_chunk(run: ImportRun) -> int:
    """The number of the chunk a running import applies next: where it starts."""
    return run.done_rows


def _stop(run_id: int, message: str) -> ImportRun:
    run = _locked(run_id)
    run.status, run.finished_at = ImportStatus.REFUSED, utcnow()
    run.message = stopped(message, run.done_rows)
    return run


def stopped(reason: str, done_rows: int) -> Message:
    """Why a run stopped, and how far it had come."""
    if done_rows:
        return msg(
            "Stopped: {reason} The first {done:,} rows were imported. Fix the row and upload the file again.",
            reason=reason,
            done=done_rows,
        )
    return msg(
        "Stopped: {reason} Nothing was imported. Fix the row and upload the file again.", reason=reason
    )


def _locked(run_id: int) -> ImportRun:
    run = db.session.scalar(
        select(ImportRun)
        .where(ImportRun.id == run_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if run is None:
        raise NotFound(msg("No such import. Upload the file again."))
    return run


def bad_rows(run: ImportRun) -> list[tuple[int, list[str], str]]:
    """(row number, cells, what is wrong): a Message, said in English as it is."""
    return [(n, cells, _restored(problem)) for n, cells, problem in json.loads(run.bad)]


def skipped_rows_file(run: ImportRun) -> Iterator[list[str]]:
    """The bad rows with the file's own header and an `error` column: fix, upload again
    (the importer ignores the `error` column)."""
    yield [*json.loads(run.headers), "error"]
    for _number, cells, problem in bad_rows(run):
        yield [*cells, problem]


def columns(kind: ImportKind) -> list[str]:
    """The kind's column names, as exported (a file may name them by synonyms too)."""
    return [c.name for c in KINDS[ImportKind(kind)].COLUMNS]


def export(kind: ImportKind) -> Iterator[list[str]]:
    """The kind's list with its import columns: export, edit, import."""
    yield columns(kind)
    yield from KINDS[ImportKind(kind)].export()


def recent(limit: int = 20) -> list[ImportRun]:
    return list(db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


def unused_headers(run: ImportRun) -> list[str]:
    return json.loads(run.unused or "[]")
