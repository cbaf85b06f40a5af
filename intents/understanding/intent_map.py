"""Interaction-model intent names to engine commands.

Both fronts speak in the intent names of ``interaction_models/``: the Alexa
skill receives them from Amazon, the laptop loop from its own matcher. This
table is the one place that says what each intent means to the engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..commands import Command, CommandKind
from ..content import MOODS
from .source import list_forms

INTENT_COMMANDS: Mapping[str, CommandKind] = {
    "TonightRitualIntent": CommandKind.START,
    "ConnectionQuestionIntent": CommandKind.QUESTION,
    "TouchPromptIntent": CommandKind.TOUCH,
    "DifferentQuestionIntent": CommandKind.DIFFERENT_QUESTION,
    "MoreTimeIntent": CommandKind.MORE_TIME,
    "TimeLeftIntent": CommandKind.HOW_MUCH_LEFT,
    "SetPartnerNamesIntent": CommandKind.SET_NAMES,
    "PartnerNamesIntent": CommandKind.NAMES_ANSWER,
    "SetRitualLengthIntent": CommandKind.SET_LENGTH,
    "SkipIntent": CommandKind.SKIP,
    "NoTouchTonightIntent": CommandKind.NO_TOUCH_TONIGHT,
    "TouchOffIntent": CommandKind.TOUCH_OFF,
    "TouchOnIntent": CommandKind.TOUCH_ON,
    "KeepItLightIntent": CommandKind.KEEP_LIGHT,
    "GoDeeperIntent": CommandKind.GO_DEEPER,
    "SwapTurnsIntent": CommandKind.SWAP,
    "GoFirstIntent": CommandKind.GO_FIRST,
    "DoItAgainIntent": CommandKind.AGAIN,
    "NightMoodIntent": CommandKind.MOOD,
    "AMAZON.HelpIntent": CommandKind.HELP,
    "AMAZON.StopIntent": CommandKind.STOP,
    "AMAZON.CancelIntent": CommandKind.STOP,
    "AMAZON.NavigateHomeIntent": CommandKind.STOP,
    "AMAZON.FallbackIntent": CommandKind.UNKNOWN,
    "AMAZON.NextIntent": CommandKind.NEXT,
    "AMAZON.PreviousIntent": CommandKind.BACK,
    "AMAZON.RepeatIntent": CommandKind.REPEAT,
    "AMAZON.StartOverIntent": CommandKind.START_OVER,
    "AMAZON.PauseIntent": CommandKind.PAUSE,
    "AMAZON.ResumeIntent": CommandKind.RESUME,
    "AMAZON.YesIntent": CommandKind.YES,
    "AMAZON.NoIntent": CommandKind.NO,
}

NAME_SLOTS = ("firstName", "secondName")
# Alexa resolves any first name with its built-in type; each model extends it with the names the laptop's
# grammar can hear (a grammar-bound recogniser needs a finite list).
NAME_SLOT_TYPE = "AMAZON.FirstName"
LENGTH_SLOT = "minutes"
LENGTH_LIST = "minutes"  # the list in interaction_models/sentences the length slot is filled from
MOOD_SLOT = "mood"

def parse_minutes(value: str | None) -> int | None:
    """Read a spoken or typed length ("ten", "10", "short") as minutes: digits, or any way the length
    list of ``interaction_models/sentences`` says a length, in any locale (a slot value Alexa could not
    resolve to its id arrives as the words said)."""
    if not value:
        return None
    text = value.strip().lower().removesuffix(" minutes").removesuffix(" minute")
    if text.isdigit():
        return int(text)
    minutes = list_forms(LENGTH_LIST).get(text)
    return int(minutes) if minutes and minutes.isdigit() else None


def parse_mood(value: str | None) -> str | None:
    """A mood's id from a resolved slot ("rough_day") or its canonical words ("rough day"); None otherwise.

    Synonyms ("exhausted", "a hard day") arrive resolved: Alexa's entity resolution and the laptop's
    matcher both give the slot value's id from the interaction model.
    """
    if not value:
        return None
    mood = "_".join(value.strip().lower().split())
    return mood if mood in MOODS else None


def command_for_intent(name: str, slots: Mapping[str, str | None] | None = None) -> Command:
    """Translate an intent name and its resolved slot values into a command.

    Unknown intent names become ``UNKNOWN`` so a newer model never crashes an
    older engine.
    """
    kind = INTENT_COMMANDS.get(name, CommandKind.UNKNOWN)
    slots = slots or {}
    if kind in (CommandKind.SET_NAMES, CommandKind.NAMES_ANSWER):
        names = tuple(
            str(slots[s]).strip().title() for s in NAME_SLOTS if slots.get(s) and str(slots[s]).strip()
        )
        return Command(kind, names=names)
    if kind is CommandKind.SET_LENGTH:
        return Command(kind, minutes=parse_minutes(slots.get(LENGTH_SLOT)))
    if kind is CommandKind.MOOD:
        return Command(kind, mood=parse_mood(slots.get(MOOD_SLOT)))
    return Command(kind)
