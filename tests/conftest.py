from __future__ import annotations

import sys
from pathlib import Path

import pytest

from intents.understanding import IntentMatcher

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder and store, so nothing touches the user's."""
    home = tmp_path / "rekindle-home"
    monkeypatch.setenv("REKINDLE_HOME", str(home))
    monkeypatch.delenv("REKINDLE_STORE", raising=False)
    monkeypatch.delenv("REKINDLE_HOUSEHOLD", raising=False)
    return home


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    """The en-US interaction model's matcher."""
    return IntentMatcher.for_locale("en-US")


@pytest.fixture(scope="module")
def recogniser(matcher: IntentMatcher) -> object:
    """The recogniser ``rekindle talk`` would load here (the embedded PocketSphinx; needs the voice extra)."""
    from local_voice.engines import load_recogniser

    return load_recogniser(matcher)
