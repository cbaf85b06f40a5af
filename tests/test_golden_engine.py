"""Golden transcripts hold for every wording of Rekindle's phrases (every front runs them: test_goldens.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fronts import EngineFront
from golden_transcripts import Golden, load_goldens

from intents.content.phrases import default_phrases

GOLDENS = load_goldens()
VARIANTS = max(len(v) for v in default_phrases().table.values())


@pytest.mark.parametrize("variant", range(VARIANTS))
@pytest.mark.parametrize("golden", GOLDENS, ids=[g.name for g in GOLDENS])
def test_golden_holds_for_every_phrase_variant(golden: Golden, variant: int, tmp_path: Path) -> None:
    """A golden expects what every night says, not one night's wording (phrases pinned to each variant)."""
    EngineFront(default_phrases().pinned(variant)).play(golden, tmp_path)
