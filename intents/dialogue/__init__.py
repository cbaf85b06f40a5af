"""The guided conversation: a table of phases and commands, the turn that runs it, and the actions it names.

- ``dialogue.yaml`` and :mod:`.table`: the rules as data, and their loader (every pair answered, every action
  and phrase named exists);
- :mod:`.state`: where a couple is tonight (:class:`SessionState`), and the phase that puts them in;
- :mod:`.turn`: what a turn needs (:class:`Context`), returns (:class:`Outcome`), and the helpers actions share;
- :mod:`.actions`: the verbs, one module per concept; :mod:`.interpreter` merges them and checks the table;
- :mod:`.steps`: what a ritual step says.
"""

from .interpreter import ACTIONS, conversation, default_dialogue
from .state import SessionState, Stage, phase_of
from .table import TABLE_COMMANDS, DialogueError, DialogueTable, Phase, PhaseSpec, Rule, load_dialogue
from .turn import Action, Context, Conversation, Outcome, leave

__all__ = [
    "ACTIONS",
    "TABLE_COMMANDS",
    "Action",
    "Context",
    "Conversation",
    "DialogueError",
    "DialogueTable",
    "Outcome",
    "Phase",
    "PhaseSpec",
    "Rule",
    "SessionState",
    "Stage",
    "conversation",
    "default_dialogue",
    "leave",
    "load_dialogue",
    "phase_of",
]
