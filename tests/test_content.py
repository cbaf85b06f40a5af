"""The content library: sizes, schema, safety rules, and errors that name file and entry."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from intents.content import (
    CONTENT_DIR,
    MAX_UTTERANCE,
    THEMES,
    ContentError,
    Depth,
    Pillar,
    load_content,
    load_forbidden,
)
from intents.phrases import load_phrases

LIB = load_content()


def all_texts() -> list[tuple[str, str]]:
    texts = [(q.id, q.text) for q in LIB.questions.values()]
    for t in LIB.touch_prompts.values():
        texts += [(t.id, t.invite), (t.id, t.start), (t.id, t.end)]
    for r in LIB.rituals.values():
        texts.append((r.id, r.title))
        texts += [(r.id, s.text or s.prompt or "") for s in r.steps if s.text or s.prompt]
    return texts


def test_library_sizes() -> None:
    counts = LIB.counts()
    assert counts["questions"] >= 90
    assert counts["touch_prompts"] >= 30
    assert counts["rituals"] >= 12
    for depth in Depth:
        assert counts[f"questions_{depth.name.lower()}"] >= 20


def test_every_theme_and_pillar_is_covered() -> None:
    themes = Counter(q.theme for q in LIB.questions.values())
    assert set(themes) == set(THEMES)
    pillars = Counter(q.pillar for q in LIB.questions.values())
    assert pillars[Pillar.EMOTIONAL_INTELLIGENCE] >= 20
    assert pillars[Pillar.SEXUAL_FITNESS] >= 20


def test_required_rituals_and_step_kinds() -> None:
    kinds = {s.kind for r in LIB.rituals.values() for s in r.steps}
    assert kinds >= {"narration", "question", "touch", "reflection", "closing"}
    assert {"just-a-question", "just-a-touch"} <= set(LIB.rituals)
    assert any(r.cadence == "weekly" for r in LIB.rituals.values())
    for r in LIB.rituals.values():
        assert r.steps[-1].kind == "closing", r.id


def test_touch_prompts_are_consent_forward() -> None:
    for t in LIB.touch_prompts.values():
        assert 15 <= t.seconds <= 300, t.id
        invite = t.invite.lower()
        assert any(w in invite for w in ("if", "only", "would like", "skip", "feels", "want")), t.id


def test_texts_are_speakable_and_clean() -> None:
    forbidden = load_forbidden()
    for ident, text in all_texts():
        assert len(text) <= MAX_UTTERANCE, ident
        for word in forbidden:
            assert f" {word} " not in f" {text.lower()} ", (ident, word)


def test_phrases_load() -> None:
    phrases = load_phrases()
    assert "Shall we begin" in phrases.say("welcome", title="X", minutes=5)


def test_content_json_command() -> None:
    out = subprocess.run([sys.executable, "-m", "rekindle", "content", "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["questions"] == len(LIB.questions)
    assert data["touch_prompts"] == len(LIB.touch_prompts)
    assert data["rituals"] == len(LIB.rituals)


# --- the linter names the file and the entry for each kind of mistake -------------------------


def broken_copy(tmp_path: Path, filename: str, key: str, index: int, change: dict[str, object]) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    path = target / filename
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[key][index].update(change)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("filename", "key", "change", "message"),
    [
        ("questions.yaml", "questions", {"depth": "bottomless"}, "'depth'"),
        ("questions.yaml", "questions", {"theme": "weather"}, "'theme'"),
        ("questions.yaml", "questions", {"text": "x" * 301}, "limit is 300"),
        ("questions.yaml", "questions", {"text": "Tell me about your wife."}, "forbidden word 'wife'"),
        ("questions.yaml", "questions", {"text": "What is 50% of joy?"}, "read aloud"),
        ("questions.yaml", "questions", {"text": "Does this cure stress?"}, "forbidden word 'cure'"),
        ("touch_prompts.yaml", "touch_prompts", {"seconds": 900}, "'seconds'"),
        ("touch_prompts.yaml", "touch_prompts", {"invite": ""}, "'invite'"),
        ("rituals.yaml", "rituals", {"minutes": 0}, "'minutes'"),
        ("rituals.yaml", "rituals", {"steps": [{"kind": "closing", "text": "Bye."},
                                               {"kind": "narration", "text": "Hi."}]}, "closing"),
        ("rituals.yaml", "rituals", {"steps": [{"kind": "touch", "touch_kind": "juggling"},
                                               {"kind": "closing", "text": "Bye."}]}, "juggling"),
        ("rituals.yaml", "rituals", {"steps": [{"kind": "dance"}, {"kind": "closing", "text": "Bye."}]},
         "'kind'"),
    ],
)
def test_lint_names_file_and_entry(tmp_path: Path, filename: str, key: str, change: dict[str, object],
                                   message: str) -> None:
    directory = broken_copy(tmp_path, filename, key, 2, change)
    entry_id = yaml.safe_load((CONTENT_DIR / filename).read_text(encoding="utf-8"))[key][2]["id"]
    with pytest.raises(ContentError) as err:
        load_content(directory)
    assert filename in str(err.value)
    assert entry_id in str(err.value)
    assert message in str(err.value)


def test_duplicate_ids_are_named(tmp_path: Path) -> None:
    first = yaml.safe_load((CONTENT_DIR / "questions.yaml").read_text(encoding="utf-8"))["questions"][0]["id"]
    directory = broken_copy(tmp_path, "questions.yaml", "questions", 5, {"id": first})
    with pytest.raises(ContentError, match=f"questions.yaml: entry '{first}': duplicate id"):
        load_content(directory)


def test_unreadable_yaml_is_named(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    (target / "touch_prompts.yaml").write_text("touch_prompts: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"touch_prompts\.yaml: cannot read"):
        load_content(target)
