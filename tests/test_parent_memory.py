"""What the processes of one ``coi extract`` hold together (issue 17): the command's own
process (the parent) only names the output files and hands them to its worker, so it imports
no stage or document model (the worker imports them after the fork; imported before it, they
would be held twice; pydantic itself Typer imports); the worker of the last report ends the model loader once the
report needs it no more (tests/test_load_ahead.py tests the loader's side)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pipeline.app.limits as limits
from pipeline.app.limits import Job, extract_many

HEAVY = ("extractors.stages", "schemas.extraction", "schemas.document", "schemas.kb", "spacy", "pypdfium2")


def test_the_parent_of_a_single_extract_imports_no_stage_or_document_model(fake_report, tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from extractors import nlp
        nlp.load_ahead_for = lambda language: None  # no loader for this check
        import pipeline.app.limits as limits
        seen = []
        def extract_many(jobs, *args, **kwargs):
            seen.append(sorted(sys.modules))
            return iter(())
        limits.extract_many = extract_many
        from pipeline.app.cli import app
        app(["extract", {str(fake_report)!r}, "--out", {str(tmp_path)!r}], standalone_mode=False)
        heavy = set({HEAVY!r}) & set(seen[0])
        assert not heavy, heavy
        import pipeline.app.run as run
        assert callable(run.extract_document) and "extractors.stages" in sys.modules  # imported on first use
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


class _ListingPool:
    """A pool that gives back the jobs it was given, as answers."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def map(self, jobs, cancelled=None):
        yield from enumerate(jobs)


def test_the_last_of_a_list_run_by_one_worker_is_marked_last(monkeypatch):
    monkeypatch.setattr(limits, "Pool", _ListingPool)
    given = [answer for _, answer in extract_many([Job("a"), Job("b"), Job("c")])]
    assert [job.last for job in given] == [False, False, True]
    assert [job.path for job in given] == ["a", "b", "c"]
    # two workers run documents side by side; a lazy iterable's last is not known ahead
    assert not any(job.last for _, job in extract_many([Job("a"), Job("b")], workers=2))
    assert not any(job.last for _, job in extract_many(iter([Job("a"), Job("b")])))
