"""Bugs: incident ids, plain messages, and Sentry reports scrubbed of anything but code facts."""

from __future__ import annotations

import hashlib
import inspect
import logging
import platform
import secrets
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import PurePath
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.logging_setup import REDACTED, redact

if TYPE_CHECKING:
    from sentry_sdk.transport import Transport
    from sentry_sdk.types import Breadcrumb, BreadcrumbHint, Event, Hint

log = logging.getLogger(__name__)

# No 0/O, 1/I/L or U: read aloud over the phone to IT without ambiguity.
_INCIDENT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
INCIDENT_TAG = "incident_id"
WORKSTATION_TAG = "workstation"
MAX_BREADCRUMBS = 20

_ALLOWED_TAGS = frozenset({INCIDENT_TAG, WORKSTATION_TAG})
_ENVIRONMENT_CONTEXTS = {
    "os": {"name": platform.system(), "version": platform.release()},
    "runtime": {"name": platform.python_implementation(), "version": platform.python_version()},
}
_ALLOWED_FRAME_KEYS = ("filename", "function", "module", "lineno", "in_app")
_ALLOWED_MECHANISM_KEYS = (
    "type",
    "handled",
    "exception_id",
    "parent_id",
    "is_exception_group",
    "source",
)
_OPTIONAL_OFF_SWITCHES = {"enable_logs": False, "enable_metrics": False}
_ALLOWED_EVENT_KEYS = ("event_id", "timestamp", "level", "platform", "release", "environment")


def new_incident_id() -> str:
    """A short id a receptionist can read out, e.g. INC-7Q4M-2KD9 (about 6.5e11 values)."""
    chars = [secrets.choice(_INCIDENT_ALPHABET) for _ in range(8)]
    return f"INC-{''.join(chars[:4])}-{''.join(chars[4:])}"


def unexpected_message(incident_id: str) -> str:
    """What a person sees for a bug: reassurance, the incident id, and who to tell."""
    return (
        "Something went wrong inside DermAI Desktop. Nothing you entered was lost. "
        f"Incident {incident_id}; please give this number to IT."
    )


def describe_unexpected(exc: BaseException) -> tuple[str, str]:
    """Record a bug and return (incident_id, plain message for a dialog or the console).

    The traceback goes to the log file (tagged with the incident id, unexpected messages
    redacted) and, when Sentry is on, a scrubbed report tagged with the same id.
    """
    incident_id = new_incident_id()
    log.error(
        "Unexpected error, incident %s",
        incident_id,
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={INCIDENT_TAG: incident_id},
    )
    # Sentry is imported only when a DSN turned it on (it costs ~0.1 s at start-up).
    sentry_sdk = sys.modules.get("sentry_sdk")
    if sentry_sdk is not None and sentry_sdk.get_client().is_active():
        sentry_sdk.capture_exception(exc, tags={INCIDENT_TAG: incident_id})
    return incident_id, unexpected_message(incident_id)


def describe_error(exc: BaseException) -> tuple[str | None, str]:
    """The one error surface: (None, message + next step) for expected errors, else a bug."""
    if isinstance(exc, ExpectedError):
        # Type only: the message is shown to the person, and the log needs no more.
        log.warning("Expected error: %s", type(exc).__name__)
        return None, exc.user_text()
    return describe_unexpected(exc)


def install_exception_hooks(on_bug: Callable[[str, str], None]) -> Callable[[], None]:
    """Route uncaught exceptions (main thread, other threads, Qt slots) to describe_error.

    Args:
        on_bug: called with (incident_id or "", message) so app.py can show one dialog or print.

    Returns:
        A function restoring the previous hooks (tests).
    """
    previous_hook = sys.excepthook
    previous_thread_hook = threading.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous_hook(exc_type, exc, tb)
            return
        incident_id, message = describe_error(exc)
        on_bug(incident_id or "", message)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        incident_id, message = describe_error(args.exc_value)
        on_bug(incident_id or "", message)

    sys.excepthook = hook
    threading.excepthook = thread_hook

    def restore() -> None:
        sys.excepthook = previous_hook
        threading.excepthook = previous_thread_hook

    return restore


# --- Sentry -----------------------------------------------------------------------------------


def workstation_tag(workstation_id: str) -> str:
    """A stable, non-reversible tag: groups one PC's reports without naming the PC or clinic."""
    digest = hashlib.sha256(f"dermai-workstation|{workstation_id}".encode()).hexdigest()
    return digest[:16]


def init_sentry(
    dsn: str,
    environment: str,
    release: str,
    transport: Transport | None = None,
    *,
    workstation_id: str | None = None,
) -> bool:
    """Start Sentry with PHI scrubbing; do nothing and return False when dsn is empty.

    Args:
        dsn: the sentry.dsn setting; "" (the default) keeps error reporting off.
        environment: the sentry.environment setting.
        release: the app version.
        transport: tests pass an in-memory transport; None sends over HTTPS.
        workstation_id: hashed into a tag; the host name is never sent.
    """
    if not dsn.strip():
        return False
    import sentry_sdk
    from sentry_sdk.integrations.atexit import AtexitIntegration
    from sentry_sdk.integrations.dedupe import DedupeIntegration
    from sentry_sdk.integrations.threading import ThreadingIntegration

    options: dict[str, Any] = {
        "dsn": dsn.strip(),
        "environment": environment,
        "release": release,
        "transport": transport,
        "include_local_variables": False,
        "include_source_context": False,
        "max_breadcrumbs": MAX_BREADCRUMBS,
        "attach_stacktrace": False,
        # The default set includes logging (message bodies as breadcrumbs and events), argv
        # (the command line) and modules; only the ones below carry no clinic data.
        "default_integrations": False,
        "auto_enabling_integrations": False,
        "integrations": [
            AtexitIntegration(callback=_quiet_atexit),
            DedupeIntegration(),
            ThreadingIntegration(propagate_scope=False),
        ],
        "in_app_include": ["dermai_desktop"],
        "auto_session_tracking": False,
        "send_client_reports": False,
        "traces_sample_rate": None,
        "server_name": "",
        "before_send": scrub_event,
        "before_breadcrumb": scrub_breadcrumb,
    }
    options.update(_pii_options())
    from sentry_sdk.consts import ClientConstructor

    accepted = set(inspect.signature(ClientConstructor.__init__).parameters)
    # Switches added in later 2.x releases are off anyway on SDKs that predate them (which
    # reject unknown options); safety-critical options above go unfiltered, so a rename fails.
    options.update({k: v for k, v in _OPTIONAL_OFF_SWITCHES.items() if k in accepted})
    sentry_sdk.init(**options)
    global_scope = sentry_sdk.get_global_scope()
    if workstation_id:
        # On the global scope so reports from worker threads carry it too.
        global_scope.set_tag(WORKSTATION_TAG, workstation_tag(workstation_id))
    else:
        global_scope.remove_tag(WORKSTATION_TAG)
    return True


def _pii_options() -> dict[str, Any]:
    from sentry_sdk.consts import ClientConstructor

    # Newer SDKs replace send_default_pii (and warn on it, which -W error turns into a failure)
    # with data_collection; older 2.x SDKs reject the unknown option. Ask the signature.
    if "data_collection" not in inspect.signature(ClientConstructor.__init__).parameters:
        return {"send_default_pii": False}
    return {
        "data_collection": {
            "user_info": False,
            "stack_frame_variables": False,
            "frame_context_lines": 0,
            "http_bodies": [],
            "database_query_data": False,
            "queues": False,
            "gen_ai": {"inputs": False, "outputs": False},
            "graphql": {"document": False, "variables": False},
        }
    }


def shutdown_sentry(timeout: float = 2.0) -> None:
    """Flush and close the Sentry client if one is active (app exit, tests)."""
    sentry_sdk = sys.modules.get("sentry_sdk")
    if sentry_sdk is None:
        return  # never started
    client = sentry_sdk.get_client()
    if client.is_active():
        client.close(timeout=timeout)
    global_scope = sentry_sdk.get_global_scope()
    global_scope.remove_tag(WORKSTATION_TAG)
    # A closed client still reports itself active; a non-recording one makes later
    # describe_unexpected calls skip Sentry cleanly (and keeps one test from feeding the next).
    global_scope.set_client(None)


def _quiet_atexit(pending: int, timeout: float) -> None:
    # The SDK's default prints to stderr at exit; a clinic's console is not the place.
    return None


def scrub_breadcrumb(crumb: Breadcrumb, hint: BreadcrumbHint) -> Breadcrumb | None:
    """Keep only category, level, timestamp and type: messages and data may hold PHI."""
    kept = {key: crumb[key] for key in ("category", "level", "timestamp", "type") if key in crumb}
    return cast("Breadcrumb", kept)


def scrub_event(event: Event, hint: Hint) -> Event | None:
    """Rebuild the event from an allow-list: exception types, code frames, incident id, versions.

    Allow-listing (not deny-listing) means a field a future SDK adds is dropped by default.
    """
    source = cast("dict[str, Any]", event)
    clean: dict[str, Any] = {key: source[key] for key in _ALLOWED_EVENT_KEYS if key in source}

    safe_values = _safe_exception_values(hint)
    exception = source.get("exception")
    if isinstance(exception, Mapping):
        values = [
            _scrub_exception(value, safe_values)
            for value in exception.get("values") or []
            if isinstance(value, Mapping)
        ]
        clean["exception"] = {"values": values}

    tags = source.get("tags")
    if isinstance(tags, Mapping):
        clean["tags"] = {key: str(tags[key]) for key in _ALLOWED_TAGS if key in tags}

    # Built here rather than copied: the SDK's contexts (trace, device, os build strings and
    # whatever scope.set_context added) are dropped, and these two are all IT needs.
    clean["contexts"] = _ENVIRONMENT_CONTEXTS

    crumbs = source.get("breadcrumbs")
    crumb_values = crumbs.get("values") if isinstance(crumbs, Mapping) else crumbs
    if isinstance(crumb_values, list):
        clean["breadcrumbs"] = {
            "values": [
                {k: c[k] for k in ("category", "level", "timestamp", "type") if k in c}
                for c in crumb_values
                if isinstance(c, Mapping)
            ]
        }

    if "message" in source or "logentry" in source:
        # capture_message text is free text; the app never uses it, so nothing is lost.
        clean["message"] = REDACTED
    return cast("Event", clean)


def _safe_exception_values(hint: Hint) -> set[tuple[str, str, str]]:
    """(module, type name, message) of every ExpectedError in the hint's exception tree."""
    exc_info = hint.get("exc_info") if isinstance(hint, Mapping) else None
    if not (isinstance(exc_info, tuple) and len(exc_info) == 3):
        return set()
    root = exc_info[1]
    if not isinstance(root, BaseException):
        return set()
    safe: set[tuple[str, str, str]] = set()
    pending: list[BaseException] = [root]
    seen: set[int] = set()
    while pending:
        exc = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, ExpectedError):
            safe.add((type(exc).__module__, type(exc).__name__, str(exc)))
        pending.extend(e for e in (exc.__cause__, exc.__context__) if e is not None)
        if isinstance(exc, BaseExceptionGroup):
            pending.extend(exc.exceptions)
    return safe


def _scrub_exception(
    value: Mapping[str, Any], safe_values: set[tuple[str, str, str]]
) -> dict[str, Any]:
    type_name = str(value.get("type", ""))
    module = str(value.get("module") or "")
    message = value.get("value")
    clean: dict[str, Any] = {"type": type_name}
    if module:
        clean["module"] = module
    if message is not None:
        # Only an ExpectedError's own message (matched by module, type and text) survives, and
        # even that passes through redact(); a bug's message may quote anything.
        key = (module, type_name, str(message))
        clean["value"] = redact(str(message)) if key in safe_values else REDACTED
    mechanism = value.get("mechanism")
    if isinstance(mechanism, Mapping):
        clean["mechanism"] = {k: mechanism[k] for k in _ALLOWED_MECHANISM_KEYS if k in mechanism}
    stacktrace = value.get("stacktrace")
    if isinstance(stacktrace, Mapping):
        clean["stacktrace"] = {
            "frames": [
                _scrub_frame(frame)
                for frame in stacktrace.get("frames") or []
                if isinstance(frame, Mapping)
            ]
        }
    return clean


def _scrub_frame(frame: Mapping[str, Any]) -> dict[str, Any]:
    # No vars, no source lines (literals), no abs_path (a home folder can name a person).
    clean = {key: frame[key] for key in _ALLOWED_FRAME_KEYS if key in frame}
    filename = clean.get("filename")
    if isinstance(filename, str) and PurePath(filename).is_absolute():
        clean["filename"] = PurePath(filename).name
    return clean
