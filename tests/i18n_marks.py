"""Finds text a person reads that is not marked for translation.

Templates: text between tags, the attributes people read (title, placeholder, alt,
aria-label...) and prose in string literals inside `{{ }}` and `{% %}` must go through
`_()`/`{% trans %}`. Python: a domain refusal (`raise SomeDomainError(...)`), a floor
step (`Step.ok(...)`, `Outcome.error(...)`), a flash, a form's label, choice or
validator message must be said with `msg(...)` (the domain) or `_()`/`_l()` (the web),
never a bare string.

Run as `python -m tests.i18n_marks [paths...]` to list what is unmarked, file by file.
tests/web/test_translations.py fails on any of it.
"""

from __future__ import annotations

import ast
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
PACKAGE = ROOT / "warehouse"

WORD = re.compile(r"[^\W\d_]{2,}")
READ = {"title", "placeholder", "alt", "aria-label", "aria-description", "aria-roledescription", "label"}
# Where a string literal is not text: a URL, a date pattern, a separator, a filter's arg.
NOT_TEXT_CALLS = {
    "url_for",
    "strftime",
    "format",
    "join",
    "replace",
    "split",
    "startswith",
    "endswith",
    "get",
    "include",
    "import",
    "extends",
    "from",
    "attr",
    "selectattr",
    "rejectattr",
    "map",
    "sort",
    "groupby",
    "dictsort",
    "truncate",
    "default",
    "csrf_token",
    "startswith",
}
TRANSLATE_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext", "_l", "_p", "msg"}


def css_classes() -> set[str]:
    css = (ROOT / "static" / "app.css").read_text(encoding="utf-8")
    return set(re.findall(r"\.([a-zA-Z][\w-]*)", css))


def is_prose(text: str, classes: set[str]) -> bool:
    text = text.strip()
    if not WORD.search(text):
        return False
    words = text.split()
    if all(w in classes or w in {"true", "false", "on", "off"} for w in words):
        return False  # a class list
    if re.fullmatch(r"[\w./:#?=&%-]+", text) and not text[:1].isupper():
        return False  # an identifier, a path, a status value
    return True


# --- templates -------------------------------------------------------------------------------


def template_problems(path: Path, env: Environment, classes: set[str]) -> list[str]:
    """The template with every Jinja tag, expression and `{% trans %}` block made a
    placeholder, read as HTML: text and read attributes left with words are unmarked;
    then prose in string literals that no translation call takes."""
    tokens = list(env.lex(path.read_text(encoding="utf-8")))
    where = str(path.relative_to(ROOT))
    problems = [f"{where}:{line}: {what}" for line, what in _html_problems(tokens)]
    trans_depth = 0
    for i, (line, kind, value) in enumerate(tokens):
        if kind == "name" and value == "trans" and _prev_kind(tokens, i) == "block_begin":
            trans_depth += 1
        elif kind == "name" and value == "endtrans":
            trans_depth -= 1
        elif kind == "string" and not trans_depth:
            text = ast.literal_eval(value)
            if is_prose(text, classes) and not _marked_or_not_text(tokens, i):
                problems.append(f"{where}:{line}: literal {text[:60]!r}")
    return problems


PLACEHOLDER = " data-j "  # an attribute inside a tag, a space in text


def _html_problems(tokens) -> list[tuple[int, str]]:
    parts = []
    trans_depth = 0
    for i, (_, kind, value) in enumerate(tokens):
        if kind == "name" and value == "trans" and _prev_kind(tokens, i) == "block_begin":
            trans_depth += 1
        elif kind == "name" and value == "endtrans":
            trans_depth -= 1
        if kind == "data" and not trans_depth:
            parts.append(value)
        else:
            parts.append(PLACEHOLDER + "\n" * value.count("\n"))  # lines stay where they were
    reader = _Reader()
    reader.feed("".join(parts))
    reader.close()
    return reader.problems


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[int, str]] = []
        self.skipping = 0  # inside <style> or <script>

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skipping += 1
        for name, value in attrs:
            if name in READ and value and is_prose(_read(value), set()):
                self.problems.append((self.getpos()[0], f"{name}={_read(value)!r}"))

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skipping = max(0, self.skipping - 1)

    def handle_data(self, data):
        if not self.skipping and is_prose(_read(data), set()):
            self.problems.append((self.getpos()[0], f"text {_read(data)[:60]!r}"))


def _read(text: str) -> str:
    """Text as a reader sees it, without the placeholders of Jinja's parts."""
    return " ".join(text.replace(PLACEHOLDER.strip(), " ").split())


def _prev_kind(tokens, i):
    j = i - 1
    while j >= 0 and tokens[j][1] == "whitespace":
        j -= 1
    return tokens[j][1] if j >= 0 else None


def _marked_or_not_text(tokens, i) -> bool:
    """Whether the string at `i` is compared (== "approved"), sits in a translation call
    or a call whose strings are not text (url_for...), or names a template."""
    if _compared(tokens, i):
        return True
    depth = 0
    for j in range(i - 1, -1, -1):
        _, kind, value = tokens[j]
        if kind in ("variable_begin", "block_begin"):
            return _next_name(tokens, j) in {"include", "extends", "import", "from"}
        if kind == "operator" and value in ")]}":
            depth += 1
        elif kind == "operator" and value in "([{":
            if depth:
                depth -= 1
            elif value == "(" and j and tokens[j - 1][1] == "name":
                if tokens[j - 1][2] in TRANSLATE_CALLS | NOT_TEXT_CALLS:
                    return True
    return False


def _next_name(tokens, j):
    k = j + 1
    while k < len(tokens) and tokens[k][1] == "whitespace":
        k += 1
    return tokens[k][2] if k < len(tokens) and tokens[k][1] == "name" else None


def _compared(tokens, i) -> bool:
    """A literal beside ==, != or `in`: a value compared, not text shown."""
    for step in (-1, 1):
        k = i + step
        while 0 <= k < len(tokens) and tokens[k][1] == "whitespace":
            k += step
        if 0 <= k < len(tokens) and tokens[k][2] in ("==", "!=", "in"):
            return True
    return False


# --- Python ------------------------------------------------------------------------------------

DOMAIN_ERRORS_MODULE = PACKAGE / "core" / "errors.py"
SAID_CALLS = {"ok", "warn", "error"}  # Step.ok(...), Outcome.error(...)
WEB_TEXT_CALLS = {"flash", "error_response"}


def domain_error_names() -> set[str]:
    tree = ast.parse(DOMAIN_ERRORS_MODULE.read_text(encoding="utf-8"))
    names = {"DomainError"}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name not in names:
                if any(isinstance(b, ast.Name) and b.id in names for b in node.bases):
                    names.add(node.name)
                    changed = True
    return names


def _literal(node) -> bool:
    """A bare string: a constant, an f-string, or text joined with + or %."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return is_prose(node.value, set())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _literal(node.left) or _literal(node.right)
    if isinstance(node, ast.IfExp):
        return _literal(node.body) or _literal(node.orelse)
    return False


def python_problems(path: Path, errors: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    web = "web" in path.relative_to(PACKAGE).parts[:1]
    problems = []

    def report(node, what):
        problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        args = node.args
        if name in errors and args and _literal(args[0]):
            report(node, f"{name}(...) says a bare string")
        elif name in SAID_CALLS and isinstance(func, ast.Attribute) and args and _literal(args[0]):
            report(node, f"{name}(...) says a bare string")
        elif web and name in WEB_TEXT_CALLS and args and any(_literal(a) for a in args):
            report(node, f"{name}(...) says a bare string")
        elif web and (name.endswith("Field") or name == "SelectChoice"):
            texts = args[:1] if name.endswith("Field") else args[1:2]
            for arg in texts:
                if _literal(arg):
                    report(node, f"{name} label is a bare string")
        if web:
            for keyword in node.keywords:
                if keyword.arg in ("message", "label", "description") and _literal(keyword.value):
                    report(node, f"{name}({keyword.arg}=...) is a bare string")
    return problems


def all_problems(paths: list[Path] | None = None) -> list[str]:
    env = Environment(extensions=["jinja2.ext.i18n"])
    classes = css_classes()
    errors = domain_error_names()
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if not paths or any(path.is_relative_to(p) for p in paths):
            problems += template_problems(path, env, classes)
    for path in sorted(PACKAGE.rglob("*.py")):
        if "demo" in path.parts or "api" in path.relative_to(PACKAGE).parts[:1]:
            continue  # demo data is data; the API speaks English with stable codes
        if not paths or any(path.is_relative_to(p) for p in paths):
            problems += python_problems(path, errors)
    return problems


if __name__ == "__main__":
    chosen = [Path(p).resolve() for p in sys.argv[1:]] or None
    found = all_problems(chosen)
    print("\n".join(found))
    print(f"{len(found)} unmarked", file=sys.stderr)
