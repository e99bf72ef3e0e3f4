"""What the structured readers (web pages, Word documents) share: the :class:`Read` they
return, their errors, and footnote markers held in raw text until it is folded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemas.document import FootnoteRef, Page
from schemas.errors import IngestError, LimitExceededError


class CorruptDocumentError(IngestError):
    """A Word document whose ZIP container or parts are damaged or missing."""

    code = "corrupt_document"


class NestingTooDeepError(LimitExceededError):
    """Markup nested deeper than the parser follows: the rest of the page would be lost silently."""

    code = "too_deep"


@dataclass
class Read:
    pages: list[Page]
    text: str
    properties: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


MARK = "\ue000"
"""Stands in a block's raw text for a footnote marker until the text is folded."""


def marked_text(raw: str, numbers: list[int]) -> tuple[str, list[FootnoteRef]]:
    """Fold the white space of ``raw``, in which each :data:`MARK` stands for the next of
    ``numbers``, and return the clean text with each marker as a :class:`FootnoteRef` at the
    offset where it stood (a space before a marker goes: ``troops. ¹`` is ``troops.¹``)."""
    text = re.sub(rf"\s*{MARK}", MARK, re.sub(r"\s+", " ", raw).strip())
    refs: list[FootnoteRef] = []
    out: list[str] = []
    length = 0
    pending = iter(numbers)
    for piece in re.split(f"({MARK})", text):
        if piece == MARK:
            number = next(pending, None)
            if number is not None:
                refs.append(FootnoteRef(number=number, offset=length))
        else:
            out.append(piece)
            length += len(piece)
    return "".join(out), refs
