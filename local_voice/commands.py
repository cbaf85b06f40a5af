"""Which intents may act while partners talk freely, and turning what was heard into an intent.

While a reply has ``free_talk`` set, only commands a couple would use to
steer the ritual may act; setup commands (names, length, starting a ritual,
yes and no) are left out of the grammar entirely, since everyday sentences
resemble them most.
"""

from __future__ import annotations

from intents.understanding import IntentMatcher, Match

from .asr import Recognition

FREE_TALK_INTENTS = frozenset({
    "AMAZON.NextIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.HelpIntent",
    "AMAZON.PreviousIntent",
    "MoreTimeIntent",
    "TimeLeftIntent",
    "SkipIntent",
    "DifferentQuestionIntent",
})


def heard_intent(matcher: IntentMatcher, recognition: Recognition, free_talk: bool = False) -> Match | None:
    """The intent to act on, or None when nothing should act."""
    if not recognition.accepted:
        return None
    match = matcher.match(recognition.transcript)
    if match is None or (free_talk and match.intent not in FREE_TALK_INTENTS):
        return None
    return match
