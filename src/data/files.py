"""Reading the data directory safely: only regular files directly inside it, never through a link that leaves it.

Every problem is a :class:`Problem` naming the file, the line, the field, what is wrong and
how to fix it; :class:`DataError` carries all of them at once.
"""
from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any



DESCRIPTOR = "datapackage.json"


#: Environment variable naming a file to which every data file read is appended;
#: the build pipeline uses it to learn which chapter depends on which CSV.
DEPS_ENV = "BOOK_DEPS_FILE"


README = "README.md"


#: Limits stated in data/README.md: far above the report's tables (≤ 60 rows, labels ≤ 60
#: characters, files ≤ 100 kB), far below what breaks the chart renderer or the page.
MAX_FILE_BYTES = 1_048_576


_ENCODING_FIX = (
    "UTF-8 で保存し直してください（Excel:「CSV UTF-8（コンマ区切り）」、"
    "または `iconv -f CP932 -t UTF-8 元.csv > 新.csv`） / re-save the file as UTF-8"
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as possible."""

    file: str
    message: str
    fix: str
    line: int | None = None      # line in the file (the CSV header is line 1)
    field: str | None = None

    #: How the message names the row and the column (a response file says row/case and column).
    row_word = "line"
    field_word = "field"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", {self.row_word} {self.line}"
        if self.field:
            where += f", {self.field_word} '{self.field}'"
        return f"{where}: {self.message} — fix: {self.fix}"


class DataError(ValueError):
    """Raised with every :class:`Problem` found, so they can be fixed in one pass."""

    def __init__(self, problems: list[Problem], directory: Path | str = ""):
        self.problems = problems
        head = f"{len(problems)} problem(s) in data directory {directory}:"
        super().__init__("\n".join([head] + [f"  - {p}" for p in problems]))


def record_read(path: Path) -> None:
    """Note that a data file was read (the pipeline re-executes a chapter when such a file changes)."""
    deps = os.environ.get(DEPS_ENV)
    if deps:
        with open(deps, "a", encoding="utf-8") as fh:
            fh.write(str(Path(path).resolve()) + "\n")


def decode_text(path: Path, raw: bytes) -> tuple[str | None, list[Problem]]:
    """Text of a data file; UTF-8 with or without BOM is accepted, anything else is not."""
    head = raw[:200]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head.count(b"\x00") * 3 > len(head):   # BOM, or ASCII as UTF-16
        return None, [Problem(path.name, "the file is UTF-16 (Excel's 「Unicode テキスト」), not UTF-8",
                              _ENCODING_FIX.replace("CP932", "UTF-16"))]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        try:
            raw.decode("cp932")
            what = "the file is Shift_JIS/CP932 (as saved by Japanese Excel), not UTF-8"
        except UnicodeDecodeError:
            what = f"the file is not valid UTF-8 (byte {exc.start})"
        return None, [Problem(path.name, what, _ENCODING_FIX, line=raw[:exc.start].count(b"\n") + 1)]


def link_target(path: Path) -> Path | None:
    """Where a path leads after every symlink, or None for a loop of links."""
    try:
        return path.resolve()
    except RuntimeError:        # Python 3.11 raises this, not OSError, for a loop of links
        return None


#: A scheme (``https:``, ``file:``, ``data:``…): Frictionless would fetch or open such a path itself.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def confined_path(directory: Path, name: str) -> tuple[Path | None, str | None]:
    """``directory/name`` if it names an entry directly inside ``directory``, else why not.

    Decided from the name and the symlinks alone: nothing outside is ever opened.
    """
    pure = PurePosixPath(name)
    if not name or "\\" in name or "\x00" in name:
        return None, f"'{name}' is not a file name"
    if _URL.match(name):
        return None, f"'{name}' is an address (URL): the book reads files inside the data directory and fetches nothing"
    if pure.is_absolute():
        return None, f"'{name}' is an absolute path, outside the data directory"
    if ".." in pure.parts:
        return None, f"'{name}' leads out of the data directory (..)"
    if len(pure.parts) != 1:
        return None, f"'{name}' is in a subdirectory; the book reads files directly inside the data directory"
    path = directory / pure.name
    if not path.is_symlink():
        return path, None
    target = link_target(path)
    if target is None:
        return None, f"'{name}' is a symbolic link that leads back to itself (a loop)"
    if target.parent != directory.resolve():
        return None, f"'{name}' is a symbolic link to a file outside the data directory"
    return path, None


def _size(limit: int) -> str:
    return f"{limit:,} bytes" + (" (1 MiB)" if limit == 2**20 else "")


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES,
                      limit_name: str = "the limit") -> tuple[bytes | None, str | None]:
    """The bytes of a regular file of at most ``limit`` bytes, or why it cannot be read.

    FIFOs, devices and directories are refused before they are opened (a FIFO would block);
    ``limit_name`` says whose limit it is in the message (response files have their own).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, "does not exist"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})"
    if stat.S_ISDIR(info.st_mode):
        return None, "is a directory, not a file"
    if not stat.S_ISREG(info.st_mode):
        return None, "is not a regular file (a FIFO, socket or device)"
    if info.st_size > limit:
        return None, f"is {info.st_size:,} bytes; {limit_name} is {_size(limit)}"
    try:
        fd = os.open(path.resolve(), os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})"
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None, "is not a regular file"
        data = fh.read(limit + 1)
    if len(data) > limit:
        return None, f"is larger than the limit of {_size(limit)}"
    return data, None


def data_file_bytes(directory: Path, name: str) -> bytes:
    """The bytes of one data file, confined to ``directory`` (ValueError says why not)."""
    path, why = confined_path(directory, name)
    data, why = (None, why) if path is None else read_regular_file(path)
    if data is None:
        raise ValueError(f"{name}: {why}")
    return data


def published_files(directory: Path | str) -> list[Path]:
    """The data files the site publishes: datapackage.json, README.md, the listed tables and table schema files.

    Only regular files directly inside ``directory`` (after symlinks) qualify.
    """
    directory = Path(directory)
    names = [DESCRIPTOR, README]
    try:
        descriptor = json.loads(data_file_bytes(directory, DESCRIPTOR).decode("utf-8-sig"))
        resources = [r for r in descriptor.get("resources", []) if isinstance(r, dict)]
        names += [str(r["path"]) for r in resources if "path" in r]
        names += [r["schema"] for r in resources if isinstance(r.get("schema"), str)]   # table.schema.json
    except (ValueError, AttributeError):
        pass
    files = []
    for name in dict.fromkeys(names):
        path, why = confined_path(directory, name)
        if path is not None and path.is_file():
            files.append(path)
    return sorted(files, key=lambda p: p.name)


class _StrictJSONError(ValueError):
    """JSON that parses but that the package must not hold: a non-finite number, a key written twice."""

    def __init__(self, message: str, fix: str, token: str):
        super().__init__(message)
        self.message, self.fix, self.token = message, fix, token


def _refuse_constant(name: str) -> float:
    raise _StrictJSONError(f"{name} is not a number the site can print",
                           "write a finite number (or null where a value may be absent)", name)


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Duplicate keys are refused, not last-wins (data/README.md): one of the two values would be lost unseen."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            shown = json.dumps(key, ensure_ascii=False)
            raise _StrictJSONError(f"the key {shown} is written twice in one object",
                                   "keep one of the two entries (the second would silently replace the first)",
                                   "")      # the key's first occurrence in the file is usually another object's
        seen[key] = value
    return seen


MAX_JSON_DEPTH = 20             # data/datapackage.json nests 7 deep
MAX_JSON_INTEGER = 10 ** 15


def _unprintable_value(value: Any) -> tuple[str, str, str] | None:
    """(what is wrong, fix, where) for the first value no check or chapter could handle, walked without recursion."""
    stack = [(value, "", 1)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return (f"is nested more than {MAX_JSON_DEPTH} levels deep", "write it like data/datapackage.json", where)
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and abs(item) > MAX_JSON_INTEGER:
            return ("a whole number with more than 15 digits", "write the number the report states", where)
        texts = [item] if isinstance(item, str) else list(item) if isinstance(item, dict) else []
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return ("contains a lone surrogate (\\ud800–\\udfff written without its pair)",
                        "write the character itself, or both halves of its \\u escape", where)
        children = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        stack += [(v, f"{where}[{k}]" if isinstance(k, int) else f"{where}.{k}".lstrip("."), depth + 1)
                  for k, v in children]
    return None


def _line_of(text: str, token: str) -> int | None:
    """The line where ``token`` first appears (a pointer for the author; the token may also occur earlier in a text)."""
    at = text.find(token)
    return text.count("\n", 0, at) + 1 if token and at >= 0 else None


def parse_json(name: str, text: str) -> tuple[Any, list[Problem]]:
    """The value of a JSON file of the data directory, read strictly (no NaN, no key twice, bounded), or its problems."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicate_keys)
    except _StrictJSONError as exc:
        return None, [Problem(name, exc.message, exc.fix, line=_line_of(text, exc.token))]
    except json.JSONDecodeError as exc:
        return None, [Problem(name, f"is not valid JSON: {exc.msg} (column {exc.colno})",
                              "fix the JSON syntax at that position", line=exc.lineno)]
    except RecursionError:
        return None, [Problem(name, "is nested too deeply to read", "write it like data/datapackage.json")]
    unreadable = _unprintable_value(value)
    if unreadable:
        return None, [Problem(name, unreadable[0], unreadable[1], field=unreadable[2] or None)]
    return value, []


def read_descriptor(directory: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The parsed ``datapackage.json`` of ``directory``, or the problems that stop reading it."""
    if not directory.exists():
        return None, [Problem(str(directory), "the data directory does not exist",
                              "pass an existing directory laid out like data/ (DATA=path/to/dir)")]
    if not directory.is_dir():
        return None, [Problem(str(directory), "is not a directory",
                              "pass the directory that holds datapackage.json (DATA=path/to/dir), not a file")]
    path, why = confined_path(directory, DESCRIPTOR)
    if path is not None and not os.path.lexists(path):
        return None, [Problem(DESCRIPTOR, f"missing in {directory}",
                              "copy data/datapackage.json into the directory and edit its resources")]
    raw, why = (None, why) if path is None else read_regular_file(path)
    if raw is None:
        return None, [Problem(DESCRIPTOR, why, "make datapackage.json an ordinary file inside the data directory")]
    record_read(path)
    text, problems = decode_text(path, raw)
    if text is None:
        return None, problems
    descriptor, problems = parse_json(DESCRIPTOR, text)
    if problems:
        return None, problems
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return None, [Problem(DESCRIPTOR, "has no 'resources' list",
                              "add \"resources\": [...] with one entry per figure", field="resources")]
    return descriptor, []
