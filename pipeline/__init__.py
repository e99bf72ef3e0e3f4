"""Ingest, tools and orchestration, in three floors of the five (issue 20):

- ``pipeline.readers`` (floor 2): bytes → :class:`schemas.Document` (text, PDF, HTML, DOCX);
- ``pipeline.tools`` (floor 4): evaluate, diff, export, review, bench;
- ``pipeline.app`` (floor 5): run and ops, the CLI (``flows.py`` beside it).

Floor 1 is ``schemas`` (model, language data, knowledge), floor 3 ``extractors``. Each floor
imports only the floors below it; ``lint-imports`` checks it (``[tool.importlinter]`` in
pyproject.toml)."""

__version__ = "0.1.0"
