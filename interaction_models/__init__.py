"""What Rekindle understands: sentence templates, locale overlays and the Alexa models made from them.

``sentences/*.yaml`` and ``locales/<locale>.yaml`` are the one source (read by
:mod:`intents.understanding.source`); the ``<locale>.json`` Alexa interaction models are generated
from it by ``script/generate-models`` and deployed with the skill. See README.md here.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_DIR = Path(__file__).parent
DEFAULT_LOCALE = "en-US"


def locales() -> list[str]:
    """Locales that have a model, e.g. ``["en-AU", "en-CA", ...]``."""
    return sorted(p.stem for p in MODEL_DIR.glob("[a-z][a-z]-[A-Z][A-Z].json"))


def model_path(locale: str = DEFAULT_LOCALE) -> Path:
    return MODEL_DIR / f"{locale}.json"


def load_model(locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The whole interaction model document for ``locale``."""
    path = model_path(locale)
    if not path.exists():
        raise FileNotFoundError(
            f"No interaction model for locale {locale!r}; available: {', '.join(locales())}"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def language_model(locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The ``interactionModel.languageModel`` part: invocation name, intents, types."""
    lm: dict[str, Any] = load_model(locale)["interactionModel"]["languageModel"]
    return lm


def free_talk_samples() -> frozenset[str]:
    """The samples the offline loop acts on while partners talk to each other (``free_talk.json``)."""
    return frozenset(str(s) for s in _free_talk()["samples"])


def free_talk_remarks() -> frozenset[str]:
    """Short remarks partners make to each other ("yeah", "me too"), never commands (``free_talk.json``).

    The offline loop listens for them while partners talk so that they are recognised as what they
    are instead of as the nearest command.
    """
    return frozenset(str(s) for s in _free_talk()["remarks"])


def while_speaking_samples() -> frozenset[str]:
    """The only samples the offline loop acts on while Rekindle itself is speaking ("stop", "pause").

    A couple can cut a long prompt or a touch timer short with them; anything else said meanwhile
    is ignored (``free_talk.json``).
    """
    return frozenset(str(s) for s in _free_talk()["while_speaking"])


@lru_cache(maxsize=1)
def spoken_forms() -> dict[str, Any]:
    """How speech recognition spells what people say: contractions, numbers, fillers
    (``spoken_forms.json``, read by :class:`intents.understanding.SpokenForms`)."""
    data: dict[str, Any] = json.loads((MODEL_DIR / "spoken_forms.json").read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def _free_talk() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MODEL_DIR / "free_talk.json").read_text(encoding="utf-8"))
    return data
