"""What a couple can ask Rekindle to do, as typed values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class CommandKind(str, Enum):
    """Every command the guided session understands."""

    OPEN = "open"  # the session begins (Alexa LaunchRequest, laptop start-up)
    START = "start"
    QUESTION = "question"  # just a connection question tonight
    TOUCH = "touch"  # just a touch moment tonight
    NEXT = "next"
    REPEAT = "repeat"
    BACK = "back"
    SKIP = "skip"
    PAUSE = "pause"
    RESUME = "resume"
    START_OVER = "start_over"
    MORE_TIME = "more_time"
    DIFFERENT_QUESTION = "different_question"
    HOW_MUCH_LEFT = "how_much_left"
    HELP = "help"
    STOP = "stop"
    YES = "yes"
    NO = "no"
    SET_NAMES = "set_names"  # names said on purpose: "our names are Sam and Robin"
    NAMES_ANSWER = "names_answer"  # a bare "Sam and Robin": names only when Rekindle asked for them
    SET_LENGTH = "set_length"
    NO_TOUCH_TONIGHT = "no_touch_tonight"
    TOUCH_OFF = "touch_off"
    TOUCH_ON = "touch_on"
    KEEP_LIGHT = "keep_light"
    GO_DEEPER = "go_deeper"
    SWAP = "swap"  # the other partner begins this question
    GO_FIRST = "go_first"  # "I'll go first": one of them, Rekindle cannot tell which
    AGAIN = "again"  # do tonight's ritual again
    MOOD = "mood"  # how the couple arrives tonight, or what the night needs ("we had a rough day")
    WISH = "wish"  # what they want of tonight: a length, a kind, a mood, a depth ("something short")
    ANOTHER_RITUAL = "another_ritual"  # a different ritual, not a different question
    SURPRISE = "surprise"  # "you choose", "surprise us"
    USUAL_RITUAL = "usual_ritual"  # the ritual they do most
    LAST_STEP = "last_step"  # finish after the step the couple is in
    DEPTH_SETTING = "depth_setting"  # lasting words about the questions' depth ("from now on keep it light")
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Command:
    """A command with its optional arguments (names for SET_NAMES and NAMES_ANSWER, minutes for SET_LENGTH,
    one of :data:`intents.content.MOODS` for MOOD, or None when what was said names no mood Rekindle knows).

    A WISH may carry minutes, a mood, a ``ritual_kind`` (an id of ``rituals.yaml``'s kinds) and a ``depth``
    ("light" or "deeper"); DEPTH_SETTING carries a depth. Ids only, never the words said."""

    kind: CommandKind
    names: tuple[str, ...] = ()
    minutes: int | None = None
    mood: str | None = None
    ritual_kind: str | None = None
    depth: str | None = None

    @classmethod
    def of(cls, kind: CommandKind | str) -> Command:
        return cls(CommandKind(kind))


ALL_KINDS: tuple[CommandKind, ...] = tuple(CommandKind)
