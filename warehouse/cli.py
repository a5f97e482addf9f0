"""`flask` commands: create-org, create-user, create-token, demo, verify-ledger and the
cron jobs.

Commands about one organisation's people take `--org CODE` (default: the only one there
is). Maintenance commands (verify-ledger, prune, sweeps, deliveries, mail) run over every
organisation in turn, each inside its own organisation (warehouse/core/tenancy.py)."""

import sys
import time
from dataclasses import astuple

import click
from flask import Flask, current_app
from sqlalchemy import select

from warehouse import accounts, ledger
from warehouse.accounts import organisations
from warehouse.accounts.models import Role, User
from warehouse.alerts import alert_mail
from warehouse.availability import backorders, reservations
from warehouse.core import tenancy
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.demo import load_demo, load_harbor
from warehouse.demo.demo_history import load_history
from warehouse.integrations import webhooks
from warehouse.integrations.retention import Pruned
from warehouse.integrations.retention import prune as prune_older
from warehouse.setup import imports
from warehouse.setup.models import ImportKind, ImportStatus
from warehouse.web.context import settings


def init_app(app: Flask) -> None:
    app.cli.add_command(create_org)
    app.cli.add_command(verify_ledger)
    app.cli.add_command(demo)
    app.cli.add_command(create_user)
    app.cli.add_command(create_token)
    app.cli.add_command(deliver_webhooks)
    app.cli.add_command(mail_alerts)
    app.cli.add_command(sweep_reservations)
    app.cli.add_command(revoke_token)
    app.cli.add_command(prune)
    app.cli.add_command(import_file)


def _organisation(code: str | None):
    """The organisation --org names, or the only one; a clear refusal otherwise."""
    try:
        return organisations.named_or_only(code)
    except DomainError as e:
        raise click.ClickException(e.message) from e


ORG_OPTION = click.option("--org", "org_code", help="The organisation's code (default: the only one).")


@click.command("create-org")
@click.argument("code")
@click.option("--name", required=True, help="The organisation's name, e.g. 'Harbor Foods'.")
def create_org(code, name):
    """Create an organisation (its code is what --org takes)."""
    try:
        org = organisations.create(code, name)
    except DomainError as e:
        raise click.ClickException(e.message) from e
    click.echo(f"Created organisation {org.code} ({org.name}). Next: flask create-user NAME --org {org.code}")


@click.command("verify-ledger")
def verify_ledger():
    """Recompute every balance from the movements, in every organisation; exit 1 and list
    keys on any drift."""
    drifted = 0
    with organisations.each() as each:
        for org in each:
            drifts = ledger.verify()
            drifted += len(drifts)
            labels = ledger.describe_keys(d.key for d in drifts)
            for d in drifts:
                click.echo(
                    f"  {org.code}: {labels[d.key]} key={d.key}: movements say on_hand/reserved/held="
                    f"{d.from_movements}, balance has {d.in_balances} ({d.problem})",
                    err=True,
                )
    if not drifted:
        click.echo("Ledger OK: every balance equals the sum of its movements (0 drifted keys).")
        return
    click.echo(f"Ledger DRIFT: {drifted} key(s) disagree with their movements.", err=True)
    sys.exit(1)


@click.command("demo")
@click.option(
    "--history", is_flag=True, help="Also a year of generated history up to today (on an empty database)."
)
def demo(history):
    """Load the demo warehouse as organisation `demo`, and a second, smaller one, `harbor`
    (Harbor Foods), with some of the same SKU and bin codes (safe to run again: it changes
    nothing the second time)."""
    demo_org = organisations.ensure("demo", "Demo warehouse")
    with tenancy.acting_for(demo_org.id):
        if history:  # first: it loads the demo's opening stock at the start of the year
            click.echo(load_history().summary())
        report = load_demo()
        click.echo(f"demo: {report.summary()}")
    harbor_org = organisations.ensure("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor_org.id):
        harbor = load_harbor()
        click.echo(f"harbor: {harbor.summary()}")
    click.echo("Demo sign-ins (demo data only; change these before real use):")
    for org, credentials in (("demo", report.credentials), ("harbor", harbor.credentials)):
        for username, password, badge, pin in credentials:
            click.echo(f"  {org:<7} {username:<18} password {password:<23} badge {badge}  PIN {pin}")


@click.command("create-user")
@click.argument("username")
@ORG_OPTION
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for (hidden) when left out.",
)
def create_user(username, org_code, role, password):
    """Create a user with a role, in an organisation. On an empty install the first user
    makes the organisation too (--org CODE, default `main`)."""
    if not organisations.every():
        code = org_code or "main"
        try:
            org = organisations.create(code, "Main organisation" if code == "main" else code.title())
        except DomainError as e:
            raise click.ClickException(e.message) from e
        click.echo(f"Created organisation {org.code} ({org.name}).")
    org = _organisation(org_code)
    try:
        with tenancy.acting_for(org.id):
            user = accounts.create_user(username, password, role)
            click.echo(f"Created {user.role.value} {user.username} in {org.code}.")
    except DomainError as e:
        raise click.ClickException(e.message) from e


@click.command("create-token")
@click.argument("username")
@ORG_OPTION
@click.option("--name", help="What the token is for, e.g. storefront.")
@click.option(
    "--scopes",
    help="Narrow it to these permissions (space or comma separated), "
    "e.g. 'inventory.read inventory.write'. Default: all of the role's.",
)
def create_token(username, org_code, name, scopes):
    """Make an API token for USERNAME; it works in USERNAME's organisation only. Only its
    hash is stored: copy it now."""
    org = _organisation(org_code)
    with tenancy.acting_for(org.id):
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(
                f"No user {username!r} in {org.code}. Create it with flask create-user."
            )
        try:
            token = accounts.create_token(user, name=name, scopes=scopes)
        except DomainError as e:
            raise click.ClickException(e.message) from e
        click.echo(f"API token for {user.username} of {org.code} (shown once, store it safely):")
    click.echo(token)


@click.command("revoke-token")
@click.argument("token_or_prefix")
def revoke_token(token_or_prefix):
    """Revoke an API token, given whole or by its first 10 characters."""
    try:
        count = accounts.revoke_token(token_or_prefix)
    except DomainError as e:
        raise click.ClickException(e.message) from e
    if not count:
        raise click.ClickException("No live token matches that.")
    click.echo(f"Revoked {count} token(s).")


@click.command("prune")
@click.option(
    "--days",
    type=click.IntRange(1, 36500),
    default=30,
    show_default=True,
    help="Keep this many days of command keys (and stored API answers), delivered webhook events, failed sign-ins "
    "and idle floor scan dialogues.",
)
def prune(days):
    """Delete old bookkeeping rows (never the ledger); safe to run daily from cron."""
    totals = (0, 0, 0, 0, 0, 0)
    with organisations.each() as each:
        for _org in each:
            totals = tuple(a + b for a, b in zip(totals, astuple(prune_older(days))))
    done = Pruned(*totals)
    click.echo(
        f"Pruned {done.commands} command key(s) with their stored API answers, "
        f"{done.events} delivered event(s) with {done.deliveries} delivery(ies) and "
        f"{done.attempts} attempt(s), {done.sign_in_attempts} failed sign-in(s) and {done.dialogues} idle "
        f"floor scan dialogue(s) older than {days} days."
    )


@click.command("sweep-reservations")
def sweep_reservations():
    """Release reservations whose time to live has passed, and serve backorders waiting
    where units are free (safe from cron every minute)."""
    expired = served = 0
    with organisations.each() as each:
        for _org in each:
            expired += reservations.sweep()
            served += backorders.serve_waiting()
    click.echo(f"Expired {expired} reservation(s); served {served} backorder(s).")


@click.command("deliver-webhooks")
@click.option("--loop", is_flag=True, help="Keep running: a pass every --interval seconds.")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True)
def deliver_webhooks(loop, interval):
    """Send outbox events to webhook subscribers (one pass; --loop to keep going)."""
    try:
        while True:
            made = delivered = failed = 0
            with organisations.each() as each:
                for _org in each:
                    passed = webhooks.run_pass(allow_private=settings().webhook_allow_private_addresses)
                    made, delivered, failed = made + passed[0], delivered + passed[1], failed + passed[2]
                    db.session.remove()
            if made or delivered or failed or not loop:
                click.echo(f"Webhooks: {made} new deliveries, {delivered} delivered, {failed} failed tries.")
            if not loop:
                return
            time.sleep(interval)
    except KeyboardInterrupt:  # Ctrl-C or a stop signal between passes: a clean exit
        click.echo("Webhooks: stopped.")


@click.command("mail-alerts")
def mail_alerts():
    """E-mail newly raised alerts to their setting's recipients (one pass, for cron)."""
    try:
        server = alert_mail.MailServer.from_config(current_app.config)
    except alert_mail.MailConfigError as problem:
        click.echo(f"Alert e-mail not sent: {problem}", err=True)
        sys.exit(2)
    if server is None:
        click.echo("MAIL_SERVER is not set: no alert e-mail sent (alerts are on the alerts page).")
        return
    sent = failed = 0
    with organisations.each() as each:
        for _org in each:
            done = alert_mail.send_due(server, base_url=current_app.config.get("APP_BASE_URL") or None)
            sent, failed = sent + done.sent, failed + done.failed
    click.echo(f"Alert e-mail: {sent} sent, {failed} failed tries (retried later).")


PAUSE_BETWEEN_STEPS = 0.05  # seconds; 50 chunks of a 50,000-row file wait 2.5 s in all


@click.command("import")
@click.argument("kind", type=click.Choice([k.value for k in ImportKind]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@ORG_OPTION
@click.option("--dry-run", is_flag=True, help="Check every row and report; import nothing.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows and list the bad ones.")
def import_file(kind, file, org_code, dry_run, skip_bad_rows):
    """Import products, bins, policies or (opening) stock from a CSV or XLSX file. Exit
    code 1, with each bad row and what is wrong, when the file is refused."""
    org = _organisation(org_code)
    with open(file, "rb") as handle:
        data = handle.read()
    name = file.rsplit("/", 1)[-1]
    try:
        with tenancy.acting_for(org.id):
            if dry_run:
                checked = imports.check(kind, name, data)
                if checked.unused:
                    click.echo(f"Columns not used: {', '.join(checked.unused)}.", err=True)
                _report_rows(checked.bad)
                click.echo(
                    f"{len(checked.good):,} row(s) good, {len(checked.bad):,} bad. Nothing imported (dry run)."
                )
                sys.exit(1 if checked.bad else 0)
            run = imports.start(kind, name, data, skip_bad_rows=skip_bad_rows, actor_id=None)
            if run.status in (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.CANCELLED):
                click.echo(
                    f"This file was imported before (import {run.id}, {run.status.value}): nothing changed."
                )
                sys.exit(0 if run.status is ImportStatus.DONE else 1)
            if run.status is ImportStatus.CHECKED:  # else an interrupted run, carried on
                if run.bad_rows and not skip_bad_rows:
                    _report_rows(imports.bad_rows(run))
                run = imports.begin(run.id, actor_id=None)
            while run.status is ImportStatus.RUNNING:
                run = imports.step(run.id, actor_id=None)
                # A breath between chunks: the floor's scans, waiting on SQLite's one
                # writer, get their turn instead of the next chunk taking it again.
                time.sleep(PAUSE_BETWEEN_STEPS)
                click.echo(f"  {run.done_rows:,} of {run.good_rows:,} rows", err=True)
    except DomainError as e:
        raise click.ClickException(e.message) from e
    if run.status is ImportStatus.REFUSED:
        raise click.ClickException(run.message or "The import was refused.")
    if run.bad_rows:
        _report_rows(imports.bad_rows(run))
    click.echo(f"Imported {run.imported_rows:,} {kind} row(s); skipped {run.bad_rows:,}.")


def _report_rows(bad) -> None:
    for number, _cells, problem in bad[:1000]:
        click.echo(f"row {number}: {problem}", err=True)
    if len(bad) > 1000:
        click.echo(f"... and {len(bad) - 1000:,} more", err=True)
