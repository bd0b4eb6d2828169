"""Reading a sample set: a Message Batches JSONL file, or texts (CSV or JSONL) plus a prompt template.

Both become numbered request lines for `pilot.requests.validate_numbered_lines`; line numbers
are those of the user's file (a CSV's header is line 1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from costmodel import safejson
from costmodel.errors import unreadable_file
from pilot.requests import LineProblem, PromptTemplate, TextRow, ValidationResult, build_requests
from pilot.requests import validate_numbered_lines as _validate

__all__ = ["SourceError", "load_template", "numbered_request_lines", "validate_source"]


class SourceError(ValueError):
    """A file that cannot be read at all (missing, not UTF-8, bad template); one line for the user."""


def load_template(path: Path | str) -> PromptTemplate:
    """A prompt template from a JSON file (`model`, `max_tokens`, `user_template` with `{text}`, ...)."""
    path = Path(path)
    try:
        data = safejson.loads(path.read_text(encoding="utf-8"))
        return PromptTemplate.model_validate(data)
    except OSError as exc:
        raise SourceError(unreadable_file(path, exc)) from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: line {exc.lineno}: template is not valid JSON ({exc.msg})") from None
    except ValueError as exc:  # pydantic ValidationError
        errors = getattr(exc, "errors", None)
        if callable(errors):
            first = errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "template"
            raise SourceError(f"{path}: {where}: {first.get('msg')}") from None
        raise SourceError(f"{path}: {exc}") from None


def _csv_problem(exc: csv.Error, source: Path, line: int) -> SourceError:
    """A CSV the reader gave up on, as one line; a field over the csv module's limit gets its own advice."""
    limit = csv.field_size_limit()
    if "field larger than field limit" in str(exc):
        return SourceError(
            f"{source}: line {line}: a field is longer than {limit:,} characters; put texts that long in a JSONL file "
            f'(one {{"text": ...}} object per line) instead of a CSV'
        )
    return SourceError(f"{source}: line {line}: cannot read the CSV ({exc}); check that line's quoting")


def _text_rows_csv(text: str, template: PromptTemplate, source: Path) -> Iterator[TextRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        yield from _csv_rows(reader, template)
    except csv.Error as exc:
        raise _csv_problem(exc, source, reader.line_num + 1) from None


def _csv_rows(reader: csv.DictReader[str], template: PromptTemplate) -> Iterator[TextRow]:
    columns = reader.fieldnames or []
    if template.text_column not in columns:
        raise SourceError(
            f"line 1: no column {template.text_column!r} (columns: {', '.join(columns) or 'none'}); "
            "set text_column in the template"
        )
    for row in reader:
        row_id = row.get(template.id_column) if template.id_column in columns else None
        yield TextRow(line=reader.line_num, text=row.get(template.text_column), row_id=row_id or None)


def _text_rows_jsonl(lines: list[str], template: PromptTemplate, problems: list[LineProblem]) -> Iterator[TextRow]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = safejson.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(LineProblem(line=number, message=f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append(LineProblem(line=number, message=f"expected an object with {template.text_column!r}"))
            continue
        text = obj.get(template.text_column)
        row_id = obj.get(template.id_column)
        yield TextRow(
            line=number,
            text=text if isinstance(text, str) else None,
            row_id=str(row_id) if row_id not in (None, "") else None,
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SourceError(unreadable_file(path, exc)) from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def numbered_request_lines(
    path: Path | str, template: PromptTemplate | None = None, *, problems: list[LineProblem] | None = None
) -> Iterator[tuple[int, str]]:
    """`(line, request JSON)` per request; `template` given → `path` holds texts (CSV or JSONL).

    Without a template the file is read lazily line by line (fit for 100,000-line files).
    """
    path = Path(path)
    if template is None:
        try:
            handle = path.open(encoding="utf-8-sig")
        except OSError as exc:
            raise SourceError(unreadable_file(path, exc)) from None
        with handle:
            try:
                yield from enumerate(handle, start=1)
            except UnicodeDecodeError as exc:
                raise SourceError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        return
    text = _read_text(path)
    sink = problems if problems is not None else []
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        rows = _text_rows_jsonl(text.splitlines(), template, sink)
    else:
        rows = _text_rows_csv(text, template, path)
    for line, request in build_requests(rows, template):
        yield line, json.dumps(request, ensure_ascii=False)


def validate_source(path: Path | str, template: PromptTemplate | None = None) -> ValidationResult:
    """Validate a sample set; problems carry the user's line numbers."""
    row_problems: list[LineProblem] = []
    result = _validate(numbered_request_lines(path, template, problems=row_problems))
    if row_problems:
        result.problems = sorted([*row_problems, *result.problems], key=lambda p: p.line)
    return result
