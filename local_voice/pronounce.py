"""Pronunciations for words the PocketSphinx dictionary lacks, guessed with espeak-ng.

The CMU dictionary is strong on common English words and English-speaking names and weak on
others: Aiko, Noor, Priya and Yuki are among the partner names in the interaction model and
are not in it. Dropping them would mean those couples cannot name themselves aloud. espeak-ng
(already installed for Rekindle's voice) spells out how it would say any word; its English
phonemes map onto the dictionary's ARPAbet. A word with a phoneme the map lacks stays unknown
and is left out as before, with the start-up warning.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterable

from .vocabulary import WORD

log = logging.getLogger("rekindle.voice.pronounce")

# espeak-ng's English phoneme mnemonics (as printed by ``espeak-ng -x``) -> ARPAbet, longest first.
_PHONES: dict[str, tuple[str, ...]] = {
    "i@3": ("IH", "R"), "aI@": ("AY", "ER"), "aU@": ("AW", "ER"), "A@": ("AA", "R"), "e@": ("EH", "R"),
    "i@": ("IY", "AH"), "O2": ("AO",), "t#": ("T",), "t2": ("T",), "d#": ("D",),
    "o@": ("AO", "R"), "O@": ("AO", "R"), "U@": ("UH", "R"), "3:": ("ER",), "A:": ("AA",), "O:": ("AO",),
    "i:": ("IY",), "u:": ("UW",), "aI": ("AY",), "aU": ("AW",), "eI": ("EY",), "OI": ("OY",), "oU": ("OW",),
    "@L": ("AH", "L"), "tS": ("CH",), "dZ": ("JH",), "I2": ("IH",), "I#": ("IH",), "@2": ("AH",), "@5": ("AH",),
    "a#": ("AH",), "3": ("ER",), "a": ("AE",), "A": ("AA",), "e": ("EH",), "E": ("EH",), "I": ("IH",),
    "i": ("IY",), "0": ("AA",), "O": ("AO",), "U": ("UH",), "V": ("AH",), "@": ("AH",), "p": ("P",),
    "b": ("B",), "t": ("T",), "d": ("D",), "k": ("K",), "g": ("G",), "f": ("F",), "v": ("V",), "T": ("TH",),
    "D": ("DH",), "s": ("S",), "z": ("Z",), "S": ("SH",), "Z": ("ZH",), "h": ("HH",), "m": ("M",),
    "n": ("N",), "N": ("NG",), "l": ("L",), "r": ("R",), "j": ("Y",), "w": ("W",), "x": ("K",), "?": (),
}
_SYMBOLS = sorted(_PHONES, key=len, reverse=True)


def to_arpabet(espeak: str) -> tuple[str, ...] | None:
    """ARPAbet phones for one word in espeak-ng's phoneme mnemonics, or None if a phoneme is unmapped."""
    text = espeak.replace("3r-", "3").replace("r-", "")
    phones: list[str] = []
    while text:
        if text[0] in "',%=;!_":
            text = text[1:]
            continue
        symbol = next((s for s in _SYMBOLS if text.startswith(s)), None)
        if symbol is None:
            return None
        phones.extend(_PHONES[symbol])
        text = text[len(symbol):]
    out: list[str] = []
    for phone in phones:
        # espeak marks a long consonant by doubling it, and its r-coloured vowel may still be followed
        # by the r; ARPAbet has neither
        if out and (out[-1] == phone or (out[-1] == "ER" and phone == "R")):
            continue
        out.append(phone)
    return tuple(out) or None


def guess_pronunciations(words: Iterable[str], voice: str = "en-us") -> dict[str, str]:
    """Dictionary-style pronunciations ("P R IY Y AH") for the words espeak-ng can say, by word.

    Empty when espeak-ng is not installed or fails: the words then stay unknown.
    """
    wanted = sorted({w for w in words if WORD.fullmatch(w)})
    binary = shutil.which("espeak-ng")
    if not wanted or binary is None:
        return {}
    try:
        done = subprocess.run([binary, "-q", "-x", "-v", voice, "\n".join(wanted)], capture_output=True,
                              text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("espeak-ng could not spell out pronunciations: %s", exc)
        return {}
    said = done.stdout.split()
    if len(said) != len(wanted):  # espeak-ng split or merged a word: no way to pair them up safely
        log.debug("espeak-ng gave %d pronunciations for %d words", len(said), len(wanted))
        return {}
    guessed = {}
    for word, phonemes in zip(wanted, said, strict=True):
        phones = to_arpabet(phonemes)
        if phones:
            guessed[word] = " ".join(phones)
    return guessed
