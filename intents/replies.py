"""What Rekindle says: typed, platform-neutral replies.

Adapters render these: the Alexa skill turns them into SSML, the laptop loop
into synthesised audio with real silences. The core never emits markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class CueKind(str, Enum):
    """A short non-verbal sound marking a moment (adapters choose the sound)."""

    TOUCH_START = "touch_start"
    TOUCH_END = "touch_end"


@dataclass(frozen=True)
class Speech:
    """Words to speak, plain text with no markup."""

    text: str


@dataclass(frozen=True)
class Pause:
    """Silence of ``seconds``. ``timer`` marks a timed touch rather than pacing."""

    seconds: float
    timer: bool = False


@dataclass(frozen=True)
class Cue:
    """A soft tone marking the start or end of a timed moment."""

    kind: CueKind


Segment = Speech | Pause | Cue


@dataclass(frozen=True)
class Reply:
    """One turn of Rekindle's side of the conversation.

    ``listen`` says whether the adapter should open the microphone afterwards;
    ``end_session`` whether the conversation is over. A reply that asks a
    question always listens and never ends the session. ``free_talk`` means
    the couple is now talking to each other (answering a question, lingering after
    a touch moment, or paused):
    adapters should let nothing but a clear command act on what they hear.
    """

    segments: tuple[Segment, ...]
    reprompt: str = ""
    card: str = ""
    end_session: bool = False
    listen: bool = True
    title: str = "Rekindle"
    free_talk: bool = False  # partners are talking to each other; only clear commands should act

    @property
    def text(self) -> str:
        """All spoken words joined, for text mode, cards and tests."""
        return " ".join(s.text for s in self.segments if isinstance(s, Speech))

    @property
    def timed_seconds(self) -> float:
        """Total length of timer pauses (touch moments) in this reply."""
        return sum(s.seconds for s in self.segments if isinstance(s, Pause) and s.timer)


@dataclass
class ReplyBuilder:
    """Accumulates segments; keeps adjacent speech separate so pacing is explicit."""

    segments: list[Segment] = field(default_factory=list)

    def say(self, *texts: str) -> ReplyBuilder:
        for text in texts:
            if text:
                self.segments.append(Speech(text.strip()))
        return self

    def pause(self, seconds: float, timer: bool = False) -> ReplyBuilder:
        if seconds > 0:
            self.segments.append(Pause(float(seconds), timer))
        return self

    def cue(self, kind: CueKind) -> ReplyBuilder:
        self.segments.append(Cue(kind))
        return self

    def build(
        self,
        reprompt: str,
        card: str = "",
        end_session: bool = False,
        title: str = "Rekindle",
    ) -> Reply:
        listen = not end_session
        return Reply(
            segments=tuple(self.segments),
            reprompt="" if end_session else reprompt,
            card=card,
            end_session=end_session,
            listen=listen,
            title=title,
        )
