"""Fronts whose microphone closes, and how a conversation was left.

A laptop listens for as long as a ritual runs. Alexa listens for about eight seconds after it speaks,
once more after a reprompt, and then ends the session; a question answered in turn, a task done
together or a hug that lingers takes minutes. On such a front the engine closes the conversation on
purpose where the couple needs longer, tells them how to come back, and keeps a :class:`Left` record
with tonight's progress, so that coming back is greeted for what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Left(str, Enum):
    """How a conversation in the middle of a ritual was left."""

    WAITING = "waiting"  # Rekindle closed it on purpose while the couple talks, and said how to come back
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
