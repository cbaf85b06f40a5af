"""Which intents may act while partners talk freely, and turning what was heard into an intent.

While a reply listens for free talk, rejection is stricter (see
:mod:`local_voice.rejection`) and the intents in ``FREE_TALK_EXCLUDED`` are
left out of the grammar entirely.
"""

from __future__ import annotations

from intents.replies import Listening
from intents.understanding import IntentMatcher, Match

from .asr import Recognition
from .vocabulary import NAME_ANSWER_INTENTS, SETUP_INTENTS

# Setup commands cannot act while partners answer each other: naming the couple is what everyday
# sentences resemble most ("we're ... and ..."), and changing the ritual's length mid-answer is never
# meant (long sentences decoded as "i want a twenty minute ritual"). Both work once the answer is done.
FREE_TALK_EXCLUDED = SETUP_INTENTS


def heard_intent(matcher: IntentMatcher, recognition: Recognition,
                 listening: Listening = Listening.OFFER) -> Match | None:
    """The intent to act on, or None when nothing should act."""
    if not recognition.accepted:
        return None
    match = recognition.match or matcher.match(recognition.transcript)
    if match is None or (listening is Listening.FREE_TALK and match.intent in FREE_TALK_EXCLUDED):
        return None
    if match.intent in NAME_ANSWER_INTENTS and listening is not Listening.NAMES:  # a sentence, not names
        return None
    return match
