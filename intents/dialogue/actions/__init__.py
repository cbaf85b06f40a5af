"""The verbs the dialogue table names, one module per concept; each exports its ``ACTIONS`` by table name.

:mod:`~intents.dialogue.actions.offers` (tonight's offer and its answers), :mod:`~.saying` (prompts, help,
reminders), :mod:`~.moves` (moving through a ritual), :mod:`~.consent` (touch) and :mod:`~.settings` (depth,
names, length said by voice). :mod:`intents.dialogue.interpreter` merges them.
"""
