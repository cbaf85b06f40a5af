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
    "NightWishIntent": CommandKind.WISH,
    "AnotherRitualIntent": CommandKind.ANOTHER_RITUAL,
    "SurpriseUsIntent": CommandKind.SURPRISE,
    "UsualRitualIntent": CommandKind.USUAL_RITUAL,
    "SetQuestionDepthIntent": CommandKind.DEPTH_SETTING,
    "LastStepIntent": CommandKind.LAST_STEP,
    "SayAgainIntent": CommandKind.REPEAT,
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
# NightWishIntent's slots, each with the list (interaction_models/sentences/requests.yaml) it is filled from;
# several lists give one meaning (a kind said as a noun or as a verb, a mood said as a feeling or a day).
WISH_LENGTH_SLOTS = {"length": "length", "span": "span"}
WISH_KIND_SLOTS = {"kind": "kind", "activity": "activity", "plan": "plan"}
WISH_MOOD_SLOTS = {"feeling": "feeling", "day": "day", "apart": "apart"}
DEPTH_SLOTS = {"depth": "depth", "depth_setting": "depth_setting"}
DEPTHS = ("light", "deeper")

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


def slot_id(value: str | None, list_name: str) -> str | None:
    """A slot's id from a resolved value ("touch") or the words said ("a cuddle"); None otherwise."""
    if not value:
        return None
    text = " ".join(value.strip().lower().split())
    forms = list_forms(list_name)
    return text if text in set(forms.values()) else forms.get(text)


def wish_command(kind: CommandKind, slots: Mapping[str, str | None]) -> Command:
    """A request for the night (or a lasting depth) from its slots, as ids."""
    minutes = parse_minutes(slots.get(LENGTH_SLOT))
    for slot, list_name in WISH_LENGTH_SLOTS.items():
        said = slot_id(slots.get(slot), list_name)
        minutes = int(said) if minutes is None and said and said.isdigit() else minutes
    ritual_kind = next((k for s, n in WISH_KIND_SLOTS.items() if (k := slot_id(slots.get(s), n))), None)
    mood = parse_mood(slots.get(MOOD_SLOT)) or next(
        (m for s, n in WISH_MOOD_SLOTS.items() if (m := parse_mood(slot_id(slots.get(s), n)))), None)
    depth = next((d for s, n in DEPTH_SLOTS.items() if (d := slot_id(slots.get(s), n)) in DEPTHS), None)
    return Command(kind, minutes=minutes, mood=mood, ritual_kind=ritual_kind, depth=depth)


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
    if kind in (CommandKind.WISH, CommandKind.DEPTH_SETTING):
        return wish_command(kind, slots)
    return Command(kind)
