"""Text mode: type what you would say, read what Rekindle would say (``rekindle talk --text``).

A front of its own beside the Alexa skill (``skill/``) and the laptop's voice loop (``local_voice/``): it
drives the same engine and understands typed lines with the same interaction-model matcher, and needs no
voice library, so it runs on a core install.

- :mod:`.conversation`: one typed conversation, with touch timers paced by a countdown;
- :mod:`.captions`: replies as text (also the voice loop's captions).
"""

from .captions import render_segments, render_text
from .conversation import TextConversation, run_text_loop, understand

__all__ = ["TextConversation", "render_segments", "render_text", "run_text_loop", "understand"]
