"""The ``coi`` command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from schemas.limits import DEFAULT as LIMITS

app = typer.Typer(
    help="Turn Country-of-Origin Information reports (PDF, text, web page or Word) into validated, traceable JSON.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
MB = 1024 * 1024
# The options' defaults are the Limits type's own (schemas/limits.py), not repeated here.
MaxPages = Annotated[int, typer.Option("--max-pages", min=1, help="Refuse PDFs with more pages than this.")]
MaxMB = Annotated[
    int, typer.Option("--max-mb", min=1, help="Refuse inputs larger than this many MB (text: a fifth of it).")
]
MaxSeconds = Annotated[
    float, typer.Option("--max-seconds", help="Stop a document's extraction after this many seconds (more than 0).")
]
MaxMemory = Annotated[
    int, typer.Option("--max-memory-mb", min=1, help="Memory one document may take on top of the loaded pipeline (MB).")
]


def _limits(max_pages: int, max_mb: int, max_seconds: float, max_memory_mb: int):
    from schemas.limits import Limits

    try:
        return Limits(
            max_pages=max_pages,
            max_bytes=max_mb * MB,
            max_text_bytes=max(1, max_mb * MB // 5),
            seconds=max_seconds,
            memory_mb=max_memory_mb,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc).replace("seconds ", "--max-seconds ", 1)) from None


def _name(path) -> str:
    """A path for the console: escaped (bytes that are not UTF-8, control characters) and
    safe from rich markup."""
    from rich.markup import escape

    from schemas.errors import shown

    return escape(shown(path))


# --- --version (issue 15) ------------------------------------------------------------------
def _print_version(value: bool) -> None:
    if value:
        from pipeline import __version__

        typer.echo(f"coi-extract {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the pipeline version (recorded in every output) and exit.",
        ),
    ] = False,
) -> None:
    """Turn Country-of-Origin Information reports (PDF or text) into validated, traceable JSON."""


# --- end --version --------------------------------------------------------------------------


export_app = typer.Typer(help="Export an extraction JSON for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")
console = Console(stderr=True)
out_console = Console(width=max(Console().width, 120))  # tables stay readable when piped


@app.command()
def extract(
    files: Annotated[
        list[Path], typer.Argument(help="Report files (PDF, text, HTML or DOCX; the kind is read from the bytes).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the JSON files (one per input, named <input name>.json).")
    ] = Path("out"),
    language: Annotated[str | None, typer.Option(help="Report language (en, fr, de); detected when not given.")] = None,
    max_pages: MaxPages = LIMITS.max_pages,
    max_mb: MaxMB = LIMITS.max_bytes // MB,
    max_seconds: MaxSeconds = LIMITS.seconds,
    max_memory_mb: MaxMemory = LIMITS.memory_mb,
) -> None:
    """Extract each FILE to OUT/<file name>.json; exit code 1 if any file failed (the others are still written).
    The files are extracted one after the other by one worker process, each within the limits, as in batch."""
    from extractors import nlp

    nlp.load_ahead_for(language)  # the model loads on another core while the worker reads (issue 17)
    from pipeline.app.limits import Job, extract_many
    from pipeline.app.run import output_path
    from schemas.errors import IngestError

    limits = _limits(max_pages, max_mb, max_seconds, max_memory_mb)
    failed = 0
    start = time.perf_counter()
    jobs = [Job(str(path), language=language, target=str(output_path(out, path))) for path in files]
    for i, answer in extract_many(jobs, limits):  # the child writes the JSON and says what it holds
        path = files[i]
        try:
            if isinstance(answer, (IngestError, OSError)):
                raise answer
        except IngestError as exc:
            failed += 1
            console.print(
                f"[red]failed[/red] {_name(exc.path)}: {escape(exc.reason)} [dim]({type(exc).__name__})[/dim]"
            )
            continue
        except Exception as exc:  # a full disk must not stop the others either; say it plainly
            failed += 1
            console.print(f"[red]failed[/red] {_name(path)}: {type(exc).__name__}: {escape(str(exc))}")
            continue
        console.print(
            f"[green]ok[/green] {_name(path)} → {_name(answer.path)}  [dim]{answer.kind}, {answer.pages} page(s), "
            f"{answer.sections} sections, {answer.footnotes} footnotes, "
            f"{answer.sources} sources, {answer.warnings} warning(s), "
            f"{time.perf_counter() - start:.2f} s[/dim]"
        )
        start = time.perf_counter()
    if failed:
        console.print(f"{failed} of {len(files)} file(s) failed")
        raise typer.Exit(1)


@app.command()
def schema(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write to this file instead of printing (with --all: to this folder)."),
    ] = None,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Write every published schema (extraction, batch-summary, error, sources, diff) "
            "as <name>.schema.json to the schemas/ folder of the package (or to --out).",
        ),
    ] = False,
) -> None:
    """Print the JSON Schema of the output (the Extraction model); --all writes the side files' schemas too."""
    import schemas
    from schemas import json_schema_text, published

    if all_:
        folder = out or Path(schemas.__file__).parent
        folder.mkdir(parents=True, exist_ok=True)
        for name, model in published().items():
            (folder / name).write_text(json_schema_text(model), encoding="utf-8")
            console.print(f"[green]wrote[/green] {folder / name}")
        return
    text = json_schema_text()
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def evaluate(
    report: Annotated[
        Path | None, typer.Argument(help="A report (PDF, text, HTML or DOCX) or an extraction JSON to score.")
    ] = None,
    gold: Annotated[
        Path | None, typer.Option(help="Gold file for REPORT (format: shared/eval/GOLD_FORMAT.md).")
    ] = None,
    corpus: Annotated[Path | None, typer.Option(help="Score every report in this folder ...")] = None,
    gold_dir: Annotated[
        Path | None, typer.Option(help="... against X.gold.json here (applies to reports whose name starts with X).")
    ] = None,
    misses: Annotated[
        bool,
        typer.Option(
            "--misses", help="List every false negative, false positive and attribute mismatch per report and category."
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print the scores as JSON (a stable shape other tools read; with --misses, the lists too)."
        ),
    ] = False,
) -> None:
    """Score extractions against gold annotations: per report and pooled over all reports (micro),
    with the per-report mean (macro) beside it; attribute accuracy; table-cell accuracy."""
    from rich.table import Table as RichTable

    from pipeline.app.run import extract_file
    from pipeline.tools.evaluate import evaluate_extraction, load_gold, pair_corpus, summarize
    from schemas.files import load_extraction

    if corpus or gold_dir:
        if not (corpus and gold_dir):
            raise typer.BadParameter("--corpus and --gold-dir go together")
        pairs = pair_corpus(corpus, gold_dir)
        if not pairs:
            console.print(f"no report in {corpus} has a gold file in {gold_dir}")
            raise typer.Exit(2)
    elif report and gold:
        pairs = [(report, gold)]
    else:
        raise typer.BadParameter("give REPORT --gold GOLD, or --corpus DIR --gold-dir DIR")
    reports = []
    for path, gold_path in pairs:
        if path.suffix == ".json":
            extraction = load_extraction(path)
        else:
            extraction = extract_file(path)
        reports.append(evaluate_extraction(extraction, load_gold(gold_path), str(path), str(gold_path), misses=misses))
    result = {"reports": reports, "summary": summarize(reports)}
    if as_json:
        out_console.print_json(json.dumps(result))
        return
    for r in reports:
        table = RichTable(title=f"{r['report']}  (gold: {Path(r['gold']).name})", title_justify="left")
        for col in ("category", "tp", "fp", "fn", "P", "R", "F1", "attributes"):
            table.add_column(col, justify="right" if col in ("tp", "fp", "fn", "P", "R", "F1") else "left")
        for name, s in r["categories"].items():
            attrs = ", ".join(f"{k} {v:.2f}" for k, v in s["attributes"].items())
            table.add_row(name, *_score_cells(s), attrs)
        tc = r["table_cells"]
        table.add_row(
            "table cells",
            str(tc["correct"]),
            "",
            str(tc["total"] - tc["correct"]),
            "",
            "",
            f"{tc['accuracy']:.2f}",
            "accuracy",
        )
        out_console.print(table)
        if misses:
            _print_misses(r)
    _print_summary(result["summary"], len(reports))


def _score_cells(s: dict) -> list[str]:
    """tp, fp, fn, P, R, F1 of one category's scores, as the evaluate tables print them."""
    return [str(s["tp"]), str(s["fp"]), str(s["fn"]), *(f"{s[k]:.2f}" for k in ("precision", "recall", "f1"))]


def _print_misses(report: dict) -> None:
    """The work list of one report: what was missed, what was wrong, which attribute differed."""

    def show(value) -> str:
        return json.dumps(value, ensure_ascii=False, default=str)

    for name, s in report["categories"].items():
        m = s.get("misses") or {}
        lines = (
            [f"  FN   {show(x)}" for x in m.get("false_negatives", [])]
            + [f"  FP   {show(x)}" for x in m.get("false_positives", [])]
            + [f"  ATTR {show(x)}" for x in m.get("attribute_mismatches", [])]
        )
        if lines:
            out_console.print(f"{name}:", markup=False, highlight=False)
            for line in lines:
                out_console.print(line, markup=False, highlight=False, soft_wrap=True)


def _print_summary(summary: dict, n_reports: int) -> None:
    from rich.table import Table as RichTable

    table = RichTable(
        title=f"{n_reports} report(s): pooled (micro) over all reports; macro = mean of per-report scores",
        title_justify="left",
    )
    for col in ("category", "tp", "fp", "fn", "P", "R", "F1", "macro P", "macro R", "macro F1", "attributes (pooled)"):
        table.add_column(col, justify="left" if col in ("category", "attributes (pooled)") else "right")
    for name, s in summary["micro"].items():
        m = summary["macro"][name]
        attrs = ", ".join(f"{k} {v:.2f}" for k, v in s["attributes"].items())
        table.add_row(name, *_score_cells(s), *_score_cells(m)[3:], attrs)
    cells = summary["table_cells"]
    if cells["micro"]["total"]:
        table.add_row(
            "table cells",
            str(cells["micro"]["correct"]),
            "",
            str(cells["micro"]["total"] - cells["micro"]["correct"]),
            "",
            "",
            f"{cells['micro']['accuracy']:.2f}",
            "",
            "",
            f"{cells['macro']['accuracy']:.2f}",
            "accuracy",
        )
    out_console.print(table)
    if summary["country"]["total"]:
        out_console.print(
            f"main country right in {summary['country']['correct']} of {summary['country']['total']} report(s)"
        )


@app.command()
def bench(
    files: Annotated[list[Path], typer.Argument(help="Inputs to time (PDF, text, HTML or DOCX).")],
    runs: Annotated[int, typer.Option(help="Timed runs per input (after one warm-up run); the median is shown.")] = 5,
    long: Annotated[
        list[int] | None,
        typer.Option(
            help="Also time a report of at least this many pages, made of the first PDF's pages repeated "
            "(repeatable: --long 1000 --long 3000 shows how time and memory grow). A long report is timed once, "
            "after a warm-up run of the first PDF.",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="With --batch: the worker processes to time beside 1 (0 or 1: 1 only).")
    ] = 0,
    whole_process: Annotated[
        bool,
        typer.Option(
            "--whole-process",
            help="Also time a fresh `coi extract` of each input, start-up included "
            "(median of --runs), against a fresh process doing the floor's work.",
        ),
    ] = False,
    batch: Annotated[
        Path | None,
        typer.Option(
            help="Also time a fresh `coi batch` of (a copy of) this folder of reports, start-up included, "
            "with 1 worker and with --workers: ms per document, CPU, peak RSS.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect",
            help="With --batch: also time the --batch folder directly and through the Prefect flow, "
            "with 1 worker and with --workers, each in a fresh process with its start-up timed apart: "
            "the speed-up of the workers and Prefect's overhead over the direct batch.",
        ),
    ] = False,
    batch_rounds: Annotated[
        int,
        typer.Option(
            help="With --prefect: runs of each configuration, taken in turns; each is shown by its median run "
            "(the machine's speed drifts from minute to minute).",
            min=1,
        ),
    ] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure pages/s, seconds per stage and peak RSS per input (figures only, no pass/fail), beside the
    floor: pypdfium2's text of the same pages split by spaCy's tokenizer. Warm: after a warm-up run in the
    same process; --whole-process: fresh processes, as a single `coi extract` runs."""
    from rich.table import Table as RichTable

    from pipeline.tools.bench import batch_command, bench_files, cpu_mark, floor_files, long_report, others_since
    from pipeline.tools.bench import whole_process as time_whole_process

    mark = cpu_mark()

    if prefect and batch is None:
        raise typer.BadParameter("--prefect needs --batch FOLDER")
    if workers > 1 and batch is None:
        raise typer.BadParameter("--workers needs --batch FOLDER (the batch it times)")
    inputs = [(Path(f), runs, None) for f in files]  # (input, timed runs, warm-up input)
    if long:
        first_pdf = next((f for f in files if f.read_bytes()[:5] == b"%PDF-"), None)
        if first_pdf is None:
            raise typer.BadParameter("--long needs a PDF among the inputs")
        inputs += [(long_report(first_pdf, pages), 1, first_pdf) for pages in sorted(set(long))]
    rows = []
    for path, n, warm in inputs:
        [r] = bench_files([path], runs=n, warm_up_with=warm)
        [f] = floor_files([path], runs=n)
        rows.append(r)
        r["floor_seconds"] = f["seconds"]
        r["floor_pages_per_second"] = r["pages"] / f["seconds"] if f["seconds"] else 0.0
        r["warm_over_floor"] = r["seconds"] / f["seconds"] if f["seconds"] else 0.0
        if whole_process:
            w = time_whole_process(path, n, warm_up=warm is None)
            r["whole_process"] = {
                **w,
                "pages_per_second": r["pages"] / w["seconds"],
                "floor_pages_per_second": r["pages"] / w["floor_seconds"],
                "over_floor": w["seconds"] / w["floor_seconds"],
            }
    batches = [batch_command(batch, n) for n in sorted({1, max(1, workers)})] if batch else []
    flow = None
    if prefect:
        from pipeline.app.throughput import batch_figures, figure_lines

        flow = batch_figures([batch], max(1, workers), rounds=batch_rounds)
    wall, _own, others, cores = others_since(mark)
    machine = {"seconds": wall, "others_cpu_s": others, "others_cores": cores}
    if as_json:
        out_console.print_json(json.dumps({"inputs": rows, "batch": batches, "prefect": flow, "machine": machine}))
        return
    stages = list(dict.fromkeys(s for r in rows for s in r["stages"]))  # every stage, in the order they ran
    table = RichTable(
        title=f"coi bench: median of {runs} run(s) (a long report: 1), one process (one core), seconds per stage",
        title_justify="left",
    )
    for col in ("input", "pages", "s", "pages/s", *stages, "peak RSS MB"):
        table.add_column(col, justify="left" if col == "input" else "right", no_wrap=True)
    for r in rows:
        table.add_row(
            Path(r["input"]).name,
            str(r["pages"]),
            f"{r['seconds']:.3f}",
            f"{r['pages_per_second']:.1f}",
            *(f"{r['stages'].get(s, 0):.3f}" for s in stages),
            f"{r['peak_rss_mb']:.0f}",
        )
    Console(width=max(out_console.width, 200)).print(table)
    floor = RichTable(
        title="floor: pypdfium2 text + spaCy tokenizer over the same pages (warm, median); ratio = warm / floor",
        title_justify="left",
    )
    columns = ["input", "pages", "floor s", "floor pages/s", "warm / floor"]
    if whole_process:
        columns += ["whole-process s", "pages/s", "floor whole-process s", "whole-process / floor"]
        columns += ["peak RSS MB: largest process", "sum of peaks", "held together (Pss)"]
    for col in columns:
        floor.add_column(col, justify="left" if col == "input" else "right", no_wrap=True)
    for r in rows:
        cells = [
            Path(r["input"]).name,
            str(r["pages"]),
            f"{r['floor_seconds']:.3f}",
            f"{r['floor_pages_per_second']:.1f}",
            f"{r['warm_over_floor']:.1f}x",
        ]
        if whole_process:
            w = r["whole_process"]
            cells += [
                f"{w['seconds']:.2f}",
                f"{w['pages_per_second']:.1f}",
                f"{w['floor_seconds']:.2f}",
                f"{w['over_floor']:.2f}x",
                f"{w['peak_rss_mb']:.0f}",
                f"{w['peak_rss_sum_mb']:.0f} ({w['processes']})",
                f"{w['peak_pss_mb']:.0f}",
            ]
        floor.add_row(*cells)
    Console(width=max(out_console.width, 240 if whole_process else 120)).print(floor)
    if whole_process:
        out_console.print(
            "whole process: memory in MB (10^6 bytes) of the first run: the largest process's peak RSS; the sum "
            "of each process's own peak (the command, its worker, the model loader; pages they share counted in "
            "each); the most they held together (their Pss summed at one moment); the last two sampled from /proc"
        )
    if batches:
        t = RichTable(
            title=f"coi batch {batch} (a fresh command, start-up included; memory sampled)", title_justify="left"
        )
        columns = ("workers", "documents", "s", "ms/document", "CPU ms/document", "peak RSS MB", "sum of peaks")
        for col in (*columns, "held together (Pss)"):
            t.add_column(col, justify="right")
        for b in batches:
            t.add_row(
                str(b["workers"]),
                f"{b['documents']} ({', '.join(f'{n} {status}' for status, n in b['counts'].items())})",
                f"{b['seconds']:.2f}",
                f"{b['ms_per_document']:.1f}",
                f"{b['cpu_ms_per_document']:.1f}",
                f"{b['peak_rss_mb']:.0f}",
                f"{b['peak_rss_sum_mb']:.0f} ({b['processes']})",
                f"{b['peak_pss_mb']:.0f}",
            )
        out_console.print(t)
    if flow:
        t = RichTable(
            title=f"batch of {batch}: direct and through Prefect (each run in a fresh process, start-up apart; "
            f"median of {flow['rounds']} run(s) in turns)",
            title_justify="left",
        )
        for col in (
            "run",
            "documents",
            "s",
            "every run s",
            "ms/document",
            "CPU ms/document",
            "others' CPU s",
            "start-up s",
        ):
            t.add_column(col, justify="left" if col == "run" else "right")
        for name, r in flow["runs"].items():
            t.add_row(
                name,
                str(r["documents"]),
                f"{r['wall_s']:.2f}",
                " / ".join(f"{w:.2f}" for w in r["walls_s"]),
                f"{r['ms_per_doc']:.1f}",
                f"{r['cpu_ms_per_doc']:.1f}",
                f"{r.get('others_cpu_s', 0.0):.2f}",
                f"{r['startup_s']:.2f}",
            )
        out_console.print(t)
        for line in figure_lines(flow):
            out_console.print(line)
    out_console.print(
        f"this bench: {wall:.0f} s; other processes of the machine took {others:.1f} s of CPU meanwhile "
        f"({cores:.2f} cores on average)"
    )


@export_app.command("tables")
def export_tables_command(
    extraction_json: Annotated[Path, typer.Argument(help="An extraction JSON written by coi extract.")],
    csv_dir: Annotated[Path, typer.Option("--csv", help="Folder for one tidy CSV per table (2nd row: HXL hashtags).")],
    with_totals: Annotated[
        bool,
        typer.Option(
            "--with-totals",
            help="Also write the printed total rows and columns (marked in is_total); "
            "without it the value column sums to the data cells.",
        ),
    ] = False,
) -> None:
    """Write each table's tidy records as CSV with an HXL hashtag row, ready for HDX tools (totals left out by default)."""
    from pipeline.tools.export import export_tables
    from schemas.files import load_extraction

    extraction = load_extraction(extraction_json)
    written = export_tables(extraction, csv_dir, with_totals=with_totals)
    for path in written:
        console.print(f"[green]wrote[/green] {path}")
    if not written:
        console.print(f"{extraction_json}: no table with figures")


@export_app.command("events")
def export_events_command(
    extraction_json: Annotated[Path, typer.Argument(help="An extraction JSON written by coi extract.")],
    csv_file: Annotated[
        Path, typer.Option("--csv", help="CSV file to write: one row per incident, ACLED's columns in ACLED's order.")
    ],
) -> None:
    """Write the incidents (not the period totals: see `coi export statistics`) in ACLED's columns; unknown values stay empty."""
    from pipeline.tools.export import event_rows, export_events
    from schemas.files import load_extraction

    extraction = load_extraction(extraction_json)
    rows, undated = event_rows(extraction)
    export_events(extraction, csv_file)
    console.print(f"[green]wrote[/green] {csv_file} ({len(rows)} incident(s))")
    if undated:
        console.print(f"{len(undated)} incident(s) left out: no date ACLED can code (a day, a week or a month)")


@export_app.command("statistics")
def export_statistics_command(
    extraction_json: Annotated[Path, typer.Argument(help="An extraction JSON written by coi extract.")],
    csv_file: Annotated[
        Path,
        typer.Option(
            "--csv", help="CSV file to write: source, category, area, period, count, actor (then how it was printed)."
        ),
    ],
) -> None:
    """Write the aggregate figures (event counts, casualty totals over a period or many events), one row per figure."""
    from pipeline.tools.export import export_statistics, statistics_rows
    from schemas.files import load_extraction

    extraction = load_extraction(extraction_json)
    export_statistics(extraction, csv_file)
    console.print(f"[green]wrote[/green] {csv_file} ({len(statistics_rows(extraction))} figure(s))")


@app.command()
def batch(
    in_dir: Annotated[
        Path, typer.Argument(help="Folder of reports (PDF, text, HTML or DOCX; hidden and temp files are left alone).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder: OUT/<report>/<sha256 prefix>/extraction.json.")
    ] = Path("out"),
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Documents extracted at once, by that many worker processes (each serves many documents)."
        ),
    ] = 1,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect/--no-prefect",
            help="Run through the Prefect extract_batch flow (on PREFECT_API_URL's server when set, "
            "else on a temporary local server that the command starts and stops).",
        ),
    ] = False,
    max_pages: MaxPages = LIMITS.max_pages,
    max_mb: MaxMB = LIMITS.max_bytes // MB,
    max_seconds: MaxSeconds = LIMITS.seconds,
    max_memory_mb: MaxMemory = LIMITS.memory_mb,
) -> None:
    """Extract every report in IN_DIR; skips what is already extracted; a bad file never stops the batch.
    OUT/batch-summary.json is always written (on Ctrl-C or SIGTERM too: the rest is marked interrupted)."""
    import signal

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Table as RichTable

    from pipeline.app.ops import batch_inputs, run_batch
    from schemas.files import write_json

    if not in_dir.is_dir():
        raise typer.BadParameter(f"{in_dir} is not a folder")
    limits = _limits(max_pages, max_mb, max_seconds, max_memory_mb)
    total = len(batch_inputs(in_dir))
    counts = {"done": 0, "failed": 0, "pages": 0}
    started = time.perf_counter()

    def interrupt(*_args) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # ends like Ctrl-C: children killed, summary written
    if prefect:
        from pipeline.app.flows import extract_batch, local_prefect

        with local_prefect():  # on Prefect's temporary server: no flow-run heartbeats to join
            summary = extract_batch(str(in_dir), str(out), workers, limits.as_dict())
    else:
        with Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("batch", total=total, info="")

            def progress(outcome) -> None:
                counts["failed" if outcome.status == "failed" else "done"] += 1
                counts["pages"] += outcome.pages
                rate = counts["pages"] / max(time.perf_counter() - started, 1e-9)
                bar.update(task, advance=1, info=f"{counts['done']} ok, {counts['failed']} failed, {rate:.1f} pages/s")

            summary = run_batch(in_dir, out, workers=workers, progress=progress, limits=limits)
    write_json(out / "batch-summary.json", summary)
    table = RichTable(title=f"batch summary → {_name(out / 'batch-summary.json')}", title_justify="left")
    for col in ("file", "status", "pages", "s", "detail"):
        table.add_column(col, justify="right" if col in ("pages", "s") else "left")
    for o in summary["outcomes"]:
        detail = (o.get("error") or {}).get("reason") or (o.get("error") or {}).get("duplicate_of", "")
        if o["status"] == "duplicate":
            detail = f"same bytes as {detail}"
        table.add_row(
            escape(Path(o["file"]).name),
            o["status"],
            str(o["pages"]),
            f"{o['seconds']:.2f}",
            escape(str(detail or o.get("output") or "")),
        )
    out_console.print(table)
    c = summary["counts"]
    out_console.print(
        f"{summary['documents']} document(s): {c.get('extracted', 0)} extracted, {c.get('skipped', 0)} already done, "
        f"{c.get('duplicate', 0)} duplicate(s), {c.get('failed', 0)} failed"
        + (f", {c['interrupted']} interrupted" if c.get("interrupted") else "")
        + f"; {summary['pages_per_second']} pages/s"
    )
    if c.get("failed") or summary.get("interrupted"):
        raise typer.Exit(1)


@app.command()
def watch(
    inbox: Annotated[
        Path,
        typer.Argument(help="Folder to watch. Finished files move to INBOX/processed/, failures to INBOX/quarantine/."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder: OUT/<report>/<sha256 prefix>/extraction.json.")
    ] = Path("out"),
    interval: Annotated[
        float, typer.Option(min=0.0, help="Seconds between polls; a file is taken once unchanged over two polls.")
    ] = 5.0,
    once: Annotated[
        bool, typer.Option(help="Poll twice (one interval apart), process what is ready, and stop.")
    ] = False,
    max_pages: MaxPages = LIMITS.max_pages,
    max_mb: MaxMB = LIMITS.max_bytes // MB,
    max_seconds: MaxSeconds = LIMITS.seconds,
    max_memory_mb: MaxMemory = LIMITS.memory_mb,
) -> None:
    """Watch INBOX and extract each report once it is completely written (no server needed).
    SIGTERM or Ctrl-C: the file in hand is abandoned (it stays in INBOX) and the watcher exits 0."""
    from pipeline.app.ops import InboxWatcher
    from schemas.errors import InboxError

    if not inbox.is_dir():
        raise typer.BadParameter(f"{inbox} is not a folder")
    watcher = InboxWatcher(inbox, out, interval, _limits(max_pages, max_mb, max_seconds, max_memory_mb))
    try:
        watcher.start()
    except InboxError as exc:
        console.print(f"[red]cannot watch[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None

    def report(o) -> None:
        colour = "red" if o.status == "failed" else "yellow" if o.status in ("changed", "deferred") else "green"
        detail = (o.error or {}).get("reason", "") if o.error and o.status != "duplicate" else (o.output or "")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")  # watch log lines carry the time
        moved = f" → {_name(o.current_path)}" if o.current_path and o.current_path != o.file else ""
        console.print(
            f"{stamp} [{colour}]{o.status}[/{colour}] {_name(Path(o.file).name)} {escape(detail)}{moved}",
            soft_wrap=True,
        )

    if once:
        watcher.ready()
        time.sleep(interval)
        for o in watcher.poll_once():
            report(o)
        return
    console.print(f"watching {_name(inbox)} every {interval:g} s → {_name(out)} (Ctrl-C to stop)")
    watcher.run(on_outcome=report)
    console.print("stopped")


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Earlier extraction JSON.")],
    new: Annotated[Path, typer.Argument(help="Later extraction JSON.")],
    html_file: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write one self-contained HTML page for a reviewer (the same changes as printed)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the differences as JSON.")] = False,
) -> None:
    """What changed between two extractions (facts, cells, metadata, headings, wording, warnings); exit code 0 when identical, 1 when different."""
    from rich.markup import escape

    from pipeline.tools.diff import card_lines, change_cards, diff_extractions, diff_html
    from schemas.files import load_extraction, write_atomic

    a = load_extraction(old)
    b = load_extraction(new)
    result = diff_extractions(a, b)
    if html_file:
        write_atomic(html_file, diff_html(result))
    if as_json:
        out_console.print_json(json.dumps(result, ensure_ascii=False))
    else:
        colours = {"changed": "yellow", "added": "green", "appeared": "green", "removed": "red", "gone": "red"}
        for card in change_cards(result):
            first, *rest = card_lines(card)
            colour = colours.get(card["status"], "white")
            out_console.print(f"[{colour}]{escape(first)}[/{colour}]", highlight=False, soft_wrap=True)
            for line in rest:
                out_console.print(escape(line), highlight=False, soft_wrap=True)
        out_console.print(escape(result["summary_line"]), highlight=False, soft_wrap=True)
    raise typer.Exit(0 if result["identical"] else 1)


@app.command()
def review(
    extraction_json: Annotated[Path, typer.Argument(help="An extraction JSON (OUT.json) written by coi extract.")],
    against: Annotated[
        Path | None, typer.Option("--against", help="An older extraction of the report: its changes are shown first.")
    ] = None,
    html_file: Annotated[
        Path | None,
        typer.Option("--html", help="Write the page as one self-contained offline HTML file instead of serving it."),
    ] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to serve the page on (0: any free port).")] = 8765,
    pdf: Annotated[
        Path | None,
        typer.Option("--pdf", help="The report PDF, when it is no longer where the extraction says (for page images)."),
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option(help="Name recorded with each decision (default: the login name).")
    ] = None,
    export_gold: Annotated[
        Path | None,
        typer.Option("--export-gold", help="Write a gold file (GOLD_FORMAT.md) from the reviewed extraction and stop."),
    ] = None,
    decisions: Annotated[
        Path | None,
        typer.Option("--decisions", help="Review file to read (default: OUT.review.json next to the extraction)."),
    ] = None,
) -> None:
    """Review an extraction in a browser: each fact beside its page image, accept / correct / reject per fact and table cell.

    Served on 127.0.0.1 (decisions written to OUT.review.json next to OUT.json), or written with --html as one offline file (decisions kept in the browser, downloaded as OUT.review.json).

    With --export-gold, the accepted and corrected rows become a gold file that `coi evaluate` reads."""
    from pipeline.tools.review import ReviewServer, load_review, review_data, review_html, review_path
    from pipeline.tools.review import export_gold as to_gold
    from schemas.files import load_extraction, write_atomic, write_json

    extraction = load_extraction(extraction_json)
    decisions_path = decisions or review_path(extraction_json)
    if export_gold:
        if not decisions_path.exists():
            console.print(f"[red]no decisions[/red]: {decisions_path} does not exist (review the extraction first)")
            raise typer.Exit(2)
        try:
            reviewed = load_review(decisions_path)
            gold = to_gold(extraction, reviewed)
        except ValueError as exc:  # a hand-edited or offline review with a value that is not one
            console.print(f"[red]cannot export[/red] {decisions_path}: {exc}")
            raise typer.Exit(2) from None
        write_json(export_gold, gold)
        kinds = [d["decision"] for d in reviewed["decisions"].values()]
        console.print(
            f"[green]wrote[/green] {export_gold}: {kinds.count('accept')} accepted, {kinds.count('correct')} corrected, "
            f"{kinds.count('reject')} rejected ({gold['notes'].split('; ')[1]})"
        )
        return
    if html_file:
        old = load_extraction(against) if against else None
        existing = load_review(decisions_path) if decisions_path.exists() else None
        write_atomic(html_file, review_html(review_data(extraction, old, pdf, existing, reviewer=reviewer)))
        console.print(
            f"[green]wrote[/green] {html_file} (decisions stay in the browser; 'Download decisions' saves {decisions_path.name})"
        )
        return
    try:
        server = ReviewServer(extraction_json, against, pdf, reviewer, port)
    except OSError as exc:  # the port is taken, most often by another review
        console.print(
            f"[red]cannot serve on 127.0.0.1:{port}[/red]: {exc.strerror}; try another --port (0: any free port)"
        )
        raise typer.Exit(2) from None
    console.print(f"reviewing {extraction_json} at {server.url} (decisions → {server.path}); Ctrl-C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped")
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    app()
