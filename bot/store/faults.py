"""SQLite faults in words an operator can act on, with no data from the database in them."""

from __future__ import annotations

# What an operator can do about each kind of SQLite fault. Only these fixed words reach a message;
# SQLite's own text is left out because it can quote SQL or values.
FAULTS: dict[str, str] = {
    "SQLITE_FULL": "the disk is full; free space",
    "SQLITE_READONLY": "the database is read-only; make the file and its folder writable",
    "SQLITE_BUSY": "the database is locked by another process; stop it or wait",
    "SQLITE_LOCKED": "the database is locked; stop other programs using it",
    "SQLITE_CANTOPEN": "the file cannot be opened; check that the folder exists and is writable",
    "SQLITE_PERM": "permission denied; check the file's owner and mode",
    "SQLITE_IOERR": "a disk read or write failed; check the disk",
    "SQLITE_CORRUPT": "the file is damaged; move it aside and restart to begin empty",
    "SQLITE_NOTADB": "the file is not a SQLite database; check WEGWIJZER_DATABASE",
}


def describe(error: BaseException) -> str:
    """A short, data-free description: the error class, SQLite's code name and what to do."""
    code = getattr(error, "sqlite_errorname", None)
    if not isinstance(code, str):
        return type(error).__name__
    advice = FAULTS.get(code) or next(
        (text for prefix, text in FAULTS.items() if code.startswith(prefix + "_")), None
    )
    label = f"{type(error).__name__} {code}"
    return f"{label}: {advice}" if advice else label
