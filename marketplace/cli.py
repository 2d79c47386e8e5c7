"""flask commands: seed-demo and process-outbox."""
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
