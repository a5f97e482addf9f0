"""An import run: one uploaded file, checked row by row, then applied a chunk at a time.

The run keeps the rows that passed the check (as JSON chunks, ready to apply) and the
rows that did not (their cells and what is wrong), so the page can show where it stands after a
reload, and the skipped rows can be downloaded, fixed and uploaded again."""

from __future__ import annotations

import enum
import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.core.columns import enum_column, utcnow
from warehouse.core.extensions import db
from warehouse.core.i18n import Message
from warehouse.core.tenancy import OrgScoped

MESSAGE_LENGTH = 500


class ImportKind(str, enum.Enum):
    PRODUCTS = "products"
    BINS = "bins"
    POLICIES = "policies"
    STOCK = "stock"
    LOCATIONS = "locations"  # where they are, for routing; the CHECK on import_runs.kind must list it


class ImportStatus(str, enum.Enum):
    CHECKED = "checked"  # the preview: nothing written yet
    RUNNING = "running"  # chunks being applied
    DONE = "done"
    REFUSED = "refused"  # all-or-nothing with bad rows, or a chunk refused when applied
    CANCELLED = "cancelled"


class ImportRun(OrgScoped, db.Model):
    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind, "import_kind"))
    filename: Mapped[str] = mapped_column(String(200))
    file_hash: Mapped[str] = mapped_column(String(64))
    skip_bad_rows: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus, "import_status"))
    headers: Mapped[str] = mapped_column(Text)  # JSON: the file's header row
    unused: Mapped[str] = mapped_column(Text, default="[]")  # JSON: headers no column takes
    bad: Mapped[str] = mapped_column(Text)  # JSON: [[row number, cells, message], ...]
    good_rows: Mapped[int] = mapped_column(default=0)
    bad_rows: Mapped[int] = mapped_column(default=0)
    done_rows: Mapped[int] = mapped_column(default=0)  # of the good rows, gone through
    imported_rows: Mapped[int] = mapped_column(default=0)  # of those, written
    # Why a run stopped: a Message kept with its template and values (JSON), to be said in
    # each reader's language; read and set as `message`.
    stored_message: Mapped[str | None] = mapped_column("message", String(MESSAGE_LENGTH))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def message(self) -> str | None:
        return _said_again(self.stored_message)

    @message.setter
    def message(self, said: str | None) -> None:
        self.stored_message = _kept(said)


def _kept(said: str | None) -> str | None:
    """A Message as JSON (with the Messages among its values), when it fits the column;
    else its English, cut to fit."""
    if isinstance(said, Message):
        within = {name: v.stored() for name, v in said.params.items() if isinstance(v, Message)}
        text = json.dumps({"said": said.stored(), "within": within})
        if len(text) <= MESSAGE_LENGTH:
            return text
    return None if said is None else str(said)[:MESSAGE_LENGTH]


def _said_again(text: str | None) -> str | None:
    if not text or not text.startswith('{"said"'):
        return text  # plain English (a run stopped before messages were kept whole)
    try:
        kept = json.loads(text)
    except ValueError:
        return text
    said = Message.from_stored(kept["said"])
    within = {name: Message.from_stored(v) for name, v in kept.get("within", {}).items()}
    return Message(said.template, {**said.params, **within}) if within else said


class ImportChunk(OrgScoped, db.Model):
    """Up to CHUNK checked rows of a run, applied in one transaction: a step reads one
    chunk, not the whole file."""

    __tablename__ = "import_chunks"
    __table_args__ = (UniqueConstraint("run_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    number: Mapped[int]  # its first row's place among the run's good rows, from 0
    rows: Mapped[str] = mapped_column(Text)  # JSON: [[row number, parsed row], ...]
