"""Alexa's microphone window: where the couple talks, Rekindle closes the session on purpose and says how to
come back; coming back is greeted for what happened; the laptop keeps listening; overheard words store nothing.

The walks run the engine as the Alexa adapter does (with a microphone window); the re-entry and naming tests
go through the real Lambda handler with real request envelopes over a real SQLite store.
"""

from __future__ import annotations

import json
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from test_alexa_helpers import SKILL_ID, USER_ID, Conversation, speech_text
from test_dialogue import check_reply

from intents import Command, CommandKind, Rekindle, SqliteStore
from intents.dialogue import TABLE_COMMANDS, Phase, SessionState, default_dialogue, phase_of
from intents.replies import Listening, Reply, Speech
from intents.understanding import IntentMatcher, command_for_intent
from intents.window import Left, MicrophoneWindow
from interaction_models import language_model, locales
from skill.handlers import STATE_KEY, microphone_window
from skill.lambda_function import make_lambda_handler

NOW = datetime(2026, 12, 8, 21, 0, tzinfo=timezone.utc)
WINDOW = MicrophoneWindow("nightly ritual")
COME_BACK = "say: Alexa, tell nightly ritual"
COMMANDS = [Command(k) for k in TABLE_COMMANDS] + [Command(CommandKind.SET_NAMES, names=("Sam", "Robin")),
                                                    Command(CommandKind.NAMES_ANSWER, names=("Tired", "Hopeful"))]
RITUALS = ("appreciation-exchange", "weekly-date-night-planning", "just-a-touch")
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
            engine.store.clear_progress("h")
    return turns


@pytest.fixture(scope="module")
def alexa_walk(tmp_path_factory: pytest.TempPathFactory) -> Walked:
    return walk(tmp_path_factory.mktemp("alexa"), WINDOW)


def test_where_the_couple_talks_alexa_closes_on_purpose_and_says_how_to_come_back(alexa_walk: Walked) -> None:
    kept = closed = 0
    for before, command, reply, after in alexa_walk:
        where = f"{phase(before).value} + {command.kind.value}: {reply.text}"
        check_reply(reply, where)
        if not reply.end_session and reply.listening is Listening.FREE_TALK:
            # Only a question just asked (swap, repeat or a different question come at once) or help keeps
            # Alexa's few seconds, and its reprompt already says how to come back.
            just_asked = phase(after) is Phase.QUESTION_FIRST and reply.card and reply.card in reply.text
            assert just_asked or command.kind is CommandKind.HELP, where
            assert COME_BACK in reply.reprompt, where
            kept += 1
        elif reply.end_session and mid_ritual(after) and command.kind is not CommandKind.STOP:
            last = [s.text for s in reply.segments if isinstance(s, Speech)][-1]
            assert COME_BACK in last, where
            assert after["left"] in (Left.WAITING.value, Left.PAUSED.value), where
            closed += 1
    assert kept > 20 and closed > 100


def test_no_reply_on_alexa_says_to_speak_a_bare_command_and_then_closes(alexa_walk: Walked) -> None:
    """A reply that closes never teaches "say next" alone: after it, only "Alexa, tell nightly ritual next" works."""
    for before, command, reply, after in alexa_walk:
        if reply.end_session and mid_ritual(after) and command.kind is not CommandKind.STOP:
            bare = [o for o in reply.offers if f"say {o}".lower() in reply.text.lower()]
            assert bare == [], f"{phase(before).value} + {command.kind.value}: {reply.text}"


def test_every_option_a_closing_reply_offers_works_when_the_couple_comes_back(alexa_walk: Walked,
                                                                            tmp_path: Path) -> None:
    matcher = IntentMatcher.for_locale("en-US")
    engine = Rekindle(SqliteStore(tmp_path / "back.db"), clock=lambda: NOW)
    tried = set()
    for _, _, reply, after in alexa_walk:
        if not (reply.end_session and mid_ritual(after) and reply.offers):
            continue
        for option in reply.offers:
            key = (option, phase_of(SessionState.from_dict({**after, "left": None})), after["left"])
            if key in tried:
                continue
            tried.add(key)
            match = matcher.match(option)
            assert match is not None, option
            engine.store.save_progress("h", NOW.date(), after)  # what the closing turn kept for tonight
            back = engine.handle("h", command_for_intent(match.intent, match.slots), None, window=WINDOW)
            engine.store.clear_progress("h")
            for wrong in ("didn't catch", "Nothing is paused", "Shall we begin"):
                assert wrong not in back.reply.text, (option, key, back.reply.text)
            assert back.state.get("left") in (None, Left.WAITING.value, Left.PAUSED.value)
    assert {o for o, _, _ in tried} >= {"next", "resume"}


def test_the_laptop_keeps_listening(tmp_path: Path) -> None:
    for before, command, reply, after in walk(tmp_path, None):
        where = f"{phase(before).value} + {command.kind.value}: {reply.text}"
        assert "Alexa" not in reply.text and "Alexa" not in reply.reprompt, where
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
    """Sam has answered the first question; Robin's turn closes the session while Robin talks."""
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    closed = talk.intent("AMAZON.NextIntent")
    assert closed["response"]["shouldEndSession"] is True and COME_BACK in speech_text(closed)
    return state_of(closed)


def leave_paused(talk: Conversation) -> dict[str, Any]:
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    paused = talk.intent("AMAZON.PauseIntent")
    assert paused["response"]["shouldEndSession"] is True
    assert "say: Alexa, tell nightly ritual resume" in speech_text(paused)
    return state_of(paused)


def leave_stopped(talk: Conversation) -> dict[str, Any]:
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    state = state_of(talk.responses[-1])
    assert talk.intent("AMAZON.StopIntent")["response"]["shouldEndSession"] is True
    return state


def leave_user_initiated(talk: Conversation) -> dict[str, Any]:
    talk.launch()
    state = state_of(talk.intent("AMAZON.YesIntent"))  # the question's short window is open
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
def test_coming_back_carries_on_with_a_welcome_that_fits(tmp_path: Path, how: str, entry: str) -> None:
    store = SqliteStore(tmp_path / "back.db")
    left_state = LEAVINGS[how](lambda_talk(store, "appreciation-exchange"))
    later = lambda_talk(store, "appreciation-exchange")
    if entry == "launch":
        response = later.launch()
        assert WELCOMES[how][1] in speech_text(response) and response["response"]["shouldEndSession"] is False
        response = later.intent("AMAZON.YesIntent")
    else:
        intent, words = ENTRIES[entry]
        assert IntentMatcher.for_locale("en-US").match(words).intent == intent  # type: ignore[union-attr]
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
    assert store.load_progress(USER_ID, NOW.date()) is None
    assert "Welcome back" not in speech_text(lambda_talk(store, "appreciation-exchange").launch())


@pytest.mark.parametrize("in_session", [False, True], ids=["said-to-alexa", "overheard-in-session"])
def test_we_are_tired_and_hopeful_while_lingering_stores_nothing_on_alexa(tmp_path: Path, in_session: bool) -> None:
    """Lingering after a touch moment Alexa has stopped listening; whether the words come as a new request or
    (were the microphone still open) inside the session, they are never said back or kept as names."""
    store = SqliteStore(tmp_path / "names.db")
    talk = lambda_talk(store, "just-a-touch")
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    lingering = talk.intent("AMAZON.YesIntent")
    assert lingering["response"]["shouldEndSession"] is True and COME_BACK in speech_text(lingering)
    if in_session:
        talk.open_session, talk.attributes = True, dict(lingering["sessionAttributes"])
    words = [("PartnerNamesIntent", {"firstName": "tired", "secondName": "hopeful"}),
             ("SetPartnerNamesIntent", {"firstName": "tired", "secondName": "hopeful"}),
             ("AMAZON.YesIntent", None)]  # "yeah", between partners
    for intent, slots in words:
        if in_session and not talk.open_session:
            talk.open_session, talk.attributes = True, dict(lingering["sessionAttributes"])
        response = talk.intent(intent, slots)
        said = speech_text(response)
        assert "Tired" not in said and "Is that right" not in said, said
        assert not response["sessionAttributes"][STATE_KEY].get("pending_names")
        assert store.load_preferences(USER_ID).names == ()


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
    assert store.load_preferences(USER_ID).names == ()
    talk.intent("AMAZON.YesIntent")
    assert store.load_preferences(USER_ID).names == ("Oluwaseun", "Robin")


# ----- the invocation name and the measured window ------------------------------------------------------------

@pytest.mark.parametrize("locale", locales())
def test_the_way_back_names_each_locales_invocation_name(locale: str) -> None:
    assert microphone_window(locale).name == language_model(locale)["invocationName"]


def test_an_unknown_locale_uses_the_default_models_name() -> None:
    assert microphone_window("fr-FR").name == language_model()["invocationName"]
    assert microphone_window(None).name == language_model()["invocationName"]


def test_only_free_talk_phases_close_and_each_says_how_to_come_back() -> None:
    table = default_dialogue()
    for spec in table.phases.values():
        assert bool(spec.come_back) == (spec.listening is Listening.FREE_TALK), spec.phase
