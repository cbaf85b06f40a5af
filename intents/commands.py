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
    SET_NAMES = "set_names"
    SET_LENGTH = "set_length"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Command:
    """A command with its optional arguments (names for SET_NAMES, minutes for SET_LENGTH)."""

    kind: CommandKind
    names: tuple[str, ...] = ()
    minutes: int | None = None

    @classmethod
    def of(cls, kind: CommandKind | str) -> Command:
        return cls(CommandKind(kind))


ALL_KINDS: tuple[CommandKind, ...] = tuple(CommandKind)
