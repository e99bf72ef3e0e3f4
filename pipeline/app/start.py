"""The ``coi`` command's entry point: what can start before the command line is parsed.

``coi extract`` loads the NLP model in a process of its own while the worker reads the
report (:func:`extractors.nlp.load_ahead`); the model's load is the longest part of a single
run's start-up, so it is started here, before the command line's own imports (Typer and rich,
some 0.15 s), from the ``--language`` the arguments give. The ``extract`` command asks for it
again once its arguments are parsed, which starts nothing when it is already on its way, and
starts it then if this guess missed (an abbreviated option, say)."""

from __future__ import annotations

import sys


def language_given(argv: list[str]) -> str | None:
    """The value of ``--language`` in ``argv`` (None when it is not given: detected per report)."""
    for i, arg in enumerate(argv):
        if arg == "--language" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--language="):
            return arg.partition("=")[2]
    return None


def main() -> None:
    """Run the ``coi`` command line, the model's load started first for ``coi extract``."""
    argv = sys.argv[1:]
    if argv[:1] == ["extract"] and not {"--help", "-h"} & set(argv):
        from extractors import nlp

        nlp.load_ahead_for(language_given(argv))
    from pipeline.app.cli import app

    app(prog_name="coi")
