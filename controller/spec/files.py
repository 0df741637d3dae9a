"""Finding the fleet's files and reading them without trusting them.

A fleet directory comes from git, and a pull request can put anything in it: a symlink to
`/etc/shadow` or to another checkout, a FIFO that blocks a reader forever, a multi-megabyte file,
UTF-16 or Latin-1 text. Everything here is bounded and turned into a `SpecIssue` instead:
symlinks must resolve inside the fleet directory, only regular files are read, reads stop past
`MAX_FILE_BYTES`, and text must be UTF-8 (a UTF-8 byte-order mark is accepted and dropped).
Hidden files (`.gitkeep`) are skipped silently; anything else that is not `.yaml`/`.yml` is
skipped with a warning, so a stray `README.md` never fails validation.
"""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from controller.spec.issues import SpecIssue, printable
from controller.spec.units import format_bytes

MAX_FILE_BYTES = 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
SETTINGS_FILE = "tenantctl.yaml"

_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True, slots=True)
class FleetFile:
    """A YAML file of the fleet: its path relative to the fleet directory, and where it lives."""

    path: str  # e.g. "tenants/acme.yaml", used in every message
    real_path: str  # symlinks resolved; inside the fleet directory
    stem: str  # "acme": the tenant id or plan name the file must hold

    @property
    def name(self) -> str:
        """The file's name in its folder: `acme.yaml`."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Folder:
    """The YAML files of one fleet folder, and what was wrong with the folder itself."""

    exists: bool
    files: tuple[FleetFile, ...] = ()
    errors: tuple[SpecIssue, ...] = ()
    warnings: tuple[SpecIssue, ...] = ()


def scan_folder(root: Path, folder: str) -> Folder:
    """The YAML files directly inside `root/folder`, sorted by name; `root` must be resolved."""
    directory = root / folder
    if not os.path.lexists(directory):
        return Folder(exists=False)
    located = _locate(root, directory, folder, position=None)
    if isinstance(located, SpecIssue):
        return Folder(exists=True, errors=(located,))
    if not located.is_dir():
        return Folder(True, errors=(SpecIssue(folder, None, None, "expected a directory"),))
    try:
        entries = sorted(os.scandir(located), key=lambda entry: entry.name)
    except OSError as error:
        return Folder(True, errors=(SpecIssue(folder, None, None, _os_problem(error)),))
    files: list[FleetFile] = []
    errors: list[SpecIssue] = []
    warnings: list[SpecIssue] = []
    for entry in entries:
        path = f"{folder}/{entry.name}"
        if entry.name.startswith("."):
            continue
        if not entry.name.endswith(YAML_SUFFIXES):
            warnings.append(_ignored(entry, path, folder))
            continue
        # A plain entry of a resolved folder inside the fleet is where it says: only symlinks
        # need resolving (which costs a system call per path component).
        found = (
            os.path.join(located, entry.name)
            if not entry.is_symlink()
            else _locate(root, directory / entry.name, path, position=(1, 1))
        )
        if isinstance(found, SpecIssue):
            errors.append(found)
        else:
            files.append(FleetFile(path, str(found), entry.name.rsplit(".", 1)[0]))
    return Folder(True, tuple(files), tuple(errors), tuple(warnings))


def find_settings_file(root: Path) -> tuple[FleetFile | None, tuple[SpecIssue, ...]]:
    """The optional `tenantctl.yaml` at the fleet root, or the reason it cannot be used."""
    return find_root_file(root, SETTINGS_FILE)


def find_root_file(root: Path, name: str) -> tuple[FleetFile | None, tuple[SpecIssue, ...]]:
    """An optional file at the fleet root (`tenantctl.yaml`, `adopted.yaml`), or the reason it
    cannot be used (a symlink out of the fleet, a broken link)."""
    candidate = root / name
    if not os.path.lexists(candidate):
        return None, ()
    found = _locate(root, candidate, name, position=(1, 1))
    if isinstance(found, SpecIssue):
        return None, (found,)
    return FleetFile(name, str(found), name.rsplit(".", 1)[0]), ()


def read_text(file: FleetFile) -> str | SpecIssue:
    """The file's text: a regular file, at most `MAX_FILE_BYTES`, valid UTF-8."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(file.real_path, flags)  # O_NONBLOCK: a FIFO cannot block us
    except OSError as error:
        return _file_issue(file, _os_problem(error))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return _file_issue(file, "not a regular file; only plain files are read")
        data = _read_at_most(descriptor, MAX_FILE_BYTES + 1, info.st_size)
    except OSError as error:
        return _file_issue(file, _os_problem(error))
    finally:
        os.close(descriptor)
    if len(data) > MAX_FILE_BYTES:
        size = max(info.st_size, len(data))
        return _file_issue(
            file,
            f"file is {size} bytes; a fleet file may be at most {format_bytes(MAX_FILE_BYTES)} "
            f"({MAX_FILE_BYTES} bytes)",
        )
    return decode_text(data, file.path)


def _read_at_most(descriptor: int, limit: int, size: int) -> bytes:
    """Up to `limit` bytes of a regular file whose size fstat gave as `size`.

    Asking for one byte more than `size` reads the file and finds its end in one call (a short
    read), without a buffer of `limit` bytes for every small file; a file that grew since
    is read on, still never past `limit`.
    """
    chunks: list[bytes] = []
    remaining = limit
    asked = min(limit, size + 1)
    while remaining > 0:
        chunk = os.read(descriptor, asked)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
        if len(chunk) < asked:
            break
        asked = remaining
    return b"".join(chunks)


def decode_text(data: bytes, path: str) -> str | SpecIssue:
    """UTF-8 text without its byte-order mark, or an issue pointing at the first bad byte."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            return SpecIssue(path, 1, 1, f"file is {encoding}-encoded; save it as UTF-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", "replace")) + 1
        message = f"byte 0x{data[error.start]:02x} is not valid UTF-8; save the file as UTF-8"
        return SpecIssue(path, line, column, message)


def _locate(
    root: Path, candidate: Path, path: str, position: tuple[int, int] | None
) -> Path | SpecIssue:
    line, column = position if position else (None, None)
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        if not candidate.is_symlink():
            return SpecIssue(path, line, column, "cannot be resolved")
        target = printable(os.readlink(candidate))
        return SpecIssue(path, line, column, f"broken or looping symlink (to {target})")
    if not real.is_relative_to(root):
        return SpecIssue(path, line, column, "symlink points outside the fleet directory")
    return real


def _ignored(entry: os.DirEntry[str], path: str, folder: str) -> SpecIssue:
    if entry.is_dir():
        message = f"directory ignored: files must sit directly in {folder}/"
    else:
        message = "ignored: not a .yaml or .yml file"
    return SpecIssue(path, None, None, message)


def _file_issue(file: FleetFile, message: str) -> SpecIssue:
    return SpecIssue(file.path, 1, 1, message)


def _os_problem(error: OSError) -> str:
    reason = (error.strerror or type(error).__name__).lower()
    return f"cannot read: {reason}"
