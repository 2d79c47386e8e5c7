"""flask commands: seed-demo and friends."""
import click


def register(app):
    @app.cli.command("process-outbox")
    def process_outbox_command():
        """Process every pending outbox event now, in this process."""
        from .services.outbox import process_pending

        click.echo(f"processed {process_pending()} events")
