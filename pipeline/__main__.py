"""``python -m pipeline`` is the ``coi`` command."""

from pipeline.app.start import main

main()
