"""Offline voice adapter: recognition, understanding and speech on a laptop (see local_voice/README.md).

Public face: :func:`load_recogniser` picks PocketSphinx (embedded) or Vosk;
:class:`VoiceLoop` runs a conversation between a :class:`~local_voice.audio_in.Source`
(microphone or WAV files) and a :class:`~local_voice.audio_out.Sink` (speakers or WAV files).
Heavy libraries (pocketsphinx, vosk, sounddevice, pyttsx3) are imported only when used.
"""

from .asr import ModelError, Recogniser, Recognition
from .engines import load_recogniser
from .loop import Voice, VoiceLoop

__all__ = ["ModelError", "Recogniser", "Recognition", "Voice", "VoiceLoop", "load_recogniser"]
