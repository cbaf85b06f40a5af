"""Alexa adapter: ASK SDK handlers over the shared engine (see README)."""
