"""What Rekindle says: typed, platform-neutral replies.

Adapters render these: the Alexa skill turns them into SSML, the laptop loop
into synthesised audio with real silences. The core never emits markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

OPTION = re.compile(r"\[([^\[\]]+)\]")  # an option a phrase offers, as marked in content/phrases.yaml


class Listening(str, Enum):
    """What a front end should listen for after a reply; adapters choose grammars and microphone windows by it.

    ``OFFER``: a command is awaited outside a ritual step (an offer, a choice, a yes/no question, setup
    by explicit phrases such as "our names are ..."). ``NAMES``: Rekindle asked for the couple's names,
    so a bare "Sam and Robin" is an answer. ``STEP``: inside a ritual step, a command is awaited (a
    touch invitation's yes or no). ``FREE_TALK``: the couple is talking to each other (answering a
    question, doing a task together, lingering after a touch moment, paused): only a clear command may
    act, and nothing else gets a reply. ``NONE``: the conversation is over.
    """

    OFFER = "offer"
    NAMES = "names"
    STEP = "step"
    FREE_TALK = "free_talk"
    NONE = "none"


class CueKind(str, Enum):
    """A short non-verbal sound marking a moment (adapters choose the sound)."""

    TOUCH_START = "touch_start"
    TOUCH_END = "touch_end"
    FLOOR_END = "floor_end"  # a held floor is over: the front's microphone opens next


@dataclass(frozen=True)
class Speech:
    """Words to speak, plain text with no markup."""

    text: str


@dataclass(frozen=True)
class Pause:
    """Silence of ``seconds``. ``timer`` marks a timed touch rather than pacing; ``floor`` a held floor: quiet
    the couple talks in, inside a reply, on a front whose microphone closes while it speaks (Alexa)."""

    seconds: float
    timer: bool = False
    floor: bool = False


@dataclass(frozen=True)
class Cue:
    """A soft tone marking the start or end of a timed moment."""

    kind: CueKind


Segment = Speech | Pause | Cue


@dataclass(frozen=True)
class Reply:
    """One turn of Rekindle's side of the conversation.

    ``listening`` says what the adapter should listen for afterwards (:class:`Listening`);
    ``end_session`` whether the conversation is over. A reply that asks a
    question always listens and never ends the session. ``offers`` are the
    options the reply (or its reprompt) invites the couple to say.
    """

    segments: tuple[Segment, ...]
    reprompt: str = ""
    card: str = ""
    end_session: bool = False
    title: str = "Rekindle"
    listening: Listening = Listening.OFFER
    offers: tuple[str, ...] = ()

    @property
    def listen(self) -> bool:
        """Whether the adapter should open the microphone after this reply."""
        return self.listening is not Listening.NONE

    @property
    def free_talk(self) -> bool:
        """The couple is talking to each other: only a clear command should act on what is heard."""
        return self.listening is Listening.FREE_TALK

    @property
    def text(self) -> str:
        """All spoken words joined, for text mode, cards and tests."""
        return " ".join(s.text for s in self.segments if isinstance(s, Speech))

    @property
    def timed_seconds(self) -> float:
        """Total length of timer pauses (touch moments) in this reply."""
        return sum(s.seconds for s in self.segments if isinstance(s, Pause) and s.timer)

    @property
    def floor_seconds(self) -> float:
        """Total length of the floor this reply holds for the couple (0 where it holds none)."""
        return sum(s.seconds for s in self.segments if isinstance(s, Pause) and s.floor)


@dataclass
class ReplyBuilder:
    """Accumulates segments; keeps adjacent speech separate so pacing is explicit."""

    segments: list[Segment] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)

    def say(self, *texts: str) -> ReplyBuilder:
        """Speak each non-empty text; [bracketed] options are spoken without brackets and remembered."""
        for text in texts:
            if text:
                self.segments.append(Speech(self._spoken(text).strip()))
        return self

    def _spoken(self, text: str) -> str:
        for option in OPTION.findall(text):
            if option not in self.offers:
                self.offers.append(option)
        return OPTION.sub(lambda m: m.group(1), text)

    def pause(self, seconds: float, timer: bool = False) -> ReplyBuilder:
        if seconds > 0:
            self.segments.append(Pause(float(seconds), timer))
        return self

    def cue(self, kind: CueKind) -> ReplyBuilder:
        self.segments.append(Cue(kind))
        return self

    def hold_floor(self, seconds: float) -> ReplyBuilder:
        """Quiet for the couple to talk in, then the cue that marks its end."""
        self.segments.append(Pause(float(seconds), floor=True))
        return self.cue(CueKind.FLOOR_END)

    def build(
        self,
        reprompt: str,
        card: str = "",
        end_session: bool = False,
        title: str = "Rekindle",
    ) -> Reply:
        reprompt = "" if end_session else self._spoken(reprompt)
        return Reply(
            segments=tuple(self.segments),
            reprompt=reprompt,
            offers=tuple(self.offers),
            card=card,
            end_session=end_session,
            title=title,
            listening=Listening.NONE if end_session else Listening.OFFER,
        )
