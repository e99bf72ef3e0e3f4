"""Prefect flows of coi-extract, for ``prefect deploy flows.py:<flow>`` and ``from flows import
...``: the flows themselves are in :mod:`pipeline.app.flows` (floor 5, beside the CLI that runs
them with ``coi batch --prefect``)."""

from pipeline.app.flows import DocumentFailed, extract_batch, extract_report, local_prefect, watch_inbox

__all__ = ["DocumentFailed", "extract_batch", "extract_report", "local_prefect", "watch_inbox"]
