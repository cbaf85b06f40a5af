"""Fronts whose microphone closes, the floor held for a couple there, and how a conversation was left.

A laptop listens for as long as a ritual runs. Alexa listens for about eight seconds after it speaks,
once more after a reprompt, and then ends the session; a question answered in turn, a task done
together or a hug that lingers takes minutes. But while a reply plays the session stays open, and
"Alexa, next" said over it reaches the skill in that session, without the invocation name. So where
the couple talks, a reply on such a front *holds the floor*: it says how to go on ("when you've
finished, say: Alexa, next"), then keeps a quiet of the step's length (:class:`Floor`, from the
dialogue table), and ends with a soft cue; Alexa's window and its reprompt (next, more time, and the
way back) follow. Only a couple who outlast the floor and the reprompt leave the session; a
:class:`Left` record kept with tonight's progress greets them for what happened when they come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

OVERHEARD_FLOORS = 2
"""Floors held again, one after another, for talk that reached the skill in Alexa's window (partners still
talking when the floor ended); one more and Rekindle ends the session itself, saying how to come back."""
MAX_FLOOR_SECONDS = 240
"""The longest floor a phase may hold: within one reply, beside its words (see skill/ssml.py)."""


class Left(str, Enum):
    """How a conversation in the middle of a ritual was left."""

    WAITING = "waiting"  # the couple was talking when the conversation ended, and had been told how to come back
    PAUSED = "paused"  # the couple paused
    STOPPED = "stopped"  # the couple said stop, or ended the conversation themselves
    TIMED_OUT = "timed_out"  # no answer came before the microphone closed


@dataclass(frozen=True)
class MicrophoneWindow:
    """A front whose microphone closes a few seconds after each reply.

    ``name`` is what a couple calls Rekindle by to come back (Alexa's invocation name, "nightly
    ritual"); Rekindle's phrases for such a front say it, as in "Alexa, tell nightly ritual next".
    """

    name: str


@dataclass(frozen=True)
class Floor:
    """The quiet a reply holds where the couple talks, on a front whose microphone closes.

    ``seconds`` is how long (about two minutes for an answer, four for a task); ``opens`` the phrase said
    at its start, saying how to go on while it lasts; ``ends`` the reprompt once it is over, naming next,
    more time and the way back.
    """

    seconds: int
    opens: str
    ends: str
