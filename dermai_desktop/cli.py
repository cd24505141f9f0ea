"""The ``dermai-desktop`` command: the GUI by default, and tools for IT and managers.

Exit codes (also in the README):
  0  success
  1  unexpected error (a bug; an incident id is printed and the details logged)
  2  usage error (bad arguments)
  3  expected problem (wrong password, keychain unavailable, disk full, ...), explained
  4  a check failed (audit chain broken, database damaged, self-test problem)
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dermai_desktop import __version__
from dermai_desktop.bootstrap import LocalClinicGate, SecurityProfile
from dermai_desktop.config import MachineConfig, resolve
from dermai_desktop.domain.errors import ExpectedError, KeychainUnavailable
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from dermai_desktop.error_reporting import describe_unexpected, init_sentry, shutdown_sentry
from dermai_desktop.logging_setup import configure_bootstrap_logging, configure_logging
from dermai_desktop.paths import AppPaths, ensure_dirs, resolve_paths, use_private_tempdir
from dermai_desktop.services.startup import ClinicSetupRequest, UnlockedClinic
from dermai_desktop.storage.keychain import KeyStore

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_EXPECTED = 3
EXIT_CHECK_FAILED = 4

log = logging.getLogger(__name__)


class CheckFailed(Exception):
    """A check ran and found a problem; its report has already been printed."""


# --- argument parsing ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dermai-desktop",
        description="DermAI Desktop: dermatology clinic workstation.",
        epilog="Exit codes: 0 ok, 1 bug (incident id printed), 2 usage, 3 expected problem, "
        "4 check failed.",
    )
    parser.add_argument("--version", action="version", version=f"DermAI Desktop {__version__}")
    parser.add_argument(
        "--data-dir", help="clinic data directory (default: per-user data dir; env DERMAI_DATA_DIR)"
    )
    parser.add_argument("--debug", action="store_true", help="verbose console log, tracebacks")
    parser.add_argument(
        "--recovery-key",
        action="store_true",
        help="unlock with the clinic recovery key (prompted, or read from stdin) instead of "
        "the keychain",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help="open the application (the default)")

    init = sub.add_parser("init", help="create a clinic and its first manager")
    init.add_argument("--clinic-name")
    init.add_argument("--workstation-name")
    init.add_argument("--manager-username")
    init.add_argument("--manager-full-name")
    init.add_argument(
        "--password-stdin", action="store_true", help="read the manager's password from stdin"
    )
    init.add_argument("--json", action="store_true", help="print the result as JSON")

    demo = sub.add_parser("demo", help="create or reuse the demo clinic and open it")
    demo.add_argument("--no-gui", action="store_true", help="only build the demo clinic")
    demo.add_argument(
        "--patients", type=int, default=2000, help="number of invented patients (default 2000)"
    )

    user = sub.add_parser("user", help="manage user accounts (as a manager)")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_sub.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--full-name", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    ulist = user_sub.add_parser("list", help="list users")
    ulist.add_argument("--json", action="store_true")
    disable = user_sub.add_parser("disable", help="disable a user")
    disable.add_argument("username")
    enable = user_sub.add_parser("enable", help="re-enable a user")
    enable.add_argument("username")
    reset = user_sub.add_parser("reset-password", help="set a new password (must be changed)")
    reset.add_argument("username")
    for p in (add, ulist, disable, enable, reset):
        _add_sign_in_options(p)

    audit = sub.add_parser("audit", help="check or export the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser("verify", help="check the tamper-evident chain")
    verify.add_argument("--json", action="store_true")
    export = audit_sub.add_parser("export", help="write events of a date range as CSV")
    export.add_argument("--from", dest="date_from", type=date.fromisoformat, required=True)
    export.add_argument("--to", dest="date_to", type=date.fromisoformat, required=True)
    export.add_argument("--out", type=Path, required=True, help="CSV file to write")
    for p in (verify, export):
        _add_sign_in_options(p)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    check = db_sub.add_parser("check", help="integrity and cipher checks; reads every row")
    check.add_argument("--json", action="store_true")
    rekey = db_sub.add_parser("rekey", help="change the database key (needs the recovery key)")
    rekey.add_argument("--json", action="store_true")

    config = sub.add_parser("config", help="settings")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = config_sub.add_parser("show", help="effective settings and where each comes from")
    show.add_argument("--json", action="store_true")

    selftest = sub.add_parser("self-test", help="check this machine can run DermAI Desktop")
    selftest.add_argument("--json", action="store_true")

    analyze = sub.add_parser(
        "analyze", help="analyse dermoscopy images with the on-device models (no clinic needed)"
    )
    analyze.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    analyze.add_argument("--json", action="store_true", help="one JSON object per image and line")
    analyze.add_argument(
        "--mm-per-pixel", type=float, default=None, help="image scale, for the diameter in mm"
    )
    return parser


def _add_sign_in_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", required=True, help="your user name")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read your password (then, for add/reset, the new password) from stdin",
    )


# --- entry point --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help/--version
        return int(exc.code or 0)
    command = args.command or "run"
    demo = command == "demo"
    configure_bootstrap_logging(debug=args.debug)
    try:
        paths = resolve_paths(args.data_dir, demo=demo)
        ensure_dirs(paths)
        tempdir = use_private_tempdir(paths)
        machine = MachineConfig.load()
        configure_logging(
            paths.log_dir,
            level=str(_effective_machine_value(machine, "logging.level")),
            console=args.debug,
            debug=args.debug,
        )
        init_sentry(
            str(_effective_machine_value(machine, "sentry.dsn")),
            str(_effective_machine_value(machine, "sentry.environment")),
            release=__version__,
        )
        try:
            return _dispatch(command, args, paths, machine)
        finally:
            shutdown_sentry()
            tempdir.close()
    except ExpectedError as exc:
        print(f"{exc.title}: {exc.user_text()}", file=sys.stderr)
        return EXIT_EXPECTED
    except CheckFailed:
        return EXIT_CHECK_FAILED
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        _incident, message = describe_unexpected(exc)
        print(message, file=sys.stderr)
        return EXIT_BUG


def _dispatch(
    command: str, args: argparse.Namespace, paths: AppPaths, machine: MachineConfig
) -> int:
    handlers: dict[str, Callable[[argparse.Namespace, AppPaths, MachineConfig], int]] = {
        "run": _cmd_run,
        "init": _cmd_init,
        "demo": _cmd_demo,
        "user": _cmd_user,
        "audit": _cmd_audit,
        "db": _cmd_db,
        "config": _cmd_config,
        "self-test": _cmd_self_test,
        "analyze": _cmd_analyze,
    }
    return handlers[command](args, paths, machine)


def _effective_machine_value(machine: MachineConfig, name: str) -> object:
    for setting in resolve(machine, {}):
        if setting.name == name:
            return setting.value
    raise KeyError(name)


def _keystore_factory(machine: MachineConfig) -> Callable[[], KeyStore]:
    timeout = float(str(_effective_machine_value(machine, "keychain.timeout_seconds")))
    return lambda: KeyStore(timeout_seconds=timeout)


def _gate(paths: AppPaths, machine: MachineConfig) -> LocalClinicGate:
    return LocalClinicGate(
        paths,
        machine,
        keystore_factory=_keystore_factory(machine),
        security=SecurityProfile.production(),
    )


# --- commands -----------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    from dermai_desktop.app import run_gui

    return run_gui(_gate(paths, machine))


def _cmd_demo(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    from dermai_desktop.demo import DEMO_ACCOUNTS, demo_gate, open_or_create_demo

    gate = demo_gate(paths, machine)
    print(f"Demo clinic in {paths.data_dir} (invented patients only).")
    print(
        "Building it on first use: about two minutes for the default 2,000 patients."
        if gate.state().value == "no_clinic"
        else "Opening the existing demo clinic."
    )
    open_or_create_demo(gate, patients=max(0, args.patients))
    gate.close()
    print("Demo accounts (user name / password / role):")
    for account in DEMO_ACCOUNTS:
        print(f"  {account.username:<10} {account.password:<28} {account.role.label}")
    if args.no_gui:
        return EXIT_OK
    from dermai_desktop.app import run_gui

    return run_gui(gate)


def _cmd_init(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    def ask(value: str | None, prompt: str) -> str:
        if value:
            return value
        if not sys.stdin.isatty():
            raise _usage(f"{prompt} is required (give it as a flag when not interactive)")
        return input(f"{prompt}: ").strip()

    clinic_name = ask(args.clinic_name, "Clinic name")
    workstation = ask(args.workstation_name, "Workstation name")
    username = ask(args.manager_username, "Manager user name")
    full_name = ask(args.manager_full_name, "Manager full name")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Manager password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise _usage("the passwords do not match")
    gate = _gate(paths, machine)
    recovery_key, _ = gate.create_clinic(
        ClinicSetupRequest(clinic_name, workstation, username, full_name, password)
    )
    gate.close()
    if args.json:
        print(json.dumps({"data_dir": str(paths.data_dir), "recovery_key": recovery_key}))
    else:
        print(f"Clinic created in {paths.data_dir}.")
        print("\nCLINIC RECOVERY KEY - print it or write it down and keep it in a safe place.")
        print("It is shown only once. Without it, a lost keychain means lost access.\n")
        print(f"    {recovery_key}\n")
    return EXIT_OK


def _open(
    args: argparse.Namespace, paths: AppPaths, machine: MachineConfig
) -> tuple[LocalClinicGate, UnlockedClinic]:
    gate = _gate(paths, machine)
    if args.recovery_key:
        return gate, gate.unlock_with_recovery_key(_read_secret("Clinic recovery key: "))
    try:
        return gate, gate.unlock()
    except KeychainUnavailable as exc:
        raise KeychainUnavailable(
            exc.message,
            "Run the command again with --recovery-key to unlock with the recovery key.",
        ) from None


def _read_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


def _sign_in(args: argparse.Namespace, clinic: UnlockedClinic) -> Actor:
    password = (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    )
    return clinic.services.auth.login(args.as_user, password)


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat new password: ") != first:
        raise _usage("the passwords do not match")
    return first


def _cmd_user(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    gate, clinic = _open(args, paths, machine)
    try:
        actor = _sign_in(args, clinic)
        users = clinic.services.users
        if args.user_command == "list":
            rows = users.list_users(actor)
            if args.json:
                print(json.dumps([_user_json(u) for u in rows], indent=2))
            else:
                for u in rows:
                    status = "active" if u.active else "disabled"
                    print(f"{u.username:<16} {u.role.label:<18} {status:<9} {u.full_name}")
        elif args.user_command == "add":
            users.add_user(
                actor, args.username, args.full_name, Role(args.role), _new_password(args)
            )
            print(f"User {args.username} added.")
        elif args.user_command in ("disable", "enable", "reset-password"):
            target = _find_user(users.list_users(actor), args.username)
            if args.user_command == "disable":
                users.disable_user(actor, target.id)
            elif args.user_command == "enable":
                users.enable_user(actor, target.id)
            else:
                users.reset_password(actor, target.id, _new_password(args))
            print(f"User {args.username}: {args.user_command} done.")
        clinic.services.auth.logout(actor)
        return EXIT_OK
    finally:
        gate.close()


def _find_user(users: Sequence[Any], username: str) -> Any:
    for user in users:
        if user.username == username.strip().lower():
            return user
    raise _usage(f"there is no user named {username!r}")


def _user_json(user: Any) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.value,
        "active": user.active,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def _cmd_audit(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    gate, clinic = _open(args, paths, machine)
    try:
        actor = _sign_in(args, clinic)
        audit = clinic.services.audit
        if args.audit_command == "verify":
            verdict = audit.verify(actor)
            if args.json:
                print(
                    json.dumps(
                        {
                            "ok": verdict.ok,
                            "rows_checked": verdict.rows_checked,
                            "first_broken_seq": verdict.first_broken_seq,
                            "reason": verdict.reason,
                        }
                    )
                )
            elif verdict.ok:
                print(f"Audit trail intact: {verdict.rows_checked} events checked.")
            else:
                print(f"AUDIT TRAIL BROKEN at event #{verdict.first_broken_seq}: {verdict.reason}.")
            if not verdict.ok:
                raise CheckFailed()
        else:
            start = datetime.combine(args.date_from, time.min, tzinfo=UTC)
            end = datetime.combine(args.date_to, time.min, tzinfo=UTC) + timedelta(days=1)
            with args.out.open("w", newline="", encoding="utf-8") as out:
                count = audit.export_csv(actor, start, end, out)
            print(f"{count} events written to {args.out}.")
        clinic.services.auth.logout(actor)
        return EXIT_OK
    finally:
        gate.close()


def _cmd_db(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    from dermai_desktop.db_tools import check_database, rekey_database

    if args.db_command == "check":
        gate, clinic = _open(args, paths, machine)
        return check_database(gate, clinic, as_json=args.json, fail=CheckFailed)
    recovery_key = _read_secret("Clinic recovery key (needed to rewrap the new key): ")
    return rekey_database(_gate(paths, machine), recovery_key, as_json=args.json)


def _cmd_config(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    clinic_values: dict[str, object] = {}
    clinic_note = "clinic settings not read (no clinic here)"
    gate = _gate(paths, machine)
    if gate.state().value != "no_clinic":
        try:
            gate2, clinic = _open(args, paths, machine)
        except ExpectedError as exc:
            clinic_note = f"clinic settings not read: {exc.message}"
        else:
            clinic_values = {
                s.name: s.value
                for s in clinic.services.settings.effective(None)
                if s.source == "clinic"
            }
            clinic_note = "clinic settings read from the database"
            gate2.close()
    settings = resolve(machine, clinic_values)
    if args.json:
        print(
            json.dumps(
                [
                    {"name": s.name, "value": s.value, "source": s.source, "locked": s.locked}
                    for s in settings
                ],
                indent=2,
            )
        )
    else:
        print(f"Machine file: {machine.path or 'none'}; {clinic_note}.")
        for s in settings:
            lock = " (locked by IT)" if s.locked else ""
            print(f"{s.name:<28} = {s.value!r:<24} [{s.source}]{lock}")
    return EXIT_OK


def _cmd_self_test(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    from dermai_desktop.self_test import run_self_test

    return run_self_test(
        paths,
        _gate(paths, machine),
        _keystore_factory(machine),
        as_json=args.json,
        fail=CheckFailed,
    )


def _cmd_analyze(args: argparse.Namespace, paths: AppPaths, machine: MachineConfig) -> int:
    from dermai_desktop.analysis.cli import run_analyze

    if args.mm_per_pixel is not None and not 0 < args.mm_per_pixel < 10:
        print("--mm-per-pixel must be a positive scale such as 0.02.", file=sys.stderr)
        return EXIT_USAGE
    return run_analyze(
        args.images,
        as_json=args.json,
        mm_per_pixel=args.mm_per_pixel,
        out=sys.stdout,
        err=sys.stderr,
    )


def _usage(message: str) -> ExpectedError:
    return ExpectedError(f"Cannot continue: {message}.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
