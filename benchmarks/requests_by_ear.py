"""Requests for the night said aloud to the laptop, and partners' talk that must not act (issue 25, item 5).

    .venv/bin/python -m benchmarks.requests_by_ear [--voices V,...] [--at PLACE] [--prompt setup|requests]
                                                   [--model SIZE] [--no-conversation] [--failures]

The requests of ``tests/requests/*.yaml`` said at the offer, at the check-in and in the welcome back
(``benchmarks/requests_bench.py``: the same households, places and effects), each spoken in voices held out
from all tuning (Piper's joe at two rates, two espeak-ng voices; ``benchmarks/voice_bench.say``), cut by the
endpointer and heard as ``rekindle talk`` hears when a Whisper model is installed: Whisper's open transcript
checked by PocketSphinx (``local_voice.hearing``), in the grammar context the last reply listens for.
Counted: the right effect (as the text front counts it), and requests that acted as some other command
(the worst: a "not that one" heard as "next" begins the ritual).

Then the hand-written conversation (``tests/voice_data/conversation.txt``, ``asides.txt``), spoken in the
first two voices: acting while partners answer (free talk: the hearing benchmark's measure, which requests
must leave at 0) and, new with requests, acting as a request at an offer.

``--prompt requests`` adds a few requests to what Whisper is told to expect at the offer
(``spoken_forms.json``'s ``setup_prompt``), to measure whether it helps. Needs espeak-ng, sox, the voice
extra, Piper's joe for the ``joe@`` voices and a Whisper model; figures measured while other work runs are
under load (the load is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voice_speech import HELD_OUT_VOICES, JOE_HELD_OUT, conversation  # noqa: E402

from benchmarks.requests_bench import DIDNT_CATCH, HOUSEHOLD, Said, TextFront, load_requests, play  # noqa: E402
from benchmarks.voice_bench import say  # noqa: E402
from intents import Rekindle  # noqa: E402
from intents.commands import Command, CommandKind  # noqa: E402
from intents.replies import Listening  # noqa: E402
from intents.understanding import IntentMatcher, command_for_intent  # noqa: E402
from local_voice.asr import Recogniser  # noqa: E402
from local_voice.endpointer import speech_of  # noqa: E402
from local_voice.heard import heard_intent  # noqa: E402
from local_voice.vocabulary import REQUEST_INTENTS  # noqa: E402
from text_mode import render_text  # noqa: E402

PLACES_AT_AN_OFFER = ("offer", "check_in", "welcome_back")
# Said to Whisper before the utterance at an offer with --prompt requests: one of each kind of request.
REQUEST_PROMPT = ("something short tonight", "just cuddles tonight", "we're tired", "not this one", "surprise us")


class VoiceFront(TextFront):
    """Text mode's engine, reached through speech: espeak-ng says the sentence, the hearing hears it in the
    grammar context the last reply listens for, and what it heard (or nothing) goes to the engine."""

    name = "voice"

    def __init__(self, engine: Rekindle, matcher: IntentMatcher, hearing: Recogniser, voice: str,
                 heard: Counter[str]) -> None:
        super().__init__(engine, matcher)
        self.hearing, self.voice, self.heard = hearing, voice, heard
        self.listening = Listening.OFFER

    def say(self, text: str) -> Said:
        recognition = self.hearing.recognise(speech_of(say(text, self.voice)), self.listening)
        match = heard_intent(self.matcher, recognition, self.listening)
        meant = self.matcher.match(text)
        if match is not None and meant is not None and match.intent != meant.intent:
            self.heard[f"{text!r} acted as {match.intent} ({recognition.engine}: {recognition.transcript!r})"] += 1
        elif match is None:
            self.heard[f"{text!r} not heard (Whisper wrote {recognition.transcript!r})"] += 1
        command = command_for_intent(match.intent, match.slots) if match else Command(CommandKind.UNKNOWN)
        return self._turn(command, match is not None)

    def _turn(self, command: Command, understood: bool) -> Said:
        turn = self.engine.handle(HOUSEHOLD, command, None if command.kind is CommandKind.OPEN else self.state)
        self.state, self.listening = turn.state, turn.reply.listening
        return Said(render_text(turn.reply), turn.state, understood)


@dataclass
class Counts:
    ok: int = 0
    total: int = 0
    other_command: int = 0
    misses: Counter[str] = field(default_factory=Counter)


def hearing_with(matcher: IntentMatcher, prompt: str, size: str | None) -> Recogniser:
    """``rekindle talk``'s hearing (Whisper checked by PocketSphinx) with the Whisper model it would use (or the
    one of ``size``), Whisper told ``prompt`` at the offer. Whisper base is joined once into a folder of its own
    in the temporary directory, as ``rekindle talk`` joins it into the data folder."""
    from interaction_models import spoken_forms
    from local_voice.engines import load_recogniser, whisper_prompts
    from local_voice.whisper import WhisperTranscriber, command_prompt
    from local_voice.whisper_models import installed_models

    home = Path(tempfile.gettempdir()) / "rekindle-requests-by-ear"
    models = [m for m in installed_models(home) if size in (None, m.size)]
    if not models:
        raise SystemExit(f"no Whisper model{' ' + size if size else ''} is installed (pip install '.[whisper]')")
    prompts = whisper_prompts(matcher)
    if prompt == "requests":
        prompts["setup"] = command_prompt([*map(str, spoken_forms().get("setup_prompt", [])), *REQUEST_PROMPT])
    whisper = WhisperTranscriber(models[0], prompts)
    return load_recogniser(matcher, home, None, "whisper", whisper=whisper)


def requests_heard(hearing: Recogniser, matcher: IntentMatcher, voices: list[str], only: str | None) -> Counts:
    requests, places = load_requests()
    counts = Counts()
    for voice in voices:
        for request in requests:
            if request.at not in PLACES_AT_AN_OFFER or (only and request.at != only):
                continue
            def make(engine: Rekindle, voice: str = voice) -> VoiceFront:
                return VoiceFront(engine, matcher, hearing, voice, counts.misses)

            before = sum(n for k, n in counts.misses.items() if " acted as " in k)
            result = play(request, places, make)
            counts.total += 1
            counts.ok += result.ok and DIDNT_CATCH not in result.reply.lower()
            counts.other_command += sum(n for k, n in counts.misses.items() if " acted as " in k) > before
    return counts


def conversation_acting(hearing: Recogniser, matcher: IntentMatcher, voices: list[str]) -> dict[str, Counter[str]]:
    """Sentences and asides partners say, heard while they answer and at an offer: what acted."""
    acted: dict[str, Counter[str]] = {"free talk": Counter(), "offer, as a request": Counter(), "offer": Counter()}
    for voice in voices[:2]:
        for name in ("conversation.txt", "asides.txt"):
            for sentence in conversation(name):
                speech = speech_of(say(sentence, voice))
                for listening in (Listening.FREE_TALK, Listening.OFFER):
                    match = heard_intent(matcher, hearing.recognise(speech, listening), listening)
                    if match is None:
                        continue
                    key = "free talk" if listening is Listening.FREE_TALK else "offer"
                    acted[key][f"{sentence!r} -> {match.intent}"] += 1
                    if listening is Listening.OFFER and match.intent in REQUEST_INTENTS:
                        acted["offer, as a request"][f"{sentence!r} -> {match.intent} {match.slots}"] += 1
    return acted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", default=",".join(JOE_HELD_OUT + HELD_OUT_VOICES[:2]))
    parser.add_argument("--at", choices=PLACES_AT_AN_OFFER, help="only the requests said at this place")
    parser.add_argument("--prompt", choices=("setup", "requests"), default="setup")
    parser.add_argument("--model", help="a Whisper size (base, tiny.en): default the one rekindle talk uses")
    parser.add_argument("--no-conversation", action="store_true")
    parser.add_argument("--failures", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    voices = args.voices.split(",")
    matcher = IntentMatcher.for_locale("en-US")
    hearing = hearing_with(matcher, args.prompt, args.model)
    counts = requests_heard(hearing, matcher, voices, args.at)
    print(f"voices {', '.join(voices)}; Whisper prompt at the offer: {args.prompt}; "
          f"{getattr(getattr(hearing, 'whisper', None), 'info', None) and hearing.whisper.info.describe()}")  # type: ignore[attr-defined]
    print(f"requests at an offer, right effect by ear: {counts.ok}/{counts.total} "
          f"({100 * counts.ok / max(1, counts.total):.1f} %); acted as another command: {counts.other_command}")
    if args.failures:
        for what, n in sorted(counts.misses.items()):
            print(f"   {n} x {what}")
    if not args.no_conversation:
        acted = conversation_acting(hearing, matcher, voices)
        said = sum(len(conversation(n)) for n in ("conversation.txt", "asides.txt")) * min(2, len(voices))
        for key, found in acted.items():
            print(f"conversation and asides acting, {key}: {sum(found.values())} of {said}")
            if args.failures:
                for what, n in sorted(found.items()):
                    print(f"   {n} x {what}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
