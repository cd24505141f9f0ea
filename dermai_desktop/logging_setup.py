"""Logging: rotating JSON-lines files, readable console output and a PHI redaction safety net."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from io import TextIOWrapper
from pathlib import Path

from dermai_desktop.domain.errors import ConfigurationError, ExpectedError

LOG_FILENAME = "dermai-desktop.jsonl"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_BACKUP_COUNT = 5
REDACTED = "[redacted]"

# Libraries that would log SQL text or bound values (patient data) at INFO/DEBUG.
_QUIET_LOGGERS = ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm")

# Ignored when registered: masking two-letter strings would shred every log line.
_MIN_KNOWN_PHI_LENGTH = 3

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Calendar dates in the usual written forms; a date of birth is PHI and log lines need none.
_DATE = re.compile(
    r"(?<!\d)(?<!\d[\-/.])(?:"
    r"(?:1[89]|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:1[89]|20)\d\d"
    r")(?!\d|[\-/.]\d)"
)
# Runs of digits with phone punctuation; the digit count is checked in code (7 to 15, E.164).
_PHONE = re.compile(r"(?<![\w\-])\+?\(?\d[\d ().\-]{5,}\d(?![\w\-])")
_PHONE_MIN_DIGITS = 7
_PHONE_MAX_DIGITS = 15

_installed_handlers: list[logging.Handler] = []
_saved_logger_levels: dict[str, int] = {}


# --- redaction ------------------------------------------------------------------------------


class _KnownPhi:
    """Registered strings to mask, compiled into one pattern on first use after a change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            for value in values:
                cleaned = value.strip()
                if len(cleaned) >= _MIN_KNOWN_PHI_LENGTH:
                    self._values.add(cleaned)
            self._pattern = None

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._pattern = None

    def pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._values:
                # Longest first so "Anna Maria" is masked whole before "Anna" can match.
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE)
            return self._pattern


_known_phi = _KnownPhi()


def register_phi(*values: str) -> None:
    """Add strings (e.g. a test's sentinel patient name) that must never appear in any log line."""
    _known_phi.add(values)


def clear_registered_phi() -> None:
    """Forget every registered value (tests; and on logout if the app registers a chart's names)."""
    _known_phi.clear()


def _mask_phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    if _PHONE_MIN_DIGITS <= digits <= _PHONE_MAX_DIGITS:
        return "[phone]"
    return match.group(0)


def redact(text: str) -> str:
    """Mask registered PHI, e-mail addresses, dates and phone-number-like digit runs in text."""
    known = _known_phi.pattern()
    if known is not None:
        text = known.sub(REDACTED, text)
    text = _EMAIL.sub("[email]", text)
    text = _DATE.sub("[date]", text)
    return _PHONE.sub(_mask_phone, text)


class RedactionFilter(logging.Filter):
    """Formats each record's message once, redacts it and drops the args.

    A safety net, not the policy: code logs ids only. Dropping args means no handler or formatter
    after this one can re-insert an argument (a patient object's repr, say) into the output.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not crash the caller
            message = f"[unformattable log message from {record.pathname}:{record.lineno}]"
        record.msg = redact(message)
        record.args = None
        return True


# --- exception formatting -------------------------------------------------------------------


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    chain.reverse()  # oldest first, like Python's own traceback output
    return chain


def exception_message_is_safe(exc: BaseException) -> bool:
    """True when the exception's message is PHI-free by contract (an ExpectedError)."""
    return isinstance(exc, ExpectedError)


def format_exception_safely(exc: BaseException, *, keep_messages: bool = False) -> str:
    """A traceback whose unexpected exception messages are replaced by [redacted].

    A bug's message can carry anything (a KeyError on a patient's name, a value in a repr);
    ExpectedError messages are PHI-free by contract and kept. With keep_messages (--debug) every
    message is kept, still passed through redact(). Local variables are never included.
    """
    parts: list[str] = []
    for index, item in enumerate(_exception_chain(exc)):
        if index:
            parts.append("\nThe above exception led to the following exception:\n\n")
        if item.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(item.__traceback__))
        name = type(item).__qualname__
        module = type(item).__module__
        qualified = name if module in ("builtins", "__main__") else f"{module}.{name}"
        if keep_messages or exception_message_is_safe(item):
            message = str(item)
            parts.append(f"{qualified}: {message}\n" if message else f"{qualified}\n")
        else:
            parts.append(f"{qualified}: {REDACTED}\n")
    return redact("".join(parts)).rstrip("\n")


def _exception_of(exc_info: object) -> BaseException | None:
    if (
        isinstance(exc_info, tuple)
        and len(exc_info) == 3
        and isinstance(exc_info[1], BaseException)
    ):
        return exc_info[1]
    return None


# --- formatters and handlers ----------------------------------------------------------------


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC ISO), level, logger, message, incident_id, exception."""

    def __init__(self, *, keep_exception_messages: bool = False) -> None:
        super().__init__()
        self._keep_exception_messages = keep_exception_messages

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "thread": record.threadName,
        }
        incident_id = getattr(record, "incident_id", None)
        if incident_id:
            entry["incident_id"] = str(incident_id)
        exc = _exception_of(record.exc_info)
        if exc is not None:
            entry["exc_type"] = type(exc).__qualname__
            entry["exc_trace"] = format_exception_safely(
                exc, keep_messages=self._keep_exception_messages
            )
        if record.stack_info:
            entry["stack"] = redact(record.stack_info)
        # ensure_ascii: one physical line per record whatever the message holds, and plain ASCII.
        return json.dumps(entry, ensure_ascii=True, separators=(",", ":"))


class ConsoleFormatter(logging.Formatter):
    """Readable lines for a terminal; tracebacks only with --debug."""

    def __init__(self, *, debug: bool) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        self._debug = debug

    def format(self, record: logging.LogRecord) -> str:
        # Format a copy: the base class caches exc_text on the record, which other handlers share.
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info = None
        plain.exc_text = None
        plain.stack_info = None
        line = super().format(plain)
        incident_id = getattr(record, "incident_id", None)
        if incident_id and str(incident_id) not in line:
            line += f" (incident {incident_id})"
        exc = _exception_of(record.exc_info)
        if exc is None:
            return line
        if self._debug:
            return f"{line}\n{format_exception_safely(exc, keep_messages=True)}"
        if exception_message_is_safe(exc):
            return f"{line} [{type(exc).__name__}: {redact(str(exc))}]"
        # Without --debug a bug shows its type only; the trace is in the log file.
        return f"{line} [{type(exc).__name__}; details in the log file]"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files are readable by their owner only."""

    def _open(self) -> TextIOWrapper:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        fd = os.open(self.baseFilename, flags, 0o600)
        return open(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)


# --- configuration --------------------------------------------------------------------------


def configure_logging(
    log_dir: Path,
    *,
    level: str = "INFO",
    console: bool,
    debug: bool,
    max_bytes: int = DEFAULT_MAX_BYTES,
    backup_count: int = DEFAULT_BACKUP_COUNT,
) -> None:
    """Install the file (and optionally console) handlers on the root logger.

    Idempotent: a second call replaces the handlers of the first instead of adding more.

    Args:
        log_dir: existing directory for the JSON-lines files (paths.ensure_dirs creates it).
        level: threshold name for the file, e.g. "INFO" (the logging.level setting).
        console: also write readable lines to stderr (development, the CLI).
        debug: DEBUG level everywhere, exception messages kept (still redacted) and tracebacks on
            the console.
    """
    reset_logging()
    threshold = logging.DEBUG if debug else _level_number(level)

    file_handler = PrivateRotatingFileHandler(
        log_dir / LOG_FILENAME, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    file_handler.setFormatter(JsonLinesFormatter(keep_exception_messages=debug))
    handlers: list[logging.Handler] = [file_handler]
    if console:
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.setFormatter(ConsoleFormatter(debug=debug))
        handlers.append(console_handler)

    root = logging.getLogger()
    _saved_logger_levels[""] = root.level
    root.setLevel(threshold)
    for handler in handlers:
        handler.setLevel(threshold)
        handler.addFilter(RedactionFilter())
        root.addHandler(handler)
        _installed_handlers.append(handler)

    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        _saved_logger_levels[name] = logger.level
        # Even with --debug: SQL text and parameters are patient data.
        logger.setLevel(logging.WARNING)


def configure_bootstrap_logging(*, debug: bool = False) -> None:
    """A redacting stderr handler for the moments before the log directory exists.

    Without any handler Python's last-resort handler would print a bug's raw traceback (message
    included) to the console. configure_logging replaces this handler.
    """
    reset_logging()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ConsoleFormatter(debug=debug))
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handler.addFilter(RedactionFilter())
    logging.getLogger().addHandler(handler)
    _installed_handlers.append(handler)


def reset_logging() -> None:
    """Remove and close what configure_logging installed and restore logger levels (tests)."""
    root = logging.getLogger()
    for handler in _installed_handlers:
        root.removeHandler(handler)
        handler.close()
    _installed_handlers.clear()
    for name, saved in _saved_logger_levels.items():
        logging.getLogger(name or None).setLevel(saved)
    _saved_logger_levels.clear()


def installed_handlers() -> Iterable[logging.Handler]:
    """The handlers configure_logging installed (for tests and self-test)."""
    return tuple(_installed_handlers)


def _level_number(level: str) -> int:
    number = logging.getLevelName(level.strip().upper())
    if not isinstance(number, int):
        raise ConfigurationError(
            f"The log level {level!r} is not one of DEBUG, INFO, WARNING, ERROR or CRITICAL."
        )
    return number
