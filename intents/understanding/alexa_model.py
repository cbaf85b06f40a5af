"""Alexa interaction models generated from the source (:mod:`intents.understanding.source`).

Each intent's templates become its samples (alternatives and optional words expanded, a large template
by a covering few: :meth:`Template.samples`), lists stay ``{slot}`` references, and each list becomes a
slot type whose values carry their id and synonyms. The reverse, :func:`language_from_model`, reads an
Alexa model as a source whose templates are its samples (for checking a model on its own).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .source import IntentSpec, Language, SlotList, SlotValue
from .templates import Seq, Slot, Template, Word

# Limits Amazon documents or that were found the hard way, checked by tests/test_skill_models.py.
MAX_SAMPLE_CHARACTERS = 200
MAX_SLOT_VALUE_CHARACTERS = 140
MAX_SLOT_VALUES = 50_000  # custom slot values and synonyms, all types together
MAX_SAMPLES_PER_INTENT = 300  # our own bound: a sample set one can read, not an explosion


def interaction_model(language: Language) -> dict[str, Any]:
    """The ``interactionModel`` document for one locale."""
    used_lists = [name for name in language.lists if any(name in i.slots.values() for i in language.intents)]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": language.invocation,
                "intents": [_intent(language, intent) for intent in language.intents],
                "types": [_slot_type(language.lists[name]) for name in used_lists],
            }
        }
    }


def model_text(language: Language) -> str:
    """The model as the committed JSON file holds it (stable layout, one trailing newline)."""
    return json.dumps(interaction_model(language), indent=2, ensure_ascii=False) + "\n"


def _intent(language: Language, intent: IntentSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": intent.name}
    if intent.slots:
        out["slots"] = [{"name": slot, "type": language.lists[list_name].type_name}
                        for slot, list_name in intent.slots.items()]
    out["samples"] = intent.samples()
    return out


def _slot_type(slot_list: SlotList) -> dict[str, Any]:
    values = []
    for value in slot_list.values:
        name: dict[str, Any] = {"value": value.forms[0]}
        if value.forms[1:]:
            name["synonyms"] = list(value.forms[1:])
        values.append({"id": value.id, "name": name} if value.id is not None else {"name": name})
    return {"name": slot_list.type_name, "values": values}


def language_from_model(language_model: Mapping[str, Any], locale: str = "") -> Language:
    """An Alexa ``languageModel`` read as a source: each sample a template, each slot type a list."""
    lists = {}
    for slot_type in language_model.get("types", []):
        values = tuple(
            SlotValue(str(v["id"]) if "id" in v else None,
                      (str(v["name"]["value"]), *(str(s) for s in v["name"].get("synonyms", []))))
            for v in slot_type.get("values", []))
        lists[str(slot_type["name"])] = SlotList(str(slot_type["name"]), str(slot_type["name"]), values,
                                                 open=str(slot_type["name"]).startswith("AMAZON."))
    intents = []
    for intent in language_model.get("intents", []):
        name = str(intent["name"])
        slot_types = {str(s["name"]): str(s["type"]) for s in intent.get("slots", [])}
        for type_name in slot_types.values():
            lists.setdefault(type_name, SlotList(type_name, type_name, (), open=True))
        templates = tuple(Template(name, str(s), _sample_tree(str(s), slot_types)) for s in intent.get("samples", []))
        intents.append(IntentSpec(name, templates, slot_types))
    return Language(locale, str(language_model.get("invocationName", "")), tuple(intents), lists)


def _sample_tree(sample: str, slot_types: Mapping[str, str]) -> Seq:
    items: list[Word | Slot] = []
    for piece in sample.split():
        ref = re.fullmatch(r"\{(\w+)\}", piece)
        items.append(Slot(slot_types.get(ref.group(1), ref.group(1)), ref.group(1)) if ref else Word(piece))
    return Seq(tuple(items))
