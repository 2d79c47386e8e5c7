"""flask commands: seed-demo, seed-scale, process-outbox and verify-audit."""
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

    @app.cli.command("seed-scale")
    @click.option("--challenges", default=50000, show_default=True, type=click.IntRange(1, 1000000))
    @click.option("--companies", default=200000, show_default=True, type=click.IntRange(1, 5000000))
    @click.option("--seed", default=17, show_default=True, help="The same seed builds the same data.")
    def seed_scale_command(challenges, companies, seed):
        """Add a national-scale data set for benchmarks (bulk inserts; ANALYZE on PostgreSQL at the end).

        Meant for an empty database of its own; never run by `make run`.
        """
        from .scale import seed_scale

        counts = seed_scale(challenges=challenges, companies=companies, seed=seed, echo=click.echo)
        for table, count in sorted(counts.items()):
            click.echo(f"  {table:22} {count:>10,}")

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
