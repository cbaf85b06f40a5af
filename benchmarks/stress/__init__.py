"""``python -m benchmarks.stress``: long hardening runs that print the figures for the README.

Subcommands (each module registers its own):

- ``fuzz``: generated inputs against the core (engine commands, garbage
  session state, the interaction-model matcher); more targets plug in via
  :data:`benchmarks.stress.fuzz.TARGETS`.
- ``crash``: writer processes SIGKILLed at random moments while completing
  rituals; then the SQLite file must be intact and every acknowledged ritual
  in history.
- ``web-fuzz``: generated bodies and header sets against ``POST /alexa``
  (unsigned and signed) and the Lambda handler.
- ``load``: concurrent households running whole rituals through verified
  ``POST /alexa``; every household's history must match its client.

The fast versions of the same checks run in the normal test suite
(``tests/test_stress_*.py``) from the same code.
"""
