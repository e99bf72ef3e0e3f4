from __future__ import annotations

import pytest

from pipeline.readers.detect import sniff
from schemas.document import InputKind
from schemas.errors import EmptyFileError, UnsupportedFormatError

TEXT = "Côte d'Ivoire: 1 250 IDPs in Bouaké, «mid-2021»."


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("latin-1"), "cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16le-no-bom", "latin1"],
)
def test_text_encodings_decode_to_the_same_text(data, encoding):
    sniffed = sniff(data, "x")
    assert sniffed.kind is InputKind.text
    assert sniffed.encoding == encoding
    assert sniffed.text.lstrip("\ufeff") == TEXT


def test_invalid_utf8_bytes_are_replaced_with_a_warning():
    data = "Bouaké and Ségou ".encode() + b"\xff\xfe-broken"
    sniffed = sniff(data, "x")
    assert sniffed.encoding == "utf-8" and "Bouaké" in sniffed.text
    assert "not valid UTF-8" in sniffed.warnings[0]


def test_pdf_is_recognised_by_its_header():
    assert sniff(b"%PDF-1.7\n...", "a.txt").kind is InputKind.pdf


@pytest.mark.parametrize(
    "data, error, words",
    [
        (b"", EmptyFileError, "empty"),
        (b"  \n\t\n", EmptyFileError, "white space"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), UnsupportedFormatError, "PNG image"),
        (b"PK\x03\x04" + bytes(100), UnsupportedFormatError, "Office document"),
        (bytes(range(256)) * 4, UnsupportedFormatError, "binary"),
    ],
)
def test_refusals_name_the_file_and_the_reason(data, error, words):
    with pytest.raises(error) as info:
        sniff(data, "inbox/report one.pdf")
    assert str(info.value).startswith("inbox/report one.pdf: ") and words in str(info.value)
