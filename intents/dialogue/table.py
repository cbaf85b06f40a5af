"""The guided session's rules as data: phases, commands, and what each command does where.

The table lives in ``dialogue.yaml`` beside this module; a :class:`~intents.dialogue.turn.Conversation`
runs it. Every (phase, command) pair resolves to exactly one :class:`Rule`, and every action a row names
must exist, so a missing answer is a load error, not a surprise at bedtime.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from ..commands import CommandKind
from ..content.library import read_yaml
from ..replies import Listening
from ..window import MAX_FLOOR_SECONDS, Floor, Left

TABLE_PATH = Path(__file__).with_name("dialogue.yaml")
FALL_THROUGH = "fall_through"
EVERY_PHASE = "every_phase"
YAML_BOOLEANS = {True: "yes", False: "no"}  # YAML reads a bare yes: or no: key as a boolean


class Phase(str, Enum):
    """Where a couple is in a conversation; each has its own row of answers."""

    OFFER = "offer"  # tonight's ritual offered
    LONGER_OFFER = "longer_offer"  # a longer evening offered, the couple's usual length the answer to no
    CHECK_IN = "check_in"  # "how are you arriving tonight?", asked before the offer on some nights
    RESUME_OFFER = "resume_offer"  # a ritual left midway tonight, offered to continue
    DECLINED = "declined"  # the offer was declined; something smaller offered
    FINISHED = "finished"  # tonight's ritual is done; one more question offered
    NAMES_ASKED = "names_asked"  # Rekindle asked for both names
    NAMES_CHECK = "names_check"  # "I heard Sam and Robin. Is that right?"
    QUESTION_FIRST = "question_first"  # the first partner answers
    QUESTION_SECOND = "question_second"  # the second partner answers
    TASK = "task"  # something the couple does together
    TOUCH_INVITE = "touch_invite"  # a touch moment offered
    TOUCH_ASK_AGAIN = "touch_ask_again"  # offered once more after an unclear answer
    TOUCH_AFTER = "touch_after"  # lingering after the timer
    PAUSED = "paused"
    RETURNING = "returning"  # a new conversation begun by a command after the last was left midway
    SWITCH_OFFER = "switch_offer"  # another ritual asked for mid-way: switch to it, or carry on


TABLE_COMMANDS: tuple[CommandKind, ...] = tuple(k for k in CommandKind if k is not CommandKind.OPEN)
"""Every command the table answers (opening a conversation is not a command within one)."""


class DialogueError(ValueError):
    """The dialogue table is malformed; the message names the phase and command."""


@dataclass(frozen=True)
class Rule:
    """What a command does in a phase: an action and, for some actions, the phrase it says first."""

    action: str
    phrase: str = ""
    source: str = ""  # where the row is written: the phase or group name

    def __str__(self) -> str:
        return f"{self.action} {self.phrase}".strip()


@dataclass(frozen=True)
class PhaseSpec:
    """A phase's own settings and rows."""

    phase: Phase
    listening: Listening
    reprompt: str
    help: str
    asks_yes_no: bool
    group: str | None
    falls_through: bool
    rows: Mapping[CommandKind, Rule]
    come_back: str = ""  # free talk: how to come back, where Rekindle ends a session itself while they talk
    floor: Floor | None = None  # free talk: the floor a reply holds where the microphone closes (Alexa)


@dataclass(frozen=True)
class Welcome:
    """The words for coming back to a ritual left one way: greeting a plain launch, and a command."""

    offer: str
    welcome: str


@dataclass(frozen=True)
class DialogueTable:
    """Phases with their rows, the group rows they inherit, and the welcome back for each way of leaving."""

    phases: Mapping[Phase, PhaseSpec]
    groups: Mapping[str, Mapping[CommandKind, Rule]]
    welcome_back: Mapping[Left, Welcome]

    def spec(self, phase: Phase) -> PhaseSpec:
        return self.phases[phase]

    def rule(self, phase: Phase, command: CommandKind) -> Rule | None:
        """The rule for ``command`` in ``phase``; None means: hand it to the phase underneath."""
        spec = self.phases[phase]
        if command in spec.rows:
            return spec.rows[command]
        if spec.falls_through:
            return None
        for group in (spec.group, EVERY_PHASE):
            if group and command in self.groups[group]:
                return self.groups[group][command]
        raise DialogueError(f"no rule for {command.value} in phase {phase.value}")

    def pairs(self) -> list[tuple[Phase, CommandKind, Rule | None]]:
        """Every (phase, command) pair with its rule, in table order, for tests and reviews."""
        return [(p, c, self.rule(p, c)) for p in Phase for c in TABLE_COMMANDS]


def load_dialogue(path: Path = TABLE_PATH, *, actions: Collection[str],
                  phrases: Collection[str] = ()) -> DialogueTable:
    """Read and check the table: every action a row names must be one of ``actions``, and with ``phrases``
    given, every phrase key one of them."""
    try:
        data = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise DialogueError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict) or not isinstance(
            data.get("phases"), dict):
        raise DialogueError(f"{path.name}: expected 'groups' and 'phases' mappings")
    check = _Checker(path.name, set(actions), set(phrases))
    groups = {str(name): check.rows(str(name), rows) for name, rows in data["groups"].items()}
    if EVERY_PHASE not in groups:
        raise DialogueError(f"{path.name}: needs a group '{EVERY_PHASE}'")
    phases: dict[Phase, PhaseSpec] = {}
    for name, raw in data["phases"].items():
        phase = check.enum(Phase, name, f"phase {name!r}")
        phases[phase] = check.phase(phase, raw, groups)
    missing = [p.value for p in Phase if p not in phases]
    if missing:
        raise DialogueError(f"{path.name}: phases missing: {', '.join(missing)}")
    table = DialogueTable(phases, groups, check.welcome_back(data.get("welcome_back")))
    for phase in Phase:
        for command in TABLE_COMMANDS:
            table.rule(phase, command)  # raises if any pair has no answer
    return table


class _Checker:
    def __init__(self, file: str, actions: set[str], phrases: set[str]) -> None:
        self.file, self.actions, self.phrases = file, actions, phrases

    def fail(self, where: str, problem: str) -> DialogueError:
        return DialogueError(f"{self.file}: {where}: {problem}")

    def enum(self, kind: Any, value: object, where: str) -> Any:
        try:
            return kind(value)
        except ValueError:
            options = ", ".join(m.value for m in kind)
            raise self.fail(where, f"{value!r} is not one of {options}") from None

    def phrase(self, key: object, where: str) -> str:
        if not isinstance(key, str) or not key:
            raise self.fail(where, "needs a phrase key")
        if self.phrases and key not in self.phrases:
            raise self.fail(where, f"no phrase {key!r} in phrases.yaml")
        return key

    def rows(self, where: str, raw: object) -> dict[CommandKind, Rule]:
        if not isinstance(raw, dict):
            raise self.fail(where, "rows must map commands to actions")
        rows: dict[CommandKind, Rule] = {}
        for key, text in raw.items():
            command = YAML_BOOLEANS.get(key, key) if isinstance(key, bool) else key
            kind = self.enum(CommandKind, command, f"{where} row {command!r}")
            if kind is CommandKind.OPEN:
                raise self.fail(where, "'open' begins a conversation and has no row")
            words = str(text).split()
            if not 1 <= len(words) <= 2:
                raise self.fail(f"{where} row {command!r}", f"expected 'action [phrase]', got {text!r}")
            if words[0] not in self.actions:
                raise self.fail(f"{where} row {command!r}", f"unknown action {words[0]!r}")
            phrase = self.phrase(words[1], f"{where} row {command!r}") if len(words) == 2 else ""
            rows[kind] = Rule(words[0], phrase, where)
        return rows

    def phase(self, phase: Phase, raw: object, groups: Mapping[str, object]) -> PhaseSpec:
        where = f"phase {phase.value!r}"
        if not isinstance(raw, dict):
            raise self.fail(where, "is not a mapping")
        group = raw.get("group")
        if group is not None and (group not in groups or group == EVERY_PHASE):
            raise self.fail(where, f"unknown group {group!r}")
        falls_through = raw.get("otherwise") == FALL_THROUGH
        if raw.get("otherwise") not in (None, FALL_THROUGH):
            raise self.fail(where, f"'otherwise' can only be {FALL_THROUGH!r}")
        rows = self.rows(where, raw.get("rows") or {})
        listening = self.enum(Listening, raw.get("listening"), f"{where} listening")
        come_back, floor = "", None
        if listening is Listening.FREE_TALK:  # a closing microphone holds the floor here, and says how to come back
            come_back = self.phrase(raw.get("come_back"), f"{where} come_back")
            floor = self.floor(raw.get("floor"), f"{where} floor")
        elif "come_back" in raw or "floor" in raw:
            raise self.fail(where, "'come_back' and 'floor' belong to free_talk phases only")
        asks = raw.get("asks")
        if asks not in (None, "yes_no"):
            raise self.fail(where, f"'asks' can only be 'yes_no', got {asks!r}")
        if asks == "yes_no":
            for answer in (CommandKind.YES, CommandKind.NO):
                if answer not in rows:
                    raise self.fail(where, f"asks a yes/no question, so '{answer.value}' needs its own row")
        return PhaseSpec(
            phase=phase,
            listening=listening,
            reprompt=self.phrase(raw.get("reprompt"), f"{where} reprompt"),
            help=self.phrase(raw.get("help"), f"{where} help"),
            asks_yes_no=asks == "yes_no",
            group=str(group) if group else None,
            falls_through=falls_through,
            rows=rows,
            come_back=come_back,
            floor=floor,
        )

    def floor(self, raw: object, where: str) -> Floor:
        if not isinstance(raw, dict) or set(raw) != {"seconds", "opens", "ends"}:
            raise self.fail(where, "needs 'seconds', 'opens' and 'ends'")
        seconds = raw["seconds"]
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 10 <= seconds <= MAX_FLOOR_SECONDS:
            raise self.fail(where, f"'seconds' must be a whole number from 10 to {MAX_FLOOR_SECONDS}, got {seconds!r}")
        return Floor(seconds, self.phrase(raw["opens"], f"{where} opens"), self.phrase(raw["ends"], f"{where} ends"))

    def welcome_back(self, raw: object) -> dict[Left, Welcome]:
        if not isinstance(raw, dict):
            raise self.fail("welcome_back", "must map each way of leaving to its words")
        out: dict[Left, Welcome] = {}
        for name, words in raw.items():
            left = self.enum(Left, name, f"welcome_back {name!r}")
            if not isinstance(words, dict):
                raise self.fail(f"welcome_back {name!r}", "needs 'offer' and 'welcome' phrases")
            out[left] = Welcome(self.phrase(words.get("offer"), f"welcome_back {name!r} offer"),
                                self.phrase(words.get("welcome"), f"welcome_back {name!r} welcome"))
        missing = [left.value for left in Left if left not in out]
        if missing:
            raise self.fail("welcome_back", f"missing: {', '.join(missing)}")
        return out
