"""The one source of what Rekindle understands, read for one locale.

``interaction_models/sentences/*.yaml`` hold the intents' sentence templates, the lists their slots are
filled from and expansion rules, in hassil's file format (``language``, ``intents`` -> ``data`` ->
``sentences``, ``lists`` -> ``values`` with ``in``/``out``, ``expansion_rules``). Two keys of our own
ride along, which hassil ignores: a list's ``type`` (the Alexa slot type it becomes) and ``open: true``
(the laptop takes any words there; the values are what a grammar can hear and what extends Alexa's type).

``interaction_models/locales/<locale>.yaml`` is a locale's overlay: its ``invocation`` name, ``spellings``
(word for word, ``cozy: cosy``), extra ``intents`` sentences and extra list ``values``. Everything
else is shared. :func:`language` gives the merged, parsed result; :func:`hassil_source` the merged
document as hassil reads it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import templates as tpl
from .templates import Template, TemplateError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SourceError(ValueError):
    """The source files say something contradictory or malformed; the message names the file and entry."""


@dataclass(frozen=True)
class SlotValue:
    """One value of a list: its id (hassil's ``out``; None for plain values) and the words that say it."""

    id: str | None
    forms: tuple[str, ...]


@dataclass(frozen=True)
class SlotList:
    """A list a slot is filled from, and the Alexa slot type it becomes."""

    name: str
    type_name: str
    values: tuple[SlotValue, ...]
    open: bool = False

    def forms(self) -> dict[str, str]:
        """Every spoken form -> the value it stands for (its id, or the form itself)."""
        return {form: value.id or value.forms[0] for value in self.values for form in value.forms}


@dataclass(frozen=True)
class IntentSpec:
    """An intent: its templates and the slots they fill (slot name -> list name)."""

    name: str
    templates: tuple[Template, ...]
    slots: Mapping[str, str] = field(default_factory=dict)

    def expansions(self) -> list[str]:
        """Every phrase of every template, slots kept as ``{slot}``, each once, in order."""
        return list(dict.fromkeys(p for t in self.templates for p in t.expansions()))

    def samples(self) -> list[str]:
        """The sample utterances Alexa gets (see :meth:`Template.samples`), each once, in order."""
        return list(dict.fromkeys(p for t in self.templates for p in t.samples()))


@dataclass(frozen=True)
class Language:
    """What one locale understands: intents in source order, the lists their slots use, the invocation name."""

    locale: str
    invocation: str
    intents: tuple[IntentSpec, ...]
    lists: Mapping[str, SlotList]

    @cached_property
    def by_name(self) -> dict[str, IntentSpec]:
        return {i.name: i for i in self.intents}

    def intent(self, name: str) -> IntentSpec:
        return self.by_name[name]

    def slot_list(self, intent: str, slot: str) -> SlotList:
        """The list an intent's slot is filled from."""
        return self.lists[self.by_name[intent].slots[slot]]

    def slot_types(self, intent: str) -> dict[str, str]:
        """Slot name -> Alexa slot type name, for one intent."""
        return {slot: self.lists[name].type_name for slot, name in self.by_name[intent].slots.items()}


def source_dir() -> Path:
    from interaction_models import MODEL_DIR

    return MODEL_DIR


def locales() -> list[str]:
    """The locales that have an overlay (``interaction_models/locales/<locale>.yaml``)."""
    return sorted(p.stem for p in (source_dir() / "locales").glob("*.yaml"))


def _read(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    if not isinstance(data, dict):
        raise SourceError(f"{path}: expected a mapping at the top")
    return data


@lru_cache(maxsize=16)
def hassil_source(locale: str) -> dict[str, Any]:
    """The shared sentences with ``locale``'s overlay merged in, as one hassil intents document
    (plus our ``invocation`` and ``spellings`` keys, which hassil ignores)."""
    merged: dict[str, Any] = {"language": "en", "intents": {}, "lists": {}, "expansion_rules": {}}
    for path in sorted((source_dir() / "sentences").glob("*.yaml")):
        data = _read(path)
        for key in ("intents", "lists", "expansion_rules"):
            for name, body in (data.get(key) or {}).items():
                if name in merged[key]:
                    raise SourceError(f"{path.name}: {key[:-1].replace('_', ' ')} {name!r} is defined twice")
                merged[key][name] = copy.deepcopy(body)
    overlay_path = source_dir() / "locales" / f"{locale}.yaml"
    if not overlay_path.exists():
        raise SourceError(f"No locale overlay {overlay_path.name}; available: {', '.join(locales())}")
    overlay = _read(overlay_path)
    if not overlay.get("invocation"):
        raise SourceError(f"{overlay_path.name}: every locale names its invocation")
    merged["invocation"] = str(overlay["invocation"])
    merged["spellings"] = {str(k): str(v) for k, v in (overlay.get("spellings") or {}).items()}
    for name, sentences in (overlay.get("intents") or {}).items():
        if name not in merged["intents"]:
            raise SourceError(f"{overlay_path.name}: intent {name!r} is not in the shared sentences")
        merged["intents"][name]["data"].append({"sentences": list(sentences)})
    for name, body in (overlay.get("lists") or {}).items():
        if name not in merged["lists"]:
            raise SourceError(f"{overlay_path.name}: list {name!r} is not in the shared sentences")
        merged["lists"][name]["values"].extend(copy.deepcopy(body.get("values") or []))
    return merged


@lru_cache(maxsize=16)
def list_forms(name: str) -> dict[str, str]:
    """Every way any locale says a value of list ``name`` -> the value's id ("short" -> "5"), read from
    the lists alone (no templates parsed), for reading a slot value that arrives as the words said."""
    forms: dict[str, str] = {}
    for locale in locales():
        body = (hassil_source(locale).get("lists") or {}).get(name)
        if body is None:
            raise SourceError(f"no list {name!r} in the shared sentences")
        forms.update(_slot_list(name, body, {}).forms())
    return forms


@lru_cache(maxsize=16)
def language(locale: str) -> Language:
    """What ``locale`` understands, parsed (cached: the source does not change while running)."""
    return build_language(locale, hassil_source(locale))


def build_language(locale: str, source: Mapping[str, Any]) -> Language:
    """Parse a merged source document (see :func:`hassil_source`) into a :class:`Language`."""
    spellings = source.get("spellings") or {}
    rules = {str(k): str(v) for k, v in (source.get("expansion_rules") or {}).items()}
    lists = {name: _slot_list(name, body, spellings) for name, body in (source.get("lists") or {}).items()}
    intents = []
    for name, body in source["intents"].items():
        templates: list[Template] = []
        for data in body.get("data") or []:
            local_rules = {**rules, **{str(k): str(v) for k, v in (data.get("expansion_rules") or {}).items()}}
            for text in data.get("sentences") or []:
                try:
                    tree = tpl.respell(tpl.parse(str(text), local_rules), spellings)
                except TemplateError as exc:
                    raise SourceError(f"{name}: {exc}") from None
                templates.append(Template(name, str(text), tree))
        intents.append(IntentSpec(name, tuple(templates), _slots(name, templates, lists)))
    return Language(locale, str(source.get("invocation", "")), tuple(intents), lists)


def _slots(intent: str, templates: Iterable[Template], lists: Mapping[str, SlotList]) -> dict[str, str]:
    slots: dict[str, str] = {}
    for template in templates:
        for ref in template.slots:
            if ref.list_name not in lists:
                raise SourceError(f"{intent}: {template.text!r} names no list {{{ref.list_name}}}")
            if slots.setdefault(ref.slot, ref.list_name) != ref.list_name:
                raise SourceError(f"{intent}: slot {ref.slot!r} is filled from two lists")
    return slots


def _slot_list(name: str, body: Mapping[str, Any], spellings: Mapping[str, str]) -> SlotList:
    grouped: dict[str | None, list[str]] = {}
    plain: list[SlotValue] = []
    for value in body.get("values") or []:
        if isinstance(value, Mapping):
            text, out = str(value["in"]), str(value.get("out", value["in"]))
        else:
            text, out = str(value), None
        try:
            tree = tpl.respell(tpl.parse(text), spellings)
        except TemplateError as exc:
            raise SourceError(f"list {name}: {exc}") from None
        forms = [" ".join(p) for p in tpl.expansions(tree)]
        if out is None:
            plain.extend(SlotValue(None, (f,)) for f in forms)
        else:
            grouped.setdefault(out, []).extend(f for f in forms if f not in grouped.get(out, []))
    values = tuple(SlotValue(out, tuple(forms)) for out, forms in grouped.items()) + tuple(plain)
    if not body.get("type"):
        raise SourceError(f"list {name}: name the Alexa slot type it becomes (type: ...)")
    return SlotList(name, str(body["type"]), values, open=bool(body.get("open", False)))
