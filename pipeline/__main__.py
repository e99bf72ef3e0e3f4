"""``python -m pipeline`` is the ``coi`` command."""

from pipeline.app.cli import app

app(prog_name="coi")
