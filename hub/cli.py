"""The `hub` command: set up, serve, and administer users and departments from a shell.

Whoever runs the command on the server's shell acts as an administrator named
``cli:<login>``; every change is audited like one made from the admin pages. Errors are
printed as one clear message and the exit code is 2; nothing is half-done.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from hub import bootstrap
from hub.backup import read_ops_token, restore
from hub.config import Settings, load_settings
from hub.demo import DEMO_PASSWORD, ensure_demo_accounts, import_departments_if_empty
from hub.demo_history import seed_demo_history
from hub.errors import ConfigurationError, HubError, InvalidInput, StoreLockedError
from hub.i18n import format_duration
from hub.permissions import Actor, Role
from hub.rollup import state_report, state_report_html


def _cli_actor() -> Actor:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = str(os.getuid())
    return Actor(username=f"cli:{login}", role=Role.ADMIN, display_name=f"shell user {login}")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    return load_settings(**overrides)


def _open(args: argparse.Namespace, *, create: bool = False) -> bootstrap.Hub:
    return bootstrap.build_hub(_settings(args), create=create)


def _password(args: argparse.Namespace, prompt: str) -> str:
    if args.password:
        return args.password
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise InvalidInput("no password given: pass --password or type it on standard input")
        return line
    first = getpass.getpass(f"{prompt}: ")
    if getpass.getpass("Again: ") != first:
        raise InvalidInput("the two passwords differ; nothing was changed")
    return first


def cmd_init(args: argparse.Namespace) -> int:
    """Create the data folder and database, import departments, and demo accounts."""
    settings = _settings(args)
    hub = bootstrap.build_hub(settings, create=True)
    try:
        print(f"database ready: {settings.db_path} (schema version {hub.store.schema_version()})")
        departments_file = Path(args.departments) if args.departments else settings.departments_file
        print(import_departments_if_empty(hub, departments_file))
        if args.demo:
            created = ensure_demo_accounts(hub)
            if created:
                print(f"demo accounts created: {', '.join(created)} (password {DEMO_PASSWORD})")
            else:
                print("demo accounts already present")
            print(seed_demo_history(hub, bootstrap.demo_corpus()).summary)
    finally:
        hub.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Hand over to the web process (UI, scheduler and HTTP routes in one)."""
    if args.port:
        os.environ["HUB_SERVER_PORT"] = str(args.port)
    if getattr(args, "data_dir", None):
        os.environ["HUB_DATA_DIR"] = str(args.data_dir)
    # A module, not a file path: it runs the same from a checkout and from `pip install .`.
    os.execv(sys.executable, [sys.executable, "-m", "ui.server"])
    return 0  # not reached


def cmd_user_add(args: argparse.Namespace) -> int:
    """Add a user."""
    hub = _open(args)
    try:
        password = _password(args, f"Password for {args.username}")
        user = hub.accounts.create_user(
            _cli_actor(),
            username=args.username,
            display_name=args.name or args.username,
            role=args.role,
            department_code=args.department,
            email=args.email,
            password=password,
        )
        print(f"user {user.username} added as {user.role.label}")
    finally:
        hub.close()
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    """List users."""
    hub = _open(args)
    try:
        users = hub.accounts.list_users(_cli_actor())
    finally:
        hub.close()
    print(f"{'username':<20} {'role':<13} {'department':<11} {'active':<7} name")
    for u in users:
        print(
            f"{u.username:<20} {u.role.value:<13} {u.department_code or '-':<11} "
            f"{'yes' if u.active else 'no':<7} {u.display_name}"
        )
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    """Disable (or with --enable, enable) a user."""
    hub = _open(args)
    try:
        user = hub.accounts.set_active(_cli_actor(), args.username, args.enable)
        print(f"user {user.username} {'enabled' if user.active else 'disabled'}")
    finally:
        hub.close()
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    """Set a new password and unlock the account."""
    hub = _open(args)
    try:
        password = _password(args, f"New password for {args.username}")
        hub.accounts.reset_password(_cli_actor(), args.username, password)
        print(f"password of {args.username} reset; the account is unlocked")
    finally:
        hub.close()
    return 0


def cmd_departments_import(args: argparse.Namespace) -> int:
    """Import a departments file (all or nothing)."""
    path = Path(args.file)
    if not path.is_file():
        raise InvalidInput(f"no file at {path}")
    hub = _open(args)
    try:
        result = hub.departments.import_csv(_cli_actor(), path.read_bytes(), source=str(path))
        print(f"imported {path}: {result.summary}")
    finally:
        hub.close()
    return 0


def cmd_departments_export(args: argparse.Namespace) -> int:
    """Write the departments as CSV to a file or standard output."""
    hub = _open(args)
    try:
        text = hub.departments.export_csv(_cli_actor())
    finally:
        hub.close()
    if args.file and args.file != "-":
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"departments written to {args.file}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_platforms_check(args: argparse.Namespace) -> int:
    """Check each configured account's credentials and print what it can do."""
    results = bootstrap.check_platform_accounts(_settings(args))
    for result in results:
        print(result.summary)
    return 0 if all(result.ok for result in results) else 1


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the hub now: itself when no hub serves, else by asking the serving process."""
    settings = _settings(args)
    try:
        hub = bootstrap.build_hub(settings, create=False)
    except StoreLockedError:
        print(ask_serving_hub_for_backup(settings))
        return 0
    try:
        print(hub.backups.make().summary)
    finally:
        hub.close()
    return 0


def ask_serving_hub_for_backup(settings: Settings) -> str:
    """The serving process makes the backup (it holds the database); its summary line."""
    token = read_ops_token(settings.data_dir)
    if token is None:
        raise ConfigurationError(
            "the database is held by another process, but no serving hub left its token in"
            f" {settings.data_dir}: stop that process, or run `hub backup` as the hub's user."
        )
    host = (
        "127.0.0.1" if settings.server_address in ("0.0.0.0", "", "::") else settings.server_address
    )
    request = urllib.request.Request(
        f"http://{host}:{settings.server_port}/ops/backup",
        method="POST",
        headers={"X-Hub-Ops-Token": token},
    )
    try:
        with urllib.request.urlopen(request, timeout=3600) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        answer = json.loads(exc.read() or b"{}")
        raise HubError(
            f"the serving hub refused the backup: {answer.get('reason', exc.code)}"
        ) from None
    except OSError as exc:
        raise HubError(
            f"could not reach the serving hub on port {settings.server_port}: {exc}"
        ) from None
    return str(answer["summary"])


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase one citizen's personal data on a request (stop the hub first: it holds the file)."""
    hub = _open(args)
    try:
        print(hub.privacy.erase(_cli_actor(), args.platform, args.author_id).summary)
    finally:
        hub.close()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write this hub's Parquet export for a state roll-up (the commissioner's figures)."""
    hub = _open(args)
    # The export carries the commissioner's figures: the shell user reads them in that role.
    reader = dataclasses.replace(_cli_actor(), role=Role.COMMISSIONER)
    try:
        print(hub.exports.export_parquet(reader, Path(args.parquet)).summary)
    finally:
        hub.close()
    return 0


def cmd_state_report(args: argparse.Namespace) -> int:
    """The league across every municipality's export under a folder (and an HTML page)."""
    rows = state_report(Path(args.folder))
    print(f"{'municipality':<14}{'tickets':>10}{'FR median':>14}{'within':>9}{'open':>8}")
    for r in rows:
        share = (
            "—"
            if r.first_response_within_target is None
            else (f"{r.first_response_within_target * 100:.0f} %")
        )
        median = format_duration(r.first_response_median, "en")
        print(f"{r.municipality:<14}{r.tickets:>10,}{median:>14}{share:>9}{r.open:>8,}")
    if args.html:
        Path(args.html).write_text(state_report_html(rows), encoding="utf-8")
        print(f"written to {args.html}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into an empty data folder (never over the hub's data)."""
    counts = restore(Path(args.backup), Path(args.into))
    print(
        f"restored {args.backup} into {args.into}: {counts.get('tickets', 0):,} tickets,"
        f" {counts.get('interactions', 0):,} interactions, {counts.get('posts', 0):,} posts."
        f" Point HUB_DATA_DIR at {args.into} to serve it."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `hub` command."""
    # --data-dir is accepted before or after the command words.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help="data folder (default: HUB_DATA_DIR or ./data)",
    )
    parser = argparse.ArgumentParser(
        prog="hub", description="Municipal Social Hub", parents=[common]
    )
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser(
        "init", parents=[common], help="create the database and import departments"
    )
    init.add_argument("--demo", action="store_true", help="also create the demo accounts")
    init.add_argument("--departments", help="departments file (default: ./departments.csv)")
    init.set_defaults(func=cmd_init)

    serve = commands.add_parser(
        "serve", parents=[common], help="run the hub (UI, scheduler, HTTP routes)"
    )
    serve.add_argument("--port", type=int, help="port (default: HUB_SERVER_PORT or 8501)")
    serve.set_defaults(func=cmd_serve)

    user = commands.add_parser("user", parents=[common], help="manage users").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser("add", parents=[common], help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--department", help="department code (officers)")
    add.add_argument("--name", help="full name")
    add.add_argument("--email")
    add.add_argument("--password", help="else asked for, or read from standard input")
    add.set_defaults(func=cmd_user_add)
    user.add_parser("list", parents=[common], help="list users").set_defaults(func=cmd_user_list)
    disable = user.add_parser("disable", parents=[common], help="disable a user")
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true", help="enable instead")
    disable.set_defaults(func=cmd_user_disable)
    reset = user.add_parser(
        "reset-password", parents=[common], help="set a new password and unlock"
    )
    reset.add_argument("username")
    reset.add_argument("--password", help="else asked for, or read from standard input")
    reset.set_defaults(func=cmd_user_reset_password)

    departments = commands.add_parser(
        "departments", parents=[common], help="import or export departments"
    )
    dep = departments.add_subparsers(dest="departments_command", required=True)
    imp = dep.add_parser("import", parents=[common], help="import a CSV file (all or nothing)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_departments_import)
    exp = dep.add_parser(
        "export", parents=[common], help="export to a CSV file (or - for standard output)"
    )
    exp.add_argument("file", nargs="?", default="-")
    exp.set_defaults(func=cmd_departments_export)
    platforms = commands.add_parser("platforms", parents=[common], help="platform accounts")
    plat = platforms.add_subparsers(dest="platforms_command", required=True)
    plat.add_parser(
        "check", parents=[common], help="check credentials and capabilities of each account"
    ).set_defaults(func=cmd_platforms_check)

    backup = commands.add_parser(
        "backup", parents=[common], help="back up the database and photos (also while serving)"
    )
    backup.set_defaults(func=cmd_backup)
    restore_command = commands.add_parser(
        "restore", parents=[common], help="restore a backup into an empty data folder"
    )
    restore_command.add_argument("backup", help="the backup folder (backup-...)")
    restore_command.add_argument("--into", required=True, help="an empty folder to restore into")
    restore_command.set_defaults(func=cmd_restore)
    erase = commands.add_parser(
        "erase", parents=[common], help="erase a citizen's personal data (on their request)"
    )
    erase.add_argument("--platform", required=True, help="facebook or x")
    erase.add_argument("--author-id", required=True, help="the platform's id of the citizen")
    erase.set_defaults(func=cmd_erase)
    export = commands.add_parser(
        "export", parents=[common], help="write the hub's Parquet export for a state roll-up"
    )
    export.add_argument("--parquet", required=True, help="a new folder to write into")
    export.set_defaults(func=cmd_export)
    report = commands.add_parser(
        "state-report", parents=[common], help="the league across municipalities' exports"
    )
    report.add_argument("folder", help="a folder holding the municipalities' export folders")
    report.add_argument("--html", help="also write the league as an HTML page here")
    report.set_defaults(func=cmd_state_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; a `HubError` becomes a one-line message and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except HubError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
