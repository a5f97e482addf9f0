"""Account tables: users and their roles, API tokens, failed sign-ins."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.catalog.models import Location
from warehouse.core.columns import enum_column, utcnow
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScopedIdentity


class Role(str, enum.Enum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class User(OrgScopedIdentity, UserMixin, db.Model):
    """Usernames and badge codes are unique across organisations: signing in names no
    organisation, the user's own is found from them."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    badge_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The location an operator works at: chosen once on the floor home, remembered.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    location: Mapped[Location | None] = relationship()
    # The language the user's pages speak (en, es, pl); None: as their browser asks.
    language: Mapped[str | None] = mapped_column(String(8))

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active


class ApiToken(OrgScopedIdentity, db.Model):
    """Only a SHA-256 of the token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists so people can tell tokens apart
    name: Mapped[str | None] = mapped_column(String(100))  # what it is for ("storefront")
    # Space-separated permissions the token is narrowed to; NULL: all of its user's role.
    scopes: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class SignInAttempt(db.Model):
    """Failed sign-ins, kept in the database so throttling holds across gunicorn workers."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_who_at", "who", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    who: Mapped[str] = mapped_column(String(80))  # "user:NAME" or "badge:CODE"
    at: Mapped[datetime] = mapped_column(default=utcnow)
