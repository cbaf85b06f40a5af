"""The content library: sizes, schema, safety rules, and errors that name file and entry."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from intents.content import (
    CONTENT_DIR,
    GENTLE_TONES,
    MAX_UTTERANCE,
    THEMES,
    ContentError,
    Depth,
    Pillar,
    load_content,
    load_forbidden,
    load_reviewed_pairs,
    near_duplicate_groups,
    wording,
)
from intents.content.phrases import load_phrases

LIB = load_content()


def all_texts() -> list[tuple[str, str]]:
    texts = [(q.id, q.text) for q in LIB.questions.values()]
    for t in LIB.touch_prompts.values():
        texts += [(t.id, t.invite), (t.id, t.start), (t.id, t.end)] + ([(t.id, t.halfway)] if t.halfway else [])
    for r in LIB.rituals.values():
        texts.append((r.id, r.title))
        texts += [(r.id, line) for line in r.fixed_texts()]  # every wording, recalling ones included
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
    assert kinds >= {"narration", "question", "task", "touch", "reflection", "closing"}
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


NARRATION = {"kind": "narration", "text": ["Slow down now.", "Breathe out.", "Lean back a little."]}
CLOSING = {"kind": "closing", "text": ["Bye for now.", "Until tomorrow evening.", "Off to dreamland."]}


def then_closing(*steps: dict[str, object]) -> dict[str, object]:
    """A ritual change: these steps, then a closing."""
    return {"steps": [*steps, {"kind": "closing", "text": "Bye."}]}


@cache
def _parsed(filename: str) -> Any:
    # Read once per worker, with libyaml: the pure-Python parser and emitter took 0.3 s of each lint test's
    # 0.45 s on rituals.yaml, and the library under test reads with libyaml too.
    return yaml.load((CONTENT_DIR / filename).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def source(filename: str) -> Any:
    """A content file of the library as YAML data, the caller's own copy to change."""
    return copy.deepcopy(_parsed(filename))


def broken_copy(tmp_path: Path, filename: str, key: str, index: int, change: dict[str, object]) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    data = source(filename)
    data[key][index].update(change)
    (target / filename).write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
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
        ("rituals.yaml", "rituals", then_closing({"kind": "touch", "touch_kind": "juggling"}), "juggling"),
        ("rituals.yaml", "rituals", then_closing({"kind": "dance"}), "'kind'"),
        # the guide's voice: no partner's first person outside a framed quotation
        ("questions.yaml", "questions", {"text": "What do you admire in me?"}, "speaks as a partner (me)"),
        ("questions.yaml", "questions", {"text": "Which meal we shared do you remember?"}, "(we)"),
        ("questions.yaml", "questions", {"text": "Tell your partner I'm grateful."}, "(I'm)"),
        ("touch_prompts.yaml", "touch_prompts", {"start": "Hold our hands."}, "'start' speaks as a partner"),
        ("rituals.yaml", "rituals", {"title": "Our night"}, "'title' speaks as a partner"),
        # declining is taught as "no": Alexa hears "skip" as next
        ("questions.yaml", "questions", {"text": "Would you rather skip hugs when tired?"}, "teach 'no'"),
        # touch invitations: the engine adds the one opt-out, the invite says who acts, swaps get a cue
        ("touch_prompts.yaml", "touch_prompts", {"invite": "If you both like, hug. Saying no is always fine."},
         "own opt-out"),
        ("touch_prompts.yaml", "touch_prompts", {"invite": "If you both like, hug, and either of you can pass."},
         "own opt-out"),
        ("touch_prompts.yaml", "touch_prompts",
         {"invite": "If your partner would welcome it, rest your hands on their shoulders."}, "who acts"),
        ("touch_prompts.yaml", "touch_prompts", {"invite": "Hold each other's hands."}, "with an 'if'"),
        ("touch_prompts.yaml", "touch_prompts",
         {"invite": "If you'd both like, one of you rubs the other's hands, then you swap.", "halfway": None},
         "needs a 'halfway' cue"),
        ("touch_prompts.yaml", "touch_prompts", {"halfway": "Now breathe slower."}, "never say to swap"),
        # depth and fit
        ("rituals.yaml", "rituals", {"tone": "light", "depth": ["light", "deepest"]}, "never reaches the deepest"),
        ("rituals.yaml", "rituals", {"depth": ["deepest", "light"]}, "put the lower depth first"),
        ("rituals.yaml", "rituals", {"depth": "deep"}, "'depth' must be [lowest, highest]"),
        ("rituals.yaml", "rituals", {"tone": "grim"}, "'tone'"),
        ("rituals.yaml", "rituals", {"presumes": "hard_day", "fits": []}, "list the moods it 'fits'"),
        ("rituals.yaml", "rituals", {"presumes": "heartbreak"}, "'presumes'"),
        ("rituals.yaml", "rituals", {"fits": ["grumpy"]}, "'fits'"),
        ("rituals.yaml", "rituals", {"avoid": ["q-nowhere-01"]}, "q-nowhere-01"),
        ("rituals.yaml", "rituals", {"depth": ["light", "deeper"], **then_closing(
            {"kind": "question", "prompt": "Share one good thing."})}, "asks no library question"),
        # a thing the two do together is a task, not a question each answers in turn
        ("rituals.yaml", "rituals", then_closing({"kind": "question", "prompt": "Pick a night together."}),
         "make it a 'task'"),
        ("rituals.yaml", "rituals", then_closing({"kind": "task", "text": "Who will cook?"}), "not a question"),
        ("rituals.yaml", "rituals", then_closing({"kind": "task"}), "'text' must be non-empty"),
        # every ritual line in several wordings, each obeying the same rules
        ("rituals.yaml", "rituals", {"steps": [{"kind": "narration", "text": ["Slow down now.", "Breathe out."]},
                                               CLOSING]}, "has 2 wording(s); a nightly ritual's narration needs 3"),
        ("rituals.yaml", "rituals", {"cadence": "weekly"}, "a weekly ritual's narration needs 5"),
        ("rituals.yaml", "rituals", then_closing({"kind": "narration", "text": ["Hello there.", "Hello there."]}),
         "the same wording twice"),
        ("rituals.yaml", "rituals", then_closing({"kind": "narration", "text": ["Be near.", "Hold my hand."]}),
         "speaks as a partner (my)"),
        ("rituals.yaml", "rituals", then_closing({"kind": "task", "text": ["Cook a snack.", "Who will cook?"]}),
         "not a question"),
        ("rituals.yaml", "rituals", then_closing({"kind": "question", "prompt": ["How was it?", "Choose a night."]}),
         "make it a 'task'"),
        ("rituals.yaml", "rituals", {"steps": [{**NARRATION, "recall": {"after": ["nowhere"], "nights": [1, 5],
                                                                         "text": ["A", "B", "C"]}}, CLOSING]},
         "'recall' needs 'after'"),
        ("rituals.yaml", "rituals", {"steps": [{**NARRATION, "recall": {"after": ["tiny-date"], "nights": [1, 90],
                                                                         "text": ["A", "B", "C"]}}, CLOSING]},
         "'recall' needs 'nights'"),
        ("rituals.yaml", "rituals", {"steps": [{**NARRATION, "recall": {"after": ["tiny-date"], "nights": [1, 5],
                                                                         "text": ["Once more.", "Again."]}}, CLOSING]},
         "step 1 recall': has 2 wording(s)"),
        ("rituals.yaml", "rituals", {"steps": [{**NARRATION, "recall": {"after": ["tiny-date"], "nights": [1, 5],
                                                                         "text": ["Last time my turn."]}}, CLOSING]},
         "speaks as a partner (my)"),


        # kinds a couple asks for: declared, true of the ritual, and every ritual offered unasked has one
        ("rituals.yaml", "rituals", {"kinds": ["weather"]}, "not declared: weather"),
        ("rituals.yaml", "rituals", {"kinds": []}, "so that a couple can ask for it"),
        ("rituals.yaml", "rituals", {"kinds": ["talk"]}, "holds no touch step"),
        ("rituals.yaml", "rituals", {"kinds": ["touch"], "steps": [
            {"kind": "touch", "touch_kind": "hug"}, {"kind": "question"},
            {"kind": "closing", "text": ["Rest well.", "Sleep softly.", "Until tomorrow."]}]},
         "asks nothing but touch"),
    ],
)
def test_lint_names_file_and_entry(tmp_path: Path, filename: str, key: str, change: dict[str, object],
                                   message: str) -> None:
    directory = broken_copy(tmp_path, filename, key, 2, change)
    entry_id = _parsed(filename)[key][2]["id"]
    with pytest.raises(ContentError) as err:
        load_content(directory)
    assert filename in str(err.value)
    assert entry_id in str(err.value)
    assert message in str(err.value)


def test_duplicate_ids_are_named(tmp_path: Path) -> None:
    first = _parsed("questions.yaml")["questions"][0]["id"]
    directory = broken_copy(tmp_path, "questions.yaml", "questions", 5, {"id": first})
    with pytest.raises(ContentError, match=f"questions.yaml: entry '{first}': duplicate id"):
        load_content(directory)


def test_unreadable_yaml_is_named(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    (target / "touch_prompts.yaml").write_text("touch_prompts: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"touch_prompts\.yaml: cannot read"):
        load_content(target)


def test_a_framed_quotation_may_speak_as_a_partner(tmp_path: Path) -> None:
    framed = "Ask each other: what could we do this weekend that would feel like a rest?"
    directory = broken_copy(tmp_path, "questions.yaml", "questions", 2, {"text": framed})
    assert load_content(directory).questions["q-appreciation-light-03"].text == framed
    assert wording.first_person("Let your hand be a quiet way of saying: I'm here.") == []
    assert wording.first_person("Say what you like. I'm here.") == ["I'm"]
    assert wording.first_person("Let's begin.") == []  # the guide inviting, not a partner speaking


def test_guide_voice_throughout() -> None:
    for ident, text in all_texts():
        assert not wording.first_person(text), (ident, text)
        assert not wording.SKIP.search(text), (ident, text)
    spoken_to_a_partner = [q.id for q in LIB.questions.values()
                           if not re.search(r"\byour?\b", q.text, re.IGNORECASE)]
    assert not spoken_to_a_partner, "each question is asked of the partner answering it"


def test_touch_invitations_leave_the_opt_out_to_the_engine_and_say_who_acts() -> None:
    for t in LIB.touch_prompts.values():
        assert not wording.opt_outs(t.invite), t.id
        assert wording.WHO_ACTS.search(t.invite), t.id
        if wording.SWAP.search(f"{t.invite} {t.start}"):
            assert t.halfway and t.seconds >= 30, t.id
    assert sum(bool(t.halfway) for t in LIB.touch_prompts.values()) >= 10


def test_no_unreviewed_near_duplicates_and_no_stale_reviews() -> None:
    reviewed = load_reviewed_pairs()
    found = {wording.pair_key(a.where, b.where)
             for lines in near_duplicate_groups(LIB).values() for a, b, _ in wording.near_duplicates(lines)}
    assert found == set(reviewed)
    assert all(len(why) > 20 for why in reviewed.values())


def test_the_near_duplicate_lint_catches_a_copy(tmp_path: Path) -> None:
    first = LIB.questions["q-appreciation-light-01"].text
    directory = broken_copy(tmp_path, "questions.yaml", "questions", 2,
                            {"text": first.replace("made you smile", "made you grin")})
    with pytest.raises(ContentError, match="'q-appreciation-light-01' and 'q-appreciation-light-03' are near"):
        load_content(directory)


def test_a_stale_review_is_named(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    with (target / "reviewed_pairs.yaml").open("a", encoding="utf-8") as pairs:
        pairs.write("  - {a: q-memories-light-01, b: t-hug-01 end, why: not alike at all}\n")
    with pytest.raises(ContentError, match="no longer near copies"):
        load_content(target)


def test_depth_fits_tone_and_presumed_states_are_never_random() -> None:
    for r in LIB.rituals.values():
        low, high = r.depth_range
        assert low <= high, r.id
        if r.tone in GENTLE_TONES:
            assert high < Depth.DEEPEST, r.id
        if r.presumes:
            assert r.fits, r.id
    presumed = {r.presumes for r in LIB.rituals.values() if r.presumes}
    assert presumed == {"hard_day", "distant_week", "tension"}
    assert LIB.rituals["laughter-and-lightness"].depth_range[1] is Depth.LIGHT


def test_the_seed_framework_is_served() -> None:
    questions = " ".join(q.text for q in LIB.questions.values())
    rituals = {r.id: " ".join(r.fixed_texts()) for r in LIB.rituals.values()}
    everything = questions + " ".join(rituals.values())
    assert "most connected to your partner" in questions
    assert "receive love and closeness" in questions
    assert everything.count("Neither is wrong") >= 2  # closeness before touch, or through touch
    assert "feel wanted" in questions and "most wanted" in questions
    assert "kind no" in rituals["invitations-and-kind-nos"]
    assert "talking with someone you both trust can help" in rituals["gentle-repair"]
    assert "say pause or stop" in rituals["gentle-repair"]
    assert any(s.kind == "touch" for s in LIB.rituals["end-of-day-check-in"].steps)
    walk = [s.text for s in LIB.rituals["moving-together"].steps if s.kind == "task"]
    assert walk and all(w in walk[0] for w in ("walk", "stretch", "drink"))


def test_date_night_at_every_length_with_something_to_do_that_night() -> None:
    from intents.planning import length_fits

    for minutes in (5, 10, 20):
        dates = [r for r in LIB.rituals.values() if "date" in r.id and r.cadence == "nightly"
                 and length_fits(r, minutes)]
        assert dates, minutes
        assert all(any(s.kind == "task" for s in r.steps) for r in dates), minutes
    planning = " ".join(LIB.rituals["weekly-date-night-planning"].fixed_texts())
    assert "calendar" not in planning  # nothing was put on a calendar


def test_every_ritual_line_has_its_wordings_and_the_first_is_its_first_telling() -> None:
    from intents.content import MIN_WORDINGS, WEEKLY_POOL, wordings_needed

    lines = 0
    for r in LIB.rituals.values():
        for step in r.steps:
            if step.kind in ("narration", "task", "reflection", "closing") or step.prompt:
                assert len(step.wordings) >= wordings_needed(r, step) >= MIN_WORDINGS, (r.id, step.kind)
                assert (step.text or step.prompt) == step.wordings[0]
                lines += 1
            if r.cadence == "weekly" and step.kind in ("task", "question") and step.wordings:
                assert len(step.wordings) >= WEEKLY_POOL, (r.id, step.kind)
    assert lines >= 100
    recalls = {r.id for r in LIB.rituals.values() for s in r.steps if s.recall}
    assert {"weekly-date-night-planning", "weekly-relationship-check-in", "memory-lane"} <= recalls
    planning = LIB.rituals["weekly-date-night-planning"]
    assert any("planned an evening" in w for s in planning.steps if s.recall for w in s.recall.wordings)


def test_a_kind_no_ritual_is_of_is_named(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    data = source("rituals.yaml")
    data["kinds"]["stargazing"] = {"said": "stargazing"}
    (target / "rituals.yaml").write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError, match="kind 'stargazing': no ritual is of this kind"):
        load_content(target)

