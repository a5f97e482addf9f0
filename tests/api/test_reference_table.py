"""docs/api.md's table of the reference documents' endpoints stays true: every endpoint in
its "ours" column is an operation of /api/openapi.json, and every operation of the
document is named in docs/api.md, so neither can drift from the other."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ENDPOINT = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/api/[^`?\s]*)")
HOW = ("same", "alias", "why not")


def table_rows() -> list[list[str]]:
    text = DOC.read_text()
    section = text.split("## The reference documents' endpoints", 1)[1].split("\n## ", 1)[0]
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if re.match(r"\| [CMVPS] \|", line)
    ]


def shape(path: str) -> str:
    """/api/transfers/{id}/missing and /api/transfers/{transfer_id}/missing are one path."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def operations(client, api) -> set[tuple[str, str]]:
    doc = api.get("/api/openapi.json").get_json()
    return {(method.upper(), shape(path)) for path, ops in doc["paths"].items() for method in ops}


def test_every_endpoint_of_ours_in_the_table_is_in_the_openapi_document(client, api):
    documented = operations(client, api)
    rows = table_rows()
    assert len(rows) >= 115  # every endpoint the five documents name
    for doc, theirs, ours, how in rows:
        assert how.startswith(HOW), (theirs, how)
        if how.startswith("why not"):
            assert ours == "-", theirs
            continue
        named = ENDPOINT.findall(ours)
        assert named, f"{theirs}: no endpoint of ours named in {ours!r}"
        for method, path in named:
            assert (method, shape(path)) in documented, (
                f"{theirs}: {method} {path} is not in /api/openapi.json"
            )


def test_every_operation_of_the_document_is_named_in_docs_api(client, api):
    text = DOC.read_text()
    named = set(ENDPOINT.findall(text)) | set(
        re.findall(r"(GET|POST|PUT|PATCH|DELETE) (/api/[^\s`?),]*)", text)
    )
    named = {(method, shape(path)) for method, path in named}
    missing = sorted(f"{m} {p}" for m, p in operations(client, api) - named)
    assert not missing, f"not named in docs/api.md: {missing}"
