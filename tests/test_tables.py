from __future__ import annotations

import pytest
from pdf_factory import borderless_table_pdf

from extractors.tables import caption_source, number_convention, parse_number, population_of
from pipeline.app.run import extract_document, extract_file
from pipeline.readers.ingest import ingest_bytes
from schemas import lang

EN, DE = lang.load("en"), lang.load("de")


@pytest.mark.parametrize(
    "text, value, status",
    [
        ("20 437", 20437, "value"),
        ("20\u00a0437", 20437, "value"),
        ("20\u2009437", 20437, "value"),
        ("1,079", 1079, "value"),
        ("311 193", 311193, "value"),
        ("7", 7, "value"),
        ("-", 0, "nil"),
        ("–", 0, "nil"),
        ("N/A", None, "not_available"),
        ("n/a", None, "not_available"),
        ("", None, "not_available"),
        ("45 394¹⁰⁵", 45394, "value"),
        ("Koro", None, "text"),
        ("12 34", None, "text"),
    ],
)
def test_parse_number(text, value, status):
    parsed = parse_number(text, EN)
    assert (parsed.value, parsed.status) == (value, status)


def test_number_convention_follows_language_and_table():
    assert parse_number("43.750", DE).value == 43750
    assert parse_number("43,5", DE).value == 43.5
    assert parse_number("43.750", EN).value == 43.75  # an English decimal, unless the table says otherwise
    convention = number_convention(["43.750", "1.200.000", "7"], EN)
    assert parse_number("43.750", EN, convention).value == 43750


def test_population_and_source_from_caption():
    assert population_of("Table 2: IDP returnees in Mopti region", EN) == "idp_returnees"
    assert population_of("Table 1: IDPs in Mopti region", EN) == "idps"
    assert population_of("Tableau 3 : Réfugiés par province", lang.load("fr")) == "refugees"
    assert caption_source("Table 1: IDPs. Source: IOM DTM Mali, 31 October 2020, url", EN) == (
        "IOM DTM Mali",
        "2020-10-31",
    )


@pytest.fixture(scope="module")
def borderless():
    return extract_document(ingest_bytes(borderless_table_pdf(), "burkina.pdf"))


def test_borderless_table_across_a_page_break_is_one_table(borderless):
    assert len(borderless.tables) == 1
    table = borderless.tables[0]
    assert table.pages == [1, 2] and not table.ruled
    assert table.grid() == [
        ["Month/Province", "Soum", "Oudalan", "Seno", "Total"],
        ["January 2021", "1,200", "300", "2,079", "3,579"],
        ["February 2021", "1,250", "-", "2,100", "3,350"],
        ["March 2021", "1,300", "N/A", "2,200", "3,500"],
        ["April 2021", "1,400", "310", "2,300", "4,010"],
        ["May 2021", "1,450", "320", "2,350", "4,100"],
    ]
    assert (table.population, table.source, table.source_date) == ("refugees", "Invented Agency", "2021-06-30")
    assert (table.row_dimension, table.total_col) == ("period", 4)


def test_borderless_records_and_checks(borderless):
    records = {(r.period, r.admin_unit): r for r in borderless.table_records}
    assert records[("2021-01", "Soum")].value == 1200
    # no cover table: the country is inferred from the provinces the report names, and their P-codes follow
    assert (borderless.metadata.country, borderless.metadata.inferred[:1]) == ("Burkina Faso", ["country"])
    assert records[("2021-01", "Soum")].pcode == "BF5603"
    assert (records[("2021-02", "Oudalan")].value, records[("2021-02", "Oudalan")].status) == (0, "nil")
    assert (records[("2021-03", "Oudalan")].value, records[("2021-03", "Oudalan")].status) == (None, "not_available")
    assert records[("2021-05", "Soum")].provenance.page == 2
    checks = [w for w in borderless.warnings if w.code == "row_total_mismatch"]
    assert [(w.details["row"], w.details["printed"], w.details["computed"]) for w in checks] == [
        ("May 2021", 4100, 4120)
    ]
    assert records[("2021-05", None)].value == 4100  # the printed total is kept as printed


def test_text_table_records_and_export(tmp_path, fake_report):
    from pipeline.tools.export import export_tables

    ex = extract_file(fake_report)
    table = next(t for t in ex.tables if t.row_dimension)
    assert table.population == "idps" and table.total_col == 3
    # March adds up (1,200 + 300 = 1,500); April has no figure to add ('-', 'N/A'): no warning
    assert [w for w in ex.warnings if w.code.endswith("_total_mismatch")] == []
    (path,) = export_tables(ex, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("#date+reported,#adm2+name,#adm2+code,#affected+idps+ind")
    assert lines[2].startswith('2021-03,Soum,BF5603,1200,value,"1,200"')


def test_text_table_total_that_does_not_add_up_is_a_warning(tmp_path, fake_report):
    """The same table with March's printed total off by 10: one warning with both figures,
    and the printed total kept as printed."""
    text = fake_report.read_text(encoding="utf-8")
    assert text.count("| 1,500 |") == 1
    edited = tmp_path / "edited.txt"
    edited.write_text(text.replace("| 1,500 |", "| 1,510 |"), encoding="utf-8")
    ex = extract_file(edited)
    checks = [(w.code, w.details) for w in ex.warnings if w.code.endswith("_total_mismatch")]
    assert checks == [
        (
            "row_total_mismatch",
            {
                "table": "t2",
                "row": "March 2021",
                "printed": 1510,
                "computed": 1500,
                "page": 1,
                "caption": "Table 1: IDPs in Sahel region. Source: Invented agency, 30 April 2021, url",
            },
        )
    ]
    total = next(r for r in ex.table_records if r.period == "2021-03" and r.admin_unit is None)
    assert (total.value, total.total) == (1510, True)


def test_total_row_is_checked_column_by_column():
    from extractors.tables import annotate_table, check_totals, table_records
    from pipeline.readers.text import pipe_table

    table = pipe_table(
        [
            "| District | March 2021 | April 2021 |",
            "|---|---|---|",
            "| Kaya | 10 | 20 |",
            "| Kongoussi | 5 | - |",
            "| Total | 15 | 21 |",
        ],
        "t9",
    )
    table.caption = "Table 9: Refugees by district"
    assert annotate_table(table, EN)
    assert (table.row_dimension, table.column_dimension, table.total_row, table.total_col) == (
        "place",
        "period",
        3,
        None,
    )
    records = table_records(table, EN, "doc")
    kaya_april = next(r for r in records if r.admin_unit == "Kaya" and r.period == "2021-04")
    assert kaya_april.value == 20 and not kaya_april.total
    warnings = check_totals(table, records)
    assert [(w.code, w.details["column"], w.details["printed"], w.details["computed"]) for w in warnings] == [
        ("column_total_mismatch", "April 2021", 21, 20)
    ]


def test_a_table_of_words_gets_no_records():
    from extractors.tables import annotate_table
    from pipeline.readers.text import pipe_table

    table = pipe_table(["| Group | Leader |", "|---|---|", "| A | B |", "| C | D |"], "t1")
    assert not annotate_table(table, EN) and table.row_dimension is None


def test_table_columns_get_p_codes_from_the_report_country(fake_report):
    ex = extract_file(fake_report)  # Burkina Faso; provinces Soum and Oudalan
    codes = {r.admin_unit: r.pcode for r in ex.table_records if r.admin_unit}
    assert codes == {"Soum": "BF5603", "Oudalan": "BF5601"}
