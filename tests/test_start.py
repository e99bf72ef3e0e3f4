"""The ``coi`` entry point (pipeline/app/start.py): ``coi extract`` starts the model's load
before the command line is parsed, for the language the arguments give; other commands and
``--help`` start nothing."""

from __future__ import annotations

import sys

import pytest

import pipeline.app.cli as cli
from extractors import nlp
from pipeline.app import start


@pytest.mark.parametrize(
    ("argv", "language"),
    [
        (["extract", "a.pdf"], None),
        (["extract", "a.pdf", "--language", "fr"], "fr"),
        (["extract", "--language=de", "a.pdf"], "de"),
        (["extract", "a.pdf", "--language"], None),  # no value: typer reports it
    ],
)
def test_language_given_reads_the_option_in_either_form(argv, language):
    assert start.language_given(argv) == language


@pytest.mark.parametrize(
    ("argv", "started"),
    [
        (["extract", "a.pdf", "--out", "o"], [None]),
        (["extract", "a.pdf", "--language", "en"], ["en"]),
        (["extract", "--help"], []),
        (["batch", "inbox"], []),
        ([], []),
    ],
)
def test_main_starts_the_model_first_only_for_extract(monkeypatch, argv, started):
    asked, ran = [], []
    monkeypatch.setattr(nlp, "load_ahead_for", asked.append)
    monkeypatch.setattr(cli, "app", lambda prog_name: ran.append((prog_name, list(asked))))
    monkeypatch.setattr(sys, "argv", ["coi", *argv])
    start.main()
    assert asked == started and ran == [("coi", started)]  # started before the command line ran
