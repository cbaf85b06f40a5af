"""The dialogue table: every (phase, command) pair answered, yes and no meaning what they imply, every option
Rekindle offers understood on both fronts, consent taken literally, turns that alternate, a paced close."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from store_helpers import clear_progress, load_preferences, record_ritual, rituals_kept, save_preferences

from intents import Command, CommandKind, Preferences, Rekindle, SqliteStore
from intents.content import Depth
from intents.content.phrases import default_phrases
from intents.dialogue import (
    ACTIONS,
    TABLE_COMMANDS,
    DialogueError,
    Phase,
    SessionState,
    default_dialogue,
    load_dialogue,
    phase_of,
)
from intents.household import CompletedRitual, HouseholdChange, StepRecord
from intents.replies import Listening, Pause, Reply, Speech
from intents.understanding import IntentMatcher, command_for_intent
from interaction_models import locales

NOW = datetime(2026, 12, 3, 21, 0, tzinfo=timezone.utc)
TABLE = default_dialogue()
NAMED = [Command(CommandKind.SET_NAMES, names=("Sam", "Robin")),
         Command(CommandKind.NAMES_ANSWER, names=("Sam", "Robin")), Command(CommandKind.SET_LENGTH, minutes=20),
         Command(CommandKind.MOOD, mood="tired"), Command(CommandKind.MOOD, mood="rough_day")]
COMMANDS = [Command(k) for k in TABLE_COMMANDS] + NAMED
RITUALS = ("appreciation-exchange", "weekly-date-night-planning", "touch-and-breathe")


def engine_for(path: Path, ritual: str | None, names: tuple[str, ...] = (), nights_before: int = 0) -> Rekindle:
    store = SqliteStore(path)
    if names:
        save_preferences(store, "h", Preferences(names=names))
    for n in range(1, nights_before + 1):
        record_ritual(store, "h", completed(NOW - timedelta(days=n), n))
    return Rekindle(store, clock=lambda: NOW, ritual=ritual)


def phase(state: dict[str, Any]) -> Phase:
    return phase_of(SessionState.from_dict(state))


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[Phase, tuple[Rekindle, dict[str, Any]]]:
    """A state in every phase, found by walking every command from the opening of a few rituals."""
    found: dict[Phase, tuple[Rekindle, dict[str, Any]]] = {}
    for ritual in (*RITUALS, None):  # with no ritual chosen, the third night together opens with a check-in
        engine = engine_for(tmp_path_factory.mktemp("walk") / "walk.db", ritual, nights_before=2 if not ritual else 0)
        start = engine.handle("h", Command(CommandKind.OPEN)).state
        seen, queue = {(phase(start), start["step"])}, deque([start])
        while queue and len(seen) < 200:
            state = queue.popleft()
            found.setdefault(phase(state), (engine, state))
            for command in COMMANDS:
                turn = engine.handle("h", command, state)
                key = (phase(turn.state), turn.state["step"])
                if key not in seen and not turn.reply.end_session:
                    seen.add(key)
                    queue.append(turn.state)
            clear_progress(engine.store, "h")
    # Phases a new conversation opens in: a ritual stopped midway, and one already done tonight.
    engine = engine_for(tmp_path_factory.mktemp("open") / "open.db", "appreciation-exchange")
    begun = engine.handle("h", Command(CommandKind.YES), engine.handle("h", Command(CommandKind.OPEN)).state)
    stopped = engine.handle("h", Command(CommandKind.STOP), begun.state).state
    found[Phase.RETURNING] = (engine, stopped)  # the first command of a conversation after a stop midway
    found[Phase.RESUME_OFFER] = (engine, engine.handle("h", Command(CommandKind.OPEN)).state)
    saturday = NOW + timedelta(days=2)  # a Saturday after a night together: a longer evening is offered
    longer = Rekindle(SqliteStore(tmp_path_factory.mktemp("longer") / "longer.db"), clock=lambda: saturday)
    longer.store.save("h", HouseholdChange(completed=completed(saturday - timedelta(days=1), 1)))
    found[Phase.LONGER_OFFER] = (longer, longer.handle("h", Command(CommandKind.OPEN)).state)
    done = engine_for(tmp_path_factory.mktemp("done") / "done.db", "just-a-question")
    finish(done)
    found[Phase.FINISHED] = (done, done.handle("h", Command(CommandKind.OPEN)).state)
    return found


def test_the_table_loads_with_every_action_and_phrase_it_names() -> None:
    table = load_dialogue(actions=ACTIONS, phrases=default_phrases().table)
    assert len(table.pairs()) == len(Phase) * len(TABLE_COMMANDS)


def test_the_table_names_no_action_that_does_not_exist(tmp_path: Path) -> None:
    text = Path(load_dialogue.__code__.co_filename).with_name("dialogue.yaml").read_text()
    (tmp_path / "dialogue.yaml").write_text(text.replace("      yes: start_touch\n", "      yes: start_tuoch\n", 1))
    with pytest.raises(DialogueError, match=r"touch_invite' row 'yes'.*unknown action 'start_tuoch'"):
        load_dialogue(tmp_path / "dialogue.yaml", actions=ACTIONS)


def test_every_action_is_named_by_the_table() -> None:
    """An action no row names is dead code, or a row that was meant to name it is missing."""
    named = {rule.action for _, _, rule in default_dialogue().pairs() if rule}
    assert set(ACTIONS) - named == set()


def test_a_phase_that_asks_yes_or_no_must_answer_both(tmp_path: Path) -> None:
    text = Path(load_dialogue.__code__.co_filename).with_name("dialogue.yaml").read_text()
    broken = text.replace("      yes: start_touch\n", "", 1)
    (tmp_path / "dialogue.yaml").write_text(broken)
    with pytest.raises(DialogueError, match=r"touch_invite.*'yes' needs its own row"):
        load_dialogue(tmp_path / "dialogue.yaml", actions=ACTIONS)


@pytest.mark.parametrize(("where", "command"), [(p, c) for p in Phase for c in COMMANDS],
                         ids=[f"{p.value}-{c.kind.value}{'+' if c.names or c.minutes else ''}"
                              for p in Phase for c in COMMANDS])
def test_every_pair_has_an_answer(states: dict[Phase, tuple[Rekindle, dict[str, Any]]], where: Phase,
                                  command: Command) -> None:
    engine, state = states[where]
    turn = engine.handle("h", command, state)
    clear_progress(engine.store, "h")
    check_reply(turn.reply, f"{where.value} + {command.kind.value}")
    if not turn.reply.end_session:
        assert turn.reply.listening is TABLE.spec(phase(turn.state)).listening


def check_reply(reply: Reply, context: str) -> None:
    quiet_floor = reply.floor_seconds > 0  # a floor held again for talk overheard in Alexa's window says nothing
    assert reply.text.strip() or quiet_floor, f"{context}: said nothing"
    assert "[" not in reply.text and "{" not in reply.text, f"{context}: markup spoken: {reply.text}"
    assert all(0 < s.seconds <= 600 for s in reply.segments if isinstance(s, Pause)), context
    if reply.end_session:
        assert reply.listening is Listening.NONE and not reply.reprompt, context
        assert not reply.text.rstrip().endswith("?"), f"{context}: asks a question and then closes"
    else:
        assert reply.reprompt.strip(), f"{context}: listens without a reprompt"


@pytest.mark.parametrize("where", [p for p in Phase if TABLE.spec(p).asks_yes_no])
def test_yes_and_no_mean_what_the_question_implies(states: dict[Phase, tuple[Rekindle, dict[str, Any]]],
                                                   where: Phase) -> None:
    """Where Rekindle asks a yes/no question, yes and no are rows of their own, act differently, and neither
    is taken as not understood."""
    engine, state = states[where]
    replies = {}
    for answer in (CommandKind.YES, CommandKind.NO):
        rule = TABLE.rule(where, answer)
        assert rule is not None and rule.source == f"phase {where.value!r}", (where, answer)
        assert rule.action not in ("unknown", "help", "remind", "note"), (where, answer, rule)
        turn = engine.handle("h", Command(answer), state)
        clear_progress(engine.store, "h")
        assert "didn't catch" not in turn.reply.text
        replies[answer] = (phase(turn.state), turn.reply.text)
    assert replies[CommandKind.YES] != replies[CommandKind.NO]


@pytest.fixture(scope="module")
def offered(states: dict[Phase, tuple[Rekindle, dict[str, Any]]]) -> set[tuple[str, Listening]]:
    """Every [option] a reply offers, with what Rekindle listens for as it offers it (the laptop's
    grammar; ``test_voice_offers.py`` checks the laptop hears each there)."""
    found = set()
    for engine, state in states.values():
        for command in COMMANDS:
            reply = engine.handle("h", command, state).reply
            clear_progress(engine.store, "h")
            found.update((option, reply.listening) for option in reply.offers)
    return found


def test_every_option_offered_is_understood(states: dict[Phase, tuple[Rekindle, dict[str, Any]]],
                                          matcher: IntentMatcher, matcher_for: Callable[[str], IntentMatcher]) -> None:
    """Each [option] a reply offers matches an intent in every locale and means something where it is
    offered (not "didn't catch that")."""
    models = {loc: matcher_for(loc) for loc in locales()}
    checked = set()
    for engine, state in states.values():
        for command in COMMANDS:
            turn = engine.handle("h", command, state)
            clear_progress(engine.store, "h")
            reply = turn.reply
            for option in reply.offers:
                if (option, reply.listening, phase(turn.state)) in checked:
                    continue
                checked.add((option, reply.listening, phase(turn.state)))
                for locale, model in models.items():
                    assert model.match(option) is not None, f"{locale} does not understand offered {option!r}"
                match = matcher.match(option)
                assert match is not None
                answer = engine.handle("h", command_for_intent(match.intent, match.slots), turn.state)
                clear_progress(engine.store, "h")
                assert "didn't catch" not in answer.reply.text, (option, reply.text, answer.reply.text)
    assert len({option for option, _, _ in checked}) >= 15


# ----- consent --------------------------------------------------------------------------------------------

def has_timer(reply: Reply) -> bool:
    return any(isinstance(s, Pause) and s.timer for s in reply.segments)


@pytest.mark.parametrize("where", [Phase.TOUCH_INVITE, Phase.TOUCH_ASK_AGAIN])
def test_only_a_clear_yes_starts_a_touch_moment(states: dict[Phase, tuple[Rekindle, dict[str, Any]]],
                                                where: Phase) -> None:
    engine, state = states[where]
    starters = set()
    for command in COMMANDS:
        turn = engine.handle("h", command, state)
        clear_progress(engine.store, "h")
        if has_timer(turn.reply) and phase(turn.state) is Phase.TOUCH_AFTER:
            starters.add(command.kind)
    assert starters == {CommandKind.YES, CommandKind.START}


def test_next_at_an_invitation_asks_once_more_then_moves_on(states: dict[Phase, tuple[Rekindle, dict[str, Any]]]
                                                            ) -> None:
    engine, state = states[Phase.TOUCH_INVITE]
    asked = engine.handle("h", Command(CommandKind.NEXT), state)
    assert phase(asked.state) is Phase.TOUCH_ASK_AGAIN and not has_timer(asked.reply)
    moved = engine.handle("h", Command(CommandKind.NEXT), asked.state)
    assert not has_timer(moved.reply) and moved.state["step"] > state["step"]
    assert state["step"] in moved.state["skipped"]
    clear_progress(engine.store, "h")


def test_the_opt_out_is_offered_once_per_invitation(states: dict[Phase, tuple[Rekindle, dict[str, Any]]]) -> None:
    engine, state = states[Phase.TOUCH_INVITE]
    invitation = engine.handle("h", Command(CommandKind.REPEAT), state).reply
    clear_progress(engine.store, "h")
    invite = engine.content.touch_prompts[state["plan"]["steps"][state["step"]]["touch_id"]].invite
    own = [s.text.lower() for s in invitation.segments if isinstance(s, Speech) and s.text != invite]
    # Rekindle's own words offer the opt-out once; the content's invitations are linted for their own.
    assert own == ["say yes when you're both ready, or no to pass."], own


def test_no_touch_tonight_is_kept_for_the_night_on_every_device(tmp_path: Path) -> None:
    engine = engine_for(tmp_path / "t.db", "touch-and-breathe")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    state = engine.handle("h", Command(CommandKind.YES), state).state
    turn = engine.handle("h", Command(CommandKind.NO_TOUCH_TONIGHT), state)
    assert turn.reply.end_session and not has_timer(turn.reply)  # every touch step of the ritual left out
    assert load_preferences(engine.store, "h").no_touch_night == NOW.date()
    speaker = Rekindle(SqliteStore(tmp_path / "t.db"), clock=lambda: NOW + timedelta(hours=1))
    assert "touch" not in speaker.handle("h", Command(CommandKind.OPEN)).reply.text.lower()
    tomorrow = Rekindle(SqliteStore(tmp_path / "t.db"), clock=lambda: NOW + timedelta(days=1),
                        ritual="touch-and-breathe")
    assert any(s["kind"] == "touch" for s in tomorrow.tonight("h").to_dict()["steps"])


def test_preferences_said_aloud_are_stored(tmp_path: Path) -> None:
    engine = engine_for(tmp_path / "p.db", None)
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    for command, check in ((Command(CommandKind.TOUCH_OFF), lambda p: not p.touch),
                           (Command(CommandKind.DEPTH_SETTING, depth="light"),
                            lambda p: p.depth_ceiling is Depth.LIGHT),
                           (Command(CommandKind.TOUCH_ON), lambda p: p.touch),
                           (Command(CommandKind.DEPTH_SETTING, depth="deeper"),
                            lambda p: p.depth_ceiling is Depth.DEEPEST)):
        kind = command.kind
        turn = engine.handle("h", command, state)
        state = turn.state
        assert check(load_preferences(engine.store, "h")), kind
        assert phase(state) is Phase.OFFER and "Tonight's ritual is now" in turn.reply.text
    state = engine.handle("h", Command(CommandKind.TOUCH_OFF), state).state
    assert all(s["kind"] != "touch" for s in state["plan"]["steps"])


def test_keep_it_light_swaps_a_deep_question_being_answered(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "l.db")
    for day in range(1, 8):  # a week in a row: tonight's questions are deep
        night = NOW.date() - timedelta(days=day)
        record_ritual(store, "h", CompletedRitual(f"s{day}", "gratitude-before-sleep", night,
                                                  NOW - timedelta(days=day), "text", (StepRecord("closing"),)))
    engine = Rekindle(store, clock=lambda: NOW, ritual="appreciation-exchange")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    state = engine.handle("h", Command(CommandKind.YES), state).state
    assert state["plan"]["depth"] != "light"
    turn = engine.handle("h", Command(CommandKind.KEEP_LIGHT), state)
    questions = [engine.content.questions[s["question_id"]] for s in turn.state["plan"]["steps"]
                 if s.get("question_id")]
    assert questions and all(q.depth is Depth.LIGHT for q in questions)
    assert "lighter one" in turn.reply.text


# ----- turns -------------------------------------------------------------------------------------------

def test_who_begins_alternates_per_question_and_per_night(tmp_path: Path) -> None:
    engine = engine_for(tmp_path / "turns.db", "weekly-relationship-check-in", names=("Sam", "Robin"))
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    turn = engine.handle("h", Command(CommandKind.YES), state)
    firsts = []
    while not turn.reply.end_session:
        if phase(turn.state) is Phase.QUESTION_FIRST:
            firsts.append("Sam, you" if "Sam, you" in turn.reply.text else "Robin, you")
        turn = engine.handle("h", Command(CommandKind.NEXT if phase(turn.state) is not Phase.TOUCH_INVITE
                                          else CommandKind.NO), turn.state)
    assert len(firsts) >= 3 and all(a != b for a, b in itertools.pairwise(firsts)), firsts
    tomorrow = Rekindle(SqliteStore(tmp_path / "turns.db"), clock=lambda: NOW + timedelta(days=1),
                        ritual="weekly-relationship-check-in")
    state = tomorrow.handle("h", Command(CommandKind.OPEN)).state
    first_tomorrow = tomorrow.handle("h", Command(CommandKind.YES), state).reply.text
    assert ("Sam, you" in first_tomorrow) != (firsts[0] == "Sam, you")


# ----- pacing ---------------------------------------------------------------------------------------------

def completed(night: datetime, n: int) -> CompletedRitual:
    return CompletedRitual(f"past{n}", "gratitude-before-sleep", night.date(), night, "text", (StepRecord("closing"),))


def finish(engine: Rekindle) -> Reply:
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    turn = engine.handle("h", Command(CommandKind.YES), state)
    while not turn.reply.end_session:
        turn = engine.handle("h", Command(CommandKind.NEXT), turn.state)
    return turn.reply


def test_the_nights_count_is_said_at_milestones_before_the_goodnight_and_agrees_with_history(tmp_path: Path
                                                                                             ) -> None:
    store = SqliteStore(tmp_path / "m.db")
    for n in range(1, 7):
        record_ritual(store, "h", completed(NOW - timedelta(days=n), n))
    engine = Rekindle(store, clock=lambda: NOW, ritual="just-a-question")
    closing = finish(engine)
    said = [s.text for s in closing.segments if isinstance(s, Speech)]
    assert "That's 7 nights you've shared with Rekindle." in said
    assert "7 nights" not in said[-1]  # the ritual's own goodnight comes last
    again = finish(engine)  # a second ritual the same night: still seven nights, and not said again
    assert "nights" not in again.text and len({r.night for r in rituals_kept(store, "h")}) == 7
    record_ritual(store, "h", completed(NOW + timedelta(days=1), 9))
    eighth = Rekindle(store, clock=lambda: NOW + timedelta(days=2), ritual="just-a-question")
    assert "nights" not in finish(eighth).text  # nine nights: no milestone


def test_a_heavy_last_question_is_landed_before_the_close(tmp_path: Path) -> None:
    engine = engine_for(tmp_path / "h.db", "just-a-question")
    plan = engine.tonight("h")
    deepest = next(q for q in engine.content.questions.values() if q.depth is Depth.DEEPEST)
    steps = [s.to_dict() for s in plan.steps]
    index = next(i for i, s in enumerate(steps) if s["kind"] == "question")
    steps[index] = {"kind": "question", "question_id": deepest.id}
    state = {**SessionState.new(plan).to_dict(), "stage": "step", "step": index, "part": 1,
             "plan": {**plan.to_dict(), "steps": steps}}
    closing = engine.handle("h", Command(CommandKind.NEXT), state).reply
    said = [s.text for s in closing.segments if isinstance(s, Speech)]
    landing = default_phrases().table["landing"]
    assert any(line in landing for line in said[:-1]) and said[-1] not in landing
    light = {**state, "plan": {**state["plan"], "steps": [{"kind": "question", "question_id": next(
        q.id for q in engine.content.questions.values() if q.depth is Depth.LIGHT)} if i == index else s
        for i, s in enumerate(steps)]}}
    plain = engine.handle("h", Command(CommandKind.NEXT), light).reply
    assert not any(s.text in landing for s in plain.segments if isinstance(s, Speech))


def test_a_question_intro_says_tonight_once_then_next(tmp_path: Path) -> None:
    engine = engine_for(tmp_path / "q.db", "weekly-relationship-check-in")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    turn = engine.handle("h", Command(CommandKind.YES), state)
    intros: list[str] = []
    phrases = default_phrases().table
    while not turn.reply.end_session:
        said = [s.text for s in turn.reply.segments if isinstance(s, Speech)]
        intros += [t for t in said if t in phrases["question_intro_first"] + phrases["question_intro_next"]]
        assert turn.reply.text.count("say next") <= 1, turn.reply.text
        turn = engine.handle("h", Command(CommandKind.NEXT if phase(turn.state) is not Phase.TOUCH_INVITE
                                          else CommandKind.NO), turn.state)
    assert intros[0] in phrases["question_intro_first"]
    assert intros[1:] and all(i in phrases["question_intro_next"] for i in intros[1:])


def test_a_different_question_never_echoes_the_rituals_own_words(tmp_path: Path) -> None:
    engine = engine_for(tmp_path / "d.db", None)
    template = next(r for r in engine.content.rituals.values() if engine.planner.twins_of(r) and any(
        s.kind == "question" and not s.prompt for s in r.steps))
    engine = Rekindle(SqliteStore(tmp_path / "e.db"), clock=lambda: NOW, ritual=template.id)
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    turn = engine.handle("h", Command(CommandKind.YES), state)
    while not turn.state["plan"]["steps"][turn.state["step"]].get("question_id"):
        turn = engine.handle("h", Command(CommandKind.NEXT if phase(turn.state) is not Phase.TOUCH_INVITE
                                          else CommandKind.NO), turn.state)
    asked = []
    for _ in range(12):
        turn = engine.handle("h", Command(CommandKind.DIFFERENT_QUESTION), turn.state)
        asked.append(turn.state["plan"]["steps"][turn.state["step"]]["question_id"])
    assert not set(asked) & engine.planner.twins_of(template), template.id
    assert len(set(asked)) == len(asked)  # and never one already asked tonight


@pytest.mark.parametrize("where", list(Phase), ids=[p.value for p in Phase])
def test_help_ends_with_a_question_and_keeps_listening(states: dict[Phase, tuple[Rekindle, dict[str, Any]]],
                                                       where: Phase) -> None:
    """Certification asks that help keep the session open with a question; every phase's help does."""
    engine, state = states[where]
    turn = engine.handle("h", Command(CommandKind.HELP), state)
    clear_progress(engine.store, "h")
    assert turn.reply.text.rstrip().endswith("?"), turn.reply.text
    assert not turn.reply.end_session and turn.reply.listening is not Listening.NONE
