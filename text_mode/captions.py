"""Replies as text: what text mode prints, and the captions the voice loop shows while it speaks."""

from __future__ import annotations

from collections.abc import Sequence

from intents.replies import Cue, Pause, Reply, Segment, Speech


def render_segments(segments: Sequence[Segment]) -> str:
    """Segments as text: speech, with quiet moments and cues shown in brackets."""
    parts: list[str] = []
    for seg in segments:
        if isinstance(seg, Speech):
            parts.append(seg.text)
        elif isinstance(seg, Pause) and seg.timer:
            parts.append(f"[{round(seg.seconds)} seconds]")
        elif isinstance(seg, Cue):
            parts.append(f"[{seg.kind.value.replace('_', ' ')} chime]")
    return " ".join(parts)


def render_text(reply: Reply) -> str:
    """A reply as text: speech, with quiet moments and cues shown in brackets."""
    return render_segments(reply.segments)


def clock_text(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
