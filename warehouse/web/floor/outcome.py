"""What the scan screen tells the operator after each scan."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    result: str  # ok | warn | error
    message: str

    @classmethod
    def ok(cls, message):
        return cls("ok", message)

    @classmethod
    def warn(cls, message):
        return cls("warn", message)

    @classmethod
    def error(cls, message):
        return cls("error", message)

    @classmethod
    def from_form(cls, form, fallback: str):
        """An error saying what the form refused, or `fallback` when it names nothing (the
        validators' messages are lazy: said here, in the reader's language)."""
        return cls(
            "error", " ".join(str(e) for errors in form.errors.values() for e in errors) or str(fallback)
        )
