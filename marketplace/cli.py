"""flask commands: seed-demo, seed-scale, process-outbox, ocds-store-releases, open-data-bulk, anchor-audit,
verify-audit and mail (requeue, status)."""
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
        from .demo import DEMO_PASSWORD, demo_logins, seed
        from .services.accounts.two_factor import ROLES_THAT_NEED_IT

        logins = seed(if_empty=if_empty)
        if logins is None:
            click.echo("The database already has data; demo data not loaded again.")
            logins = demo_logins()
        if not logins:
            return
        click.echo("Demo sign-ins, password for each: " + DEMO_PASSWORD)
        for email, role, organisation in logins:
            click.echo(f"  {email:45} {role:22} {organisation}")
        needing = ", ".join(role.replace("_", " ") for role in ROLES_THAT_NEED_IT)
        click.echo(f"A {needing} and the platform admin set up two-factor sign-in at their first sign-in: keep an "
                   "authenticator app (or `oathtool --totp -b <secret>`) at hand; the page shows the secret.")

    @app.cli.command("seed-scale")
    @click.option("--challenges", default=50000, show_default=True, type=click.IntRange(1, 1000000))
    @click.option("--companies", default=200000, show_default=True, type=click.IntRange(1, 5000000))
    @click.option("--seed", default=17, show_default=True, help="The same seed builds the same data.")
    def seed_scale_command(challenges, companies, seed):
        """Add a national-scale data set for benchmarks (bulk inserts; VACUUM (ANALYZE) on PostgreSQL at the end).

        Meant for an empty database of its own; never run by `make run`.
        """
        from .scale import seed_scale

        counts = seed_scale(challenges=challenges, companies=companies, seed=seed, echo=click.echo)
        for table, count in sorted(counts.items()):
            click.echo(f"  {table:22} {count:>10,}")

    @app.cli.command("ocds-store-releases")
    def ocds_store_releases_command():
        """Store the OCDS releases of published challenges that have none (after upgrading, after a bulk load)."""
        from .services.open_data.ocds_store import store_missing_releases

        click.echo(f"stored {store_missing_releases(echo=click.echo)} OCDS releases")

    @app.cli.command("open-data-bulk")
    def open_data_bulk_command():
        """Write the bulk files of all OCDS releases and records now (beat does it daily) and list them."""
        from .services.open_data import bulk_files

        try:
            written = bulk_files.generate()
        except bulk_files.BulkFilesBusy:
            raise click.ClickException("the bulk files are being written by another process; try again later")
        for f in written:
            click.echo(f"{f.name}: {f.count} {f.kind}, {f.size} bytes, sha256 {f.sha256}")
        if not written:
            click.echo("no OCDS release is stored yet: no bulk file written")

    @app.cli.command("anchor-audit")
    def anchor_audit_command():
        """Record the audit trail's head now (beat does it daily) and print it as JSON, to keep a copy elsewhere."""
        import json

        from .services.audit import anchor_as_dict, record_anchor

        click.echo(json.dumps(anchor_as_dict(record_anchor(kind="manual"))))

    @app.cli.command("verify-audit")
    @click.option("--anchors", "anchors_file", type=click.File("r", encoding="utf-8"),
                  help="Anchors kept outside the database, as /api/v1/audit/anchors answers them (a saved copy).")
    def verify_audit_command(anchors_file):
        """Check the audit trail's keyed chain and its anchors; exits 1 when a row was changed, removed or cut off."""
        import json

        from .services.audit import parse_anchors, verify_trail

        extra = []
        if anchors_file is not None:
            try:
                extra = parse_anchors(json.load(anchors_file))
            except ValueError as exc:  # JSONDecodeError is one
                raise click.BadParameter(f"not a file of audit anchors: {exc}", param_hint="--anchors") from exc
        verdict = verify_trail(extra)
        if verdict.intact:
            click.echo(f"The audit trail is intact: {verdict.checked} rows checked"
                       + (f", {len(extra)} anchors from the file." if anchors_file is not None else "."))
            return
        anchor = verdict.anchor or {}
        at = f"the anchor of {anchor.get('anchored_at')} (row {anchor.get('last_event_id')}, " \
             f"{anchor.get('row_count')} rows)"
        click.echo({
            "changed": f"The audit trail is broken at row {verdict.broken_at} (after {verdict.checked} intact rows): "
                       "it was changed, a row before it was removed, or the chain was recomputed without the key.",
            "rewritten": f"The audit trail was rewritten: row {verdict.broken_at} does not carry the digest of {at}.",
            "missing": f"The audit trail lost the row of {at} (after {verdict.checked} intact rows).",
            "truncated": f"The audit trail was cut: it ends after {verdict.checked} rows, before {at}.",
            "count": f"The audit trail has {verdict.checked} rows up to {at}: rows were removed or added.",
        }[verdict.problem], err=True)
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
