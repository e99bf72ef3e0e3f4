"""The app (floor 5): a file to its JSON (run), child processes within limits, batch and inbox
operations, and the ``coi`` command line. ``flows.py`` (Prefect) sits beside it."""
