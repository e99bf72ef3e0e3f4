"""``vocabulary`` found token by token is the set the regex finds over the whole text."""

from __future__ import annotations

import random

from pipeline.readers.textutil import _VOCAB_WORD, vocabulary


def _by_regex(text: str) -> set[str]:
    return {w.lower() for w in _VOCAB_WORD.findall(text)}


def test_vocabulary_is_the_regex_over_the_whole_text():
    text = (
        "Counter-terrorism, anti-government  forces_2020 x2 ²³ Mopti's 200-300 -start end- a--b "
        "déplacés\u00a0Bandiagara\u2009Ségou\tDjenné\nœuvre ŒUVRE Straße İstanbul ½ⅷ ١٢ abc١ ab_cd e-f-g- "
        "“quoted” (bracketed) well-known-ish co-op. A.B.C"
    )
    assert vocabulary(text) == _by_regex(text)
    assert {"counter-terrorism", "anti-government", "déplacés", "straße", "e-f-g", "co-op"} <= vocabulary(text)
    assert "forces" not in vocabulary(text)  # glued to a digit by an underscore: no word boundary


def test_vocabulary_matches_the_regex_on_random_texts():
    alphabet = "ab É-_2²½ ,.\u00a0\n\u2003'’é١ⅷ"
    rng = random.Random(17)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert vocabulary(text) == _by_regex(text), text
