"""Alexa's microphone window: where the couple talks, a reply holds the floor (the session stays open, "Alexa,
next" said over it acts at once), ends with a soft cue and a reprompt naming next, more time and the way back;
only a couple who outlast it leave the session, and coming back is greeted for what happened; the laptop keeps
listening; overheard words act as nothing and store nothing.

The walks run the engine as the Alexa adapter does (with a microphone window); the floor, re-entry and naming
tests go through the real Lambda handler with real request envelopes over a real SQLite store.
"""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from store_helpers import clear_progress, load_preferences, load_progress, save_preferences, save_progress
from test_alexa_helpers import SKILL_ID, USER_ID, Conversation, speech_text
from test_dialogue import check_reply

from intents import Command, CommandKind, Preferences, Rekindle, SqliteStore
from intents.dialogue import TABLE_COMMANDS, DialogueError, Phase, SessionState, default_dialogue, phase_of
from intents.dialogue.interpreter import ACTIONS
from intents.dialogue.table import TABLE_PATH, load_dialogue
from intents.replies import Cue, CueKind, Listening, Pause, Reply, Speech
from intents.understanding import IntentMatcher, command_for_intent
from intents.window import MAX_FLOOR_SECONDS, OVERHEARD_FLOORS, Left, MicrophoneWindow
from interaction_models import language_model, locales
from skill.lambda_function import make_lambda_handler
from skill.ssml import CUE_SOUNDS
from skill.turns import STATE_KEY, microphone_window

NOW = datetime(2026, 12, 8, 21, 0, tzinfo=timezone.utc)
WINDOW = MicrophoneWindow("nightly ritual")
COME_BACK = "say: Alexa, tell nightly ritual"
GO_ON = re.compile(r"say: Alexa, (next|resume)\.")
COMMANDS = [Command(k) for k in TABLE_COMMANDS] + [Command(CommandKind.SET_NAMES, names=("Sam", "Robin")),
                                                    Command(CommandKind.NAMES_ANSWER, names=("Tired", "Hopeful"))]
OVERHEARD = (CommandKind.UNKNOWN, CommandKind.NAMES_ANSWER)  # what partners' own talk arrives as
RITUALS = ("appreciation-exchange", "weekly-date-night-planning", "just-a-touch")
TABLE = default_dialogue()
Walked = list[tuple[dict[str, Any], Command, Reply, dict[str, Any]]]


def phase(state: dict[str, Any]) -> Phase:
    return phase_of(SessionState.from_dict(state))


def mid_ritual(state: dict[str, Any]) -> bool:
    return state["stage"] in ("step", "paused")


def walk(tmp_path: Path, window: MicrophoneWindow | None) -> Walked:
    """Every command from every state reachable from the opening of a few rituals (a few hundred states).

    A state a reply closed is where the next conversation begins: the store keeps exactly that state as
    tonight's progress, so walking on from it is what coming back does.
    """
    turns: Walked = []
    for ritual in RITUALS:
        engine = Rekindle(SqliteStore(tmp_path / f"{ritual}.db"), clock=lambda: NOW, ritual=ritual)
        start = engine.handle("h", Command(CommandKind.OPEN), window=window).state
        seen, queue = set(), deque([start])
        while queue and len(seen) < 150:
            state = queue.popleft()
            for command in COMMANDS:
                turn = engine.handle("h", command, state, window=window)
                turns.append((state, command, turn.reply, turn.state))
                key = (phase(turn.state), turn.state["step"], turn.state.get("left"))
                if key not in seen and (not turn.reply.end_session or mid_ritual(turn.state)):
                    seen.add(key)
                    queue.append(turn.state)
            clear_progress(engine.store, "h")
    return turns


@pytest.fixture(scope="module")
def alexa_walk(tmp_path_factory: pytest.TempPathFactory) -> Walked:
    return walk(tmp_path_factory.mktemp("alexa"), WINDOW)


def floor_of(reply: Reply) -> tuple[float, bool]:
    """The floor a reply holds (seconds), and whether it ends the reply: its quiet, then the soft cue, last."""
    tail = reply.segments[-2:]
    ends = len(tail) == 2 and isinstance(tail[0], Pause) and tail[0].floor and tail[1] == Cue(CueKind.FLOOR_END)
    return reply.floor_seconds, ends


def test_where_the_couple_talks_alexa_holds_the_floor_inside_the_reply(alexa_walk: Walked) -> None:
    held = helped = 0
    for before, command, reply, after in alexa_walk:
        where = f"{phase(before).value} + {command.kind.value}: {reply.text}"
        check_reply(reply, where)
        seconds, ends = floor_of(reply)
        if reply.end_session:
            assert not seconds, where
            if mid_ritual(after) and command.kind is not CommandKind.STOP:  # only what the walk came back to
                assert phase(before) is Phase.RETURNING or after.get("left") in ("waiting", "paused"), where
            continue
        spec = TABLE.spec(phase(after))
        if reply.listening is not Listening.FREE_TALK:
            assert not seconds, where
            continue
        assert spec.floor is not None, where
        # every free-talk reply's reprompt names next (or resume), more time, and the way back
        assert "more time" in reply.reprompt and COME_BACK in reply.reprompt, where
        if command.kind is CommandKind.HELP:  # help ends with a question: Alexa's window follows it
            assert not seconds and reply.text.rstrip().endswith("?"), where
            helped += 1
            continue
        assert ends and seconds == spec.floor.seconds, where
        said = [s.text for s in reply.segments if isinstance(s, Speech)]
        if command.kind in OVERHEARD and phase(before) is phase(after):
            assert said == [], where  # partners still talking: the floor again, without a word
        else:
            assert said and GO_ON.search(said[-1]), where  # the floor's own line, last: how to go on
        held += 1
    assert held > 200 and helped > 10


def test_a_floor_is_as_long_as_its_step_needs_and_within_one_reply() -> None:
    floors = {p: TABLE.spec(p).floor for p in Phase}
    for p, floor in floors.items():
        assert (floor is not None) == (TABLE.spec(p).listening is Listening.FREE_TALK) == bool(TABLE.spec(p).come_back)
    assert floors[Phase.QUESTION_FIRST].seconds == floors[Phase.QUESTION_SECOND].seconds == 120  # an answer
    assert floors[Phase.TASK].seconds == 240  # a task done together
    assert 30 <= floors[Phase.TOUCH_AFTER].seconds < floors[Phase.QUESTION_FIRST].seconds  # lingering after touch
    assert all(f.seconds <= MAX_FLOOR_SECONDS for f in floors.values() if f)


@pytest.mark.parametrize("floor", [None, {"seconds": 120, "opens": "floor_first"}, {"seconds": 5, "opens":
                         "floor_first", "ends": "floor_end_first"}, {"seconds": 600, "opens": "floor_first",
                         "ends": "floor_end_first"}, {"seconds": 120, "opens": "nope", "ends": "floor_end_first"}],
                         ids=["missing", "no-ends", "too-short", "too-long", "unknown-phrase"])
def test_a_malformed_floor_is_refused_when_the_table_loads(tmp_path: Path, floor: dict[str, Any] | None) -> None:
    data = yaml.safe_load(TABLE_PATH.read_text(encoding="utf-8"))
    if floor is None:
        del data["phases"]["task"]["floor"]
    else:
        data["phases"]["task"]["floor"] = floor
    path = tmp_path / "dialogue.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    from intents.content.phrases import default_phrases

    with pytest.raises(DialogueError, match="task"):
        load_dialogue(path, actions=ACTIONS, phrases=default_phrases().table)


def test_a_reply_holding_the_floor_teaches_only_what_works_over_it(alexa_walk: Walked) -> None:
    """While a floor plays the microphone is closed: every option the reply says is "Alexa, …", never a bare
    "say next"; a reply that closes teaches the way back ("Alexa, tell nightly ritual …")."""
    for before, command, reply, after in alexa_walk:
        if reply.floor_seconds or (reply.end_session and mid_ritual(after) and command.kind is not CommandKind.STOP):
            bare = [o for o in reply.offers if f"say {o}".lower() in reply.text.lower()]
            assert bare == [], f"{phase(before).value} + {command.kind.value}: {reply.text}"


def test_every_option_a_floor_offers_works_in_the_session_and_after_it(alexa_walk: Walked, tmp_path: Path,
                                                                       matcher: IntentMatcher) -> None:
    """Each option said over a floor or named by its reprompt works said at once in the session, and, for a
    couple who outlast floor and reprompt, in a new session ("Alexa, tell nightly ritual next")."""
    engine = Rekindle(SqliteStore(tmp_path / "back.db"), clock=lambda: NOW)
    tried = set()
    for _, _, reply, after in alexa_walk:
        if not (reply.floor_seconds or (reply.end_session and mid_ritual(after))) or not reply.offers:
            continue
        for option in reply.offers:
            key = (option, phase_of(SessionState.from_dict({**after, "left": None})), after.get("left"))
            if key in tried:
                continue
            tried.add(key)
            match = matcher.match(option)
            assert match is not None, option
            command = command_for_intent(match.intent, match.slots)
            turns = []
            if not reply.end_session:
                turns.append(engine.handle("h", command, after, window=WINDOW))  # "Alexa, next" over the floor
                engine.leave("h", after, Left.TIMED_OUT)  # ... or the floor and its reprompt went unanswered
            else:
                save_progress(engine.store, "h", NOW.date(), after)  # what the closing turn kept for tonight
            turns.append(engine.handle("h", command, None, window=WINDOW))
            clear_progress(engine.store, "h")
            for back in turns:
                for wrong in ("didn't catch", "Nothing is paused", "Shall we begin"):
                    assert wrong not in back.reply.text, (option, key, back.reply.text)
                assert back.state.get("left") in (None, Left.WAITING.value, Left.PAUSED.value)
    assert {o for o, _, _ in tried} >= {"next", "resume", "more time", "swap"}


def test_the_laptop_keeps_listening(tmp_path: Path) -> None:
    for before, command, reply, after in walk(tmp_path, None):
        where = f"{phase(before).value} + {command.kind.value}: {reply.text}"
        assert "Alexa" not in reply.text and "Alexa" not in reply.reprompt, where
        assert not reply.floor_seconds and Cue(CueKind.FLOOR_END) not in reply.segments, where
        assert after.get("left") in (None, Left.STOPPED.value), where
        if reply.end_session and mid_ritual(after):
            assert command.kind is CommandKind.STOP or phase(before) is Phase.RETURNING, where


# ----- coming back, through the Lambda handler -------------------------------------------------------------

def lambda_talk(store: SqliteStore, ritual: str) -> Conversation:
    engine = Rekindle(store, clock=lambda: NOW, front="alexa", ritual=ritual)
    handler = make_lambda_handler(engine, skill_id=SKILL_ID)
    return Conversation(lambda event: json.loads(json.dumps(handler(event, None))))


def state_of(response: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = response["sessionAttributes"][STATE_KEY]
    return state


def leave_waiting(talk: Conversation) -> dict[str, Any]:
    """Sam has answered the first question; Robin talks past the floor and its reprompt."""
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    held = talk.intent("AMAZON.NextIntent")
    assert held["response"]["shouldEndSession"] is False and "say: Alexa, next" in speech_text(held)
    assert COME_BACK + " next" in speech_text(held, reprompt=True)
    talk.session_ended("EXCEEDED_MAX_REPROMPTS")
    return state_of(held)


def leave_paused(talk: Conversation) -> dict[str, Any]:
    """Paused past the floor and its reprompt."""
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    paused = talk.intent("AMAZON.PauseIntent")
    assert paused["response"]["shouldEndSession"] is False and "say: Alexa, resume" in speech_text(paused)
    assert COME_BACK + " resume" in speech_text(paused, reprompt=True)
    talk.session_ended("EXCEEDED_MAX_REPROMPTS")
    return state_of(paused)


def leave_stopped(talk: Conversation) -> dict[str, Any]:
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    state = state_of(talk.responses[-1])
    assert talk.intent("AMAZON.StopIntent")["response"]["shouldEndSession"] is True
    return state


def leave_user_initiated(talk: Conversation) -> dict[str, Any]:
    talk.launch()
    state = state_of(talk.intent("AMAZON.YesIntent"))  # the question's floor is held
    talk.session_ended("USER_INITIATED")  # "Alexa, exit"
    return state


def leave_timed_out(talk: Conversation) -> dict[str, Any]:
    """No answer to a touch invitation, nor to its reprompt."""
    talk.launch()
    reply = talk.intent("AMAZON.YesIntent")
    while "or no to pass" not in speech_text(reply):
        reply = talk.intent("AMAZON.NextIntent")
    assert reply["response"]["shouldEndSession"] is False
    talk.session_ended("EXCEEDED_MAX_REPROMPTS")
    return state_of(reply)


LEAVINGS = {"waiting": leave_waiting, "paused": leave_paused, "stopped": leave_stopped,
            "user_initiated": leave_user_initiated, "timed_out": leave_timed_out}
# What each way of leaving is greeted with: by a command ("Alexa, tell nightly ritual next"), by a plain launch.
WELCOMES = {
    "waiting": ("Welcome back", "I stopped listening to give you time together"),
    "paused": ("Welcome back to Appreciation exchange", "You paused Appreciation exchange"),
    "stopped": ("from where you stopped", "You were partway through"),
    "user_initiated": ("from where you stopped", "You were partway through"),
    "timed_out": ("I stopped listening before I heard from you", "I stopped listening before I heard from you"),
}
ENTRIES = {"next": ("AMAZON.NextIntent", "next"), "resume": ("AMAZON.ResumeIntent", "resume"),
           "i'm done": ("AMAZON.NextIntent", "i'm done"), "we're ready": ("AMAZON.YesIntent", "we're ready")}


@pytest.mark.parametrize("entry", [*ENTRIES, "launch"])
@pytest.mark.parametrize("how", LEAVINGS)
def test_coming_back_carries_on_with_a_welcome_that_fits(tmp_path: Path, how: str, entry: str,
                                                         matcher: IntentMatcher) -> None:
    store = SqliteStore(tmp_path / "back.db")
    left_state = LEAVINGS[how](lambda_talk(store, "appreciation-exchange"))
    later = lambda_talk(store, "appreciation-exchange")
    if entry == "launch":
        response = later.launch()
        assert WELCOMES[how][1] in speech_text(response) and response["response"]["shouldEndSession"] is False
        response = later.intent("AMAZON.YesIntent")
    else:
        intent, words = ENTRIES[entry]
        assert matcher.match(words).intent == intent  # type: ignore[union-attr]
        response = later.intent(intent)
        assert WELCOMES[how][0] in speech_text(response), speech_text(response)
    said = speech_text(response)
    for wrong in ("Nothing is paused", "didn't catch", "Shall we begin", "Just to be sure"):
        assert wrong not in said, said
    after = state_of(response)
    assert after["stage"] == "step" and not after.get("left")
    if how == "waiting":  # they were told to say next when done: the ritual goes on
        assert (after["step"], after["part"]) > (left_state["step"], left_state["part"])
    else:  # at the same step, said again
        assert (after["step"], after["part"]) == (left_state["step"], left_state["part"])
        assert left_state["step"] == after["step"] and "About" not in said  # a touch never starts unasked


def test_a_resume_offer_left_unanswered_keeps_why_it_was_made(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "offer.db")
    leave_waiting(lambda_talk(store, "appreciation-exchange"))
    later = lambda_talk(store, "appreciation-exchange")
    later.launch()
    later.session_ended("EXCEEDED_MAX_REPROMPTS")
    assert "I stopped listening to give you time together" in speech_text(
        lambda_talk(store, "appreciation-exchange").launch())


def test_a_session_ended_outside_a_ritual_keeps_nothing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "outside.db")
    talk = lambda_talk(store, "appreciation-exchange")
    talk.launch()
    talk.session_ended("EXCEEDED_MAX_REPROMPTS")
    assert load_progress(store, USER_ID, NOW.date()) is None
    assert "Welcome back" not in speech_text(lambda_talk(store, "appreciation-exchange").launch())


@pytest.mark.parametrize("in_session", [False, True], ids=["said-to-alexa", "overheard-in-session"])
def test_we_are_tired_and_hopeful_while_lingering_stores_nothing_on_alexa(tmp_path: Path, in_session: bool) -> None:
    """Lingering after a touch moment Alexa holds the floor; whether the words reach the skill in its window
    (partners still talking as the floor ends) or, after it timed out, as a new request, they are never said
    back or kept as names."""
    store = SqliteStore(tmp_path / "names.db")
    talk = lambda_talk(store, "just-a-touch")
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    lingering = talk.intent("AMAZON.YesIntent")
    assert lingering["response"]["shouldEndSession"] is False and "say: Alexa, next" in speech_text(lingering)
    if not in_session:
        talk.session_ended("EXCEEDED_MAX_REPROMPTS")
    words = [("PartnerNamesIntent", {"firstName": "tired", "secondName": "hopeful"}),
             ("SetPartnerNamesIntent", {"firstName": "tired", "secondName": "hopeful"}),
             ("AMAZON.YesIntent", None)]  # "yeah", between partners
    for intent, slots in words:
        if in_session and not talk.open_session:
            talk.open_session, talk.attributes = True, dict(lingering["sessionAttributes"])
        elif not in_session:
            talk.open_session = False
        response = talk.intent(intent, slots)
        said = speech_text(response)
        assert "Tired" not in said and "Is that right" not in said, said
        assert not response["sessionAttributes"][STATE_KEY].get("pending_names")
        assert load_preferences(store, USER_ID).names == ()


def test_a_first_name_beyond_the_models_list_is_said_back_and_kept_on_yes(tmp_path: Path) -> None:
    """AMAZON.FirstName hands over names the model does not list (no entity-resolution match): they are
    said back as heard and kept only on yes; a listed name resolves to its own spelling."""
    store = SqliteStore(tmp_path / "first.db")
    talk = lambda_talk(store, "appreciation-exchange")
    talk.launch()
    listed = {v["name"]["value"].lower() for t in language_model()["types"] if t["name"] == "AMAZON.FirstName"
              for v in t["values"]}
    assert "oluwaseun" not in listed and "robin" in listed
    heard = talk.intent("SetPartnerNamesIntent", {"firstName": "oluwaseun", "secondName": "robin"})
    assert "I heard Oluwaseun and Robin" in speech_text(heard)
    assert load_preferences(store, USER_ID).names == ()
    talk.intent("AMAZON.YesIntent")
    assert load_preferences(store, USER_ID).names == ("Oluwaseun", "Robin")


# ----- the invocation name and the measured window ------------------------------------------------------------

@pytest.mark.parametrize("locale", locales())
def test_the_way_back_names_each_locales_invocation_name(locale: str) -> None:
    assert microphone_window(locale).name == language_model(locale)["invocationName"]


def test_an_unknown_locale_uses_the_default_models_name() -> None:
    assert microphone_window("fr-FR").name == language_model()["invocationName"]
    assert microphone_window(None).name == language_model()["invocationName"]


# ----- during a held floor, through the Lambda handler ------------------------------------------------------

FLOOR_CUE = CUE_SOUNDS[CueKind.FLOOR_END].ssml()
BREAK = re.compile(r'<break time="(\d+)ms"/>')


def holds_floor(response: dict[str, Any], seconds: int) -> bool:
    """The response keeps the session open and ends with a floor of ``seconds``: chained breaks of at most 10 s
    after its last words, then the soft cue, last; and a reprompt naming more time and the way back."""
    body = response["response"]
    ssml = body["outputSpeech"]["ssml"]
    quiet = re.search(r"((?:<break time=\"\d+ms\"/>)+)" + re.escape(FLOOR_CUE) + "</prosody></speak>$", ssml)
    gaps = [int(ms) for ms in BREAK.findall(quiet.group(1))] if quiet else []
    reprompt = speech_text(response, reprompt=True)
    return (body["shouldEndSession"] is False and bool(gaps) and max(gaps) <= 10_000 and sum(gaps) == seconds * 1000
            and "more time" in reprompt and COME_BACK in reprompt)


def answering(tmp_path: Path) -> tuple[Conversation, SqliteStore, str]:
    """Sam is answering tonight's first question; the floor is held. Returns the talk, the store, the session."""
    store = SqliteStore(tmp_path / "floor.db")
    save_preferences(store, USER_ID, Preferences(names=("Sam", "Robin")))
    talk = lambda_talk(store, "appreciation-exchange")
    talk.launch()
    asked = talk.intent("AMAZON.YesIntent")
    assert holds_floor(asked, 120) and "Sam, you" in speech_text(asked)
    return talk, store, talk.session_id


# What each command said over a held floor does at once, in the same session: (intent, words in the reply,
# the floor it holds after, where the couple then is).
DURING_A_FLOOR = {
    "next": ("AMAZON.NextIntent", ["Thank you, Sam", "Robin"], 120, Phase.QUESTION_SECOND),
    "more time": ("MoreTimeIntent", ["more time", "when you've finished, say: Alexa, next"], 120, Phase.QUESTION_FIRST),
    "pause": ("AMAZON.PauseIntent", ["pause here", "say: Alexa, resume"], 240, Phase.PAUSED),
    "resume": ("AMAZON.ResumeIntent", ["Thank you, Sam", "Robin"], 120, Phase.QUESTION_SECOND),
    "swap": ("SwapTurnsIntent", ["Robin, you"], 120, Phase.QUESTION_FIRST),
    "repeat": ("AMAZON.RepeatIntent", ["Sam, you"], 120, Phase.QUESTION_FIRST),
    "different question": ("DifferentQuestionIntent", ["different one", "Sam, you"], 120, Phase.QUESTION_FIRST),
    "help": ("AMAZON.HelpIntent", ["One of you answers while the other listens", "?"], 0, Phase.QUESTION_FIRST),
    "stop": ("AMAZON.StopIntent", ["pick up where you left off"], 0, Phase.RETURNING),
}


@pytest.mark.parametrize("said", DURING_A_FLOOR)
def test_every_command_said_over_a_held_floor_acts_at_once_in_the_session(tmp_path: Path, said: str,
                                                                           matcher: IntentMatcher) -> None:
    talk, _, session = answering(tmp_path)
    intent, words, floor, where = DURING_A_FLOOR[said]
    assert matcher.match(said).intent == intent  # type: ignore[union-attr]
    response = talk.intent(intent)
    text = speech_text(response)
    assert all(w in text for w in words), text
    assert "didn't catch" not in text and phase(state_of(response)) is where
    if said == "stop":
        assert response["response"]["shouldEndSession"] is True
        return
    assert talk.session_id == session and talk.open_session
    if floor:
        assert holds_floor(response, floor), response
    else:  # help asks a question: Alexa's window, then a reprompt that says how to go on
        assert FLOOR_CUE not in response["response"]["outputSpeech"]["ssml"]
        assert "more time" in speech_text(response, reprompt=True)
    if said == "pause":  # and "Alexa, resume" over the pause's floor carries on, still in the session
        back = talk.intent("AMAZON.ResumeIntent")
        assert "Welcome back" in speech_text(back) and "Sam, you" in speech_text(back) and holds_floor(back, 120)
        assert talk.session_id == session


def test_one_partners_turn_hands_to_the_other_and_on_through_the_ritual_in_one_session(tmp_path: Path) -> None:
    talk, store, session = answering(tmp_path)
    floors = 1
    for _ in range(30):
        response = talk.intent("AMAZON.YesIntent" if "or no to pass" in speech_text(talk.responses[-1])
                               else "AMAZON.NextIntent")
        if response["response"]["shouldEndSession"]:
            break
        floors += FLOOR_CUE in response["response"]["outputSpeech"]["ssml"]
        assert talk.session_id == session
    assert "Thank you both for saying the good things out loud" in speech_text(response)
    assert floors >= 5 and store.load(USER_ID).rituals[-1].ritual_id == "appreciation-exchange"


def test_talk_overheard_as_a_floor_ends_holds_it_again_quietly_then_ends_with_the_way_back(tmp_path: Path) -> None:
    """Partners still talking when the floor's cue sounds: their words reach the skill as nothing it knows, and
    the floor is held again without a word, a few times; then the session ends, saying how to come back."""
    talk, store, session = answering(tmp_path)
    for _ in range(OVERHEARD_FLOORS):
        again = talk.intent("AMAZON.FallbackIntent")
        assert speech_text(again) == "" and holds_floor(again, 120) and talk.session_id == session
    names = talk.intent("PartnerNamesIntent", {"firstName": "tired", "secondName": "hopeful"})
    assert COME_BACK + " next" in speech_text(names) and names["response"]["shouldEndSession"] is True
    assert "Tired" not in speech_text(names) and load_preferences(store, USER_ID).names == ("Sam", "Robin")
    kept = state_of(names)
    assert kept["left"] == Left.WAITING.value and phase_of(SessionState.from_dict({**kept, "left": None})) is (
        Phase.QUESTION_FIRST)  # still Sam's answer: nothing moved on
    back = lambda_talk(store, "appreciation-exchange").intent("AMAZON.NextIntent")  # "Alexa, tell … next"
    assert "Welcome back" in speech_text(back) and "Thank you, Sam" in speech_text(back) and holds_floor(back, 120)


def test_a_command_between_overheard_words_starts_the_count_again(tmp_path: Path) -> None:
    talk, _, session = answering(tmp_path)
    for intent in ["AMAZON.FallbackIntent"] * OVERHEARD_FLOORS + ["MoreTimeIntent"] + ["AMAZON.FallbackIntent"] * 2:
        assert holds_floor(talk.intent(intent), 120) and talk.session_id == session
