"""Voice commands: ``rekindle models download``, ``devices``, ``voices``, ``recognize`` and voice ``talk``."""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from intents.engine import Rekindle
from intents.replies import Listening
from intents.understanding import IntentMatcher
from local_voice.choices import ASR_CHOICES, ASR_HELP, WHISPER_SIZES

from . import config
from .errors import UserError

log = logging.getLogger("rekindle.voice")


def register(sub: Any) -> None:
    models = sub.add_parser("models", help="speech models for the laptop")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION")
    download = models_sub.add_parser(
        "download", help="download a speech model: vosk (default; English, about 40 MB) or whisper",
        description="Download a speech model into $REKINDLE_HOME/models: the Vosk English model, or a Whisper "
        "model for open-vocabulary hearing (tiny.en about 75 MB, base.en about 145 MB, small.en about 480 MB).")
    download.add_argument("model", nargs="?", choices=("vosk", "whisper"), default="vosk")
    download.add_argument("--size", choices=WHISPER_SIZES, default=WHISPER_SIZES[0],
                          help="which Whisper model (default tiny.en; larger ones hear better and run slower)")
    download.set_defaults(handler=download_model)
    models.set_defaults(handler=lambda args: models.print_help() or 2)

    devices = sub.add_parser("devices", help="list microphones and speakers")
    devices.set_defaults(handler=list_devices)

    voices = sub.add_parser("voices", help="list the voices Rekindle can speak with",
                            description="The Piper voices installed and espeak-ng's voices; choose one with "
                            "'rekindle talk --voice NAME'.")
    voices.add_argument("--all", action="store_true", help="espeak-ng's voices in every language, not only English")
    voices.set_defaults(handler=list_voices)

    rec = sub.add_parser("recognize", help="recognise commands in WAV files (16 kHz mono)",
                         description="Run recognition and understanding on each file in one process.")
    rec.add_argument("files", nargs="+", type=Path, metavar="FILE.wav")
    rec.add_argument("--json", action="store_true", help="one JSON object per file per line")
    rec.add_argument("--free-talk", action="store_true", help="as if partners were answering a question")
    add_engine_options(rec)
    rec.set_defaults(handler=recognize)


def add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--vosk-model", type=Path, metavar="PATH", help="use the Vosk model in this folder")
    p.add_argument("--asr", choices=ASR_CHOICES, default="auto", help=ASR_HELP)
    p.add_argument("--locale", default="en-US", help="interaction model to understand (default en-US)")


def _recogniser(args: argparse.Namespace, matcher: IntentMatcher, contexts: Any = None,
                later: bool = False) -> Any:
    from local_voice.asr import ModelError
    from local_voice.engines import load_recogniser

    try:
        return load_recogniser(matcher, config.data_dir(), args.vosk_model, args.asr, contexts=contexts,
                               later=later)
    except ModelError as exc:
        raise UserError(str(exc)) from exc


def log_planned_engine(args: argparse.Namespace) -> None:
    """Name the speech recognition ``--asr`` will use before anything can fail (``-v``)."""
    from local_voice.engines import planned_engine

    log.info("speech recognition planned: %s", planned_engine(config.data_dir(), args.vosk_model, args.asr))


def download_model(args: argparse.Namespace) -> int:
    from local_voice.asr_vosk import VOSK_MODEL_NAME
    from local_voice.models import DownloadError, download_vosk_model, download_whisper_model

    try:
        if args.model == "whisper":
            path = download_whisper_model(config.data_dir(), args.size)
            print(f"Installed Whisper {args.size} in {path}. 'rekindle talk' will hear with it from now on.")
            return 0
        path = download_vosk_model(config.data_dir() / "models", VOSK_MODEL_NAME)
    except DownloadError as exc:
        raise UserError(str(exc)) from exc
    print(f"Installed {VOSK_MODEL_NAME} in {path}. 'rekindle talk' will use Vosk from now on.")
    return 0


def list_devices(args: argparse.Namespace) -> int:
    try:
        import sounddevice as sd
    except OSError as exc:
        raise UserError("Audio needs PortAudio: sudo apt-get install libportaudio2") from exc
    devices = sd.query_devices()
    if not len(devices):
        raise UserError("No audio devices found. Use 'rekindle talk --text' to type instead.")
    default_in, default_out = sd.default.device
    for index, d in enumerate(devices):
        roles = []
        if d["max_input_channels"] > 0:
            roles.append("microphone" + (" (default)" if index == default_in else ""))
        if d["max_output_channels"] > 0:
            roles.append("speaker" + (" (default)" if index == default_out else ""))
        print(f"{index:3d}  {d['name']}  [{', '.join(roles) or 'no channels'}]")
    print("\nChoose with: rekindle talk --input-device N --output-device N")
    return 0


def list_voices(args: argparse.Namespace) -> int:
    from local_voice.voices import listing

    print("Voices Rekindle can speak with (choose with: rekindle talk --voice NAME):")
    for line in listing(config.data_dir(), args.all):
        print(line)
    print("\nespeak-ng voices take a variant too, e.g. --voice espeak:en-us+f3 (variants: espeak-ng --voices=variant).")
    return 0


def recognize(args: argparse.Namespace) -> int:
    from local_voice.audio_in import AudioDeviceError, read_pcm
    from local_voice.recognize_files import recognise_file

    readable = []
    for path in args.files:  # every file checked before the models load (hundreds of MB, seconds)
        try:
            read_pcm(path)
        except AudioDeviceError as exc:
            print(f"rekindle: {exc}", file=sys.stderr)
            continue
        readable.append(path)
    if not readable:
        return 1
    status = 0 if len(readable) == len(args.files) else 1
    matcher = config.matcher_for(args.locale)
    recogniser = _recogniser(args, matcher)
    for path in readable:
        try:
            listening = Listening.FREE_TALK if args.free_talk else Listening.OFFER
            result = recognise_file(recogniser, matcher, path, listening)
        except AudioDeviceError as exc:
            print(f"rekindle: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        else:
            what = result["intent"] or "(not a command)"
            print(f"{path}: {what} {result['slots'] or ''}".rstrip(), flush=True)
    return status


def talk_voice(args: argparse.Namespace) -> int:
    """The hands-free ritual. Once the devices are there, three things load side by side: the voice, the
    hearing (the matcher, then the grammar decoder with the grammars needed first; Whisper on a thread of
    its own) and the engine here. The welcome is rendered as soon as the voice can speak, and plays once
    the grammar decoder is ready (see :meth:`VoiceLoop.say`); Whisper's model loads while it plays, and
    the rest of the grammars compile after it."""
    from local_voice.audio_in import AudioDeviceError, WavSource
    from local_voice.audio_out import SpeakerSink, WavSink
    from local_voice.engines import STARTUP_CONTEXTS
    from local_voice.loop import Voice, VoiceLoop, device_wait, timer_scale
    from local_voice.memory import limit_heaps
    from local_voice.microphone import MicSource
    from local_voice.native import alsa_messages_to_debug

    started = time.perf_counter()
    limit_heaps()  # before the loading threads start: see local_voice/memory.py
    alsa_messages_to_debug(log)  # an underrun recovered mid-sentence is no news to the couple
    log_planned_engine(args)
    store = config.open_store()
    source: Any = None
    sink: Any = None
    voice: Any = None
    loading = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="rekindle-voice-load")
    matcher_ready: concurrent.futures.Future[IntentMatcher] = concurrent.futures.Future()

    def load_hearing() -> Any:
        try:
            matcher = config.matcher_for(args.locale)
        except BaseException as exc:
            matcher_ready.set_exception(exc)
            raise
        matcher_ready.set_result(matcher)
        recogniser = _recogniser(args, matcher, STARTUP_CONTEXTS, later=True)
        log.info("hearing ready after %.2f s (speech recognition: %s)", time.perf_counter() - started,
                 recogniser.engine)
        return recogniser

    try:
        try:  # devices first: with no microphone, say so before anything slow happens
            source = WavSource(args.input_wav) if args.input_wav else MicSource(_device(args.input_device))
            sink = WavSink(args.output_wav) if args.output_wav else SpeakerSink(_device(args.output_device))
        except AudioDeviceError as exc:
            raise UserError(str(exc)) from exc
        opening = loading.submit(_open_voice, args)
        hearing = loading.submit(load_hearing)
        scale = args.timer_scale if args.timer_scale is not None else timer_scale()
        wait = args.device_wait if getattr(args, "device_wait", None) is not None else device_wait()
        try:
            engine = Rekindle(store, front="laptop", ritual=args.ritual)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        voice = opening.result()
        log.info("voice: %s, %d words a minute", voice.description, voice.rate)
        loop = VoiceLoop(engine, config.household(), hearing, matcher_ready.result(), source, sink,
                         Voice(voice.speak, scale, voice.fallback), captions=sys.stdout,
                         device_wait=max(0.0, wait), retry_interval=min(1.0, max(0.1, wait / 10)),
                         barge_in="off" if args.input_wav else getattr(args, "barge_in", "timers"))
        try:
            loop.run()
        except AudioDeviceError as exc:
            raise UserError(str(exc)) from exc
    finally:
        loading.shutdown(wait=True)
        for part in (voice, source, sink):
            if part is not None:
                part.close()
        store.close()
    return 0


def _open_voice(args: argparse.Namespace) -> Any:
    """The voice ``--voice`` names (see :func:`local_voice.voices.open_voice`: espeak-ng after one warning
    when it cannot speak, captions only after another when espeak-ng cannot either). A ``--rate`` that
    cannot work is a mistake to fix."""
    from local_voice.tts import SpeechSettingError
    from local_voice.voices import open_voice

    try:
        return open_voice(args.voice, config.data_dir(), args.rate, args.volume)
    except SpeechSettingError as exc:
        raise UserError(str(exc)) from exc


def _device(value: str | None) -> str | int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value
