"""Composition root: the ``rekindle`` command wires the core to its adapters."""
