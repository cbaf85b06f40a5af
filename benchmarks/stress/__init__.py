"""``python -m benchmarks.stress``: long hardening runs that print the figures for the README.

Subcommands (each module registers its own):

- ``fuzz``: generated inputs against the core (engine commands, garbage
  session state, the interaction-model matcher); more targets plug in via
  :data:`benchmarks.stress.fuzz.TARGETS`.
- ``crash``: writer processes SIGKILLed at random moments while completing
  rituals; then the SQLite file must be intact and every acknowledged ritual
  in history.

The fast versions of the same checks run in the normal test suite
(``tests/test_stress_*.py``) from the same code.
"""
