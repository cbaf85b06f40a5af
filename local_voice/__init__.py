"""Offline voice adapter: recognition, understanding and speech on a laptop (see README)."""
