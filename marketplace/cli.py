"""flask commands: seed-demo, process-outbox, verify-audit and mail (requeue, status)."""
import click


def register(app):
    @app.cli.command("process-outbox")
    def process_outbox_command():
        """Process every pending outbox event now, in this process."""
        from .services.messaging.outbox import process_pending

        click.echo(f"processed {process_pending()} events")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has organisations.")
    def seed_demo_command(if_empty):
        """Load demo agencies, companies, challenges in every status, pitches and pilots."""
        from .demo import DEMO_PASSWORD, seed

        logins = seed(if_empty=if_empty)
        if logins is None:
            click.echo("The database already has data; demo data not loaded.")
            return
        click.echo("Demo data loaded. Sign in with any of these, password: " + DEMO_PASSWORD)
        for email, role, organisation in logins:
            click.echo(f"  {email:45} {role:22} {organisation}")

    @app.cli.command("verify-audit")
    def verify_audit_command():
        """Check the audit trail's hash chain; exits 1 at the first row that was changed or removed."""
        from .services.audit import verify_chain

        checked, broken = verify_chain()
        if broken is None:
            click.echo(f"The audit trail is intact: {checked} rows checked.")
            return
        click.echo(f"The audit trail is broken at row {broken} (after {checked} intact rows).", err=True)
        raise SystemExit(1)

    @app.cli.group("mail")
    def mail_group():
        """The email queue: what waits, and sending failed emails again."""

    @mail_group.command("requeue")
    @click.option("--failed", "every_failed", is_flag=True, help="Every failed email.")
    @click.argument("ids", nargs=-1, type=int)
    def mail_requeue_command(every_failed, ids):
        """Queue failed emails again (these delivery ids, or --failed for all): sent at once, then retried as new."""
        from .extensions import db
        from .services.messaging import mail

        if bool(ids) == every_failed:
            raise click.UsageError("Give the ids of failed emails, or --failed for all of them (not both).")
        moved = mail.requeue(ids or None, every_failed=every_failed)
        db.session.commit()  # the worker is asked to send them right after
        click.echo(f"{len(moved)} failed emails queued again" + (f": {', '.join(map(str, moved))}" if moved else "."))
        left = sorted(set(ids) - set(moved))
        if left:
            click.echo(f"Not failed (already sent or queued) or not found, left alone: {', '.join(map(str, left))}",
                       err=True)
            raise SystemExit(1)

    @mail_group.command("status")
    def mail_status_command():
        """How many emails are due, waiting for a retry and failed, and how long the oldest due one has waited."""
        from .services.messaging import mail

        state = mail.queue_state()
        click.echo(f"due: {state['due']} (oldest queued {round(state['oldest_due_seconds'])} s ago), "
                   f"waiting for a retry: {state['retrying']}, failed: {state['failed']}")
