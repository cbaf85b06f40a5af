"""Privacy, text level: what partners say to each other is never kept, logged or echoed.

A whole ritual runs through ``rekindle -vv talk --text`` with typed answers
between the commands; then the data folder (every file, WAL and SHM too), the
temp folder, the logs and the replies are searched for the answers' words.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from store_helpers import load_preferences

ROOT = Path(__file__).resolve().parents[1]

# What partners might say while answering. Some of these are shaped like commands
# ("we are X and Y" sets names), which is exactly where an answer could be kept.
ANSWERS = (
    "I felt closest when we walked by the lighthouse",
    "Honestly the hardest part was the move to Leeds",
    "we are stargazers and daydreamers",
    "pancakes and thunderstorms",
    "it's Marmalade and Zanzibar",
    "this is scary and wonderful",
)
SECRET_WORDS = ("lighthouse", "leeds", "stargazers", "daydreamers", "pancakes", "thunderstorms", "marmalade",
                "zanzibar", "scary", "wonderful")
# memory-lane: narration, question, question, reflection, closing
SCRIPT = ["yes", ANSWERS[0], ANSWERS[2], "next", ANSWERS[1], ANSWERS[3], "next",
          ANSWERS[4], "next", ANSWERS[5], "next"]


def rekindle(*args: str, stdin: str = "", env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rekindle", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **env}, timeout=60)


def files_holding(folder: Path, words: tuple[str, ...]) -> dict[str, list[str]]:
    """Files under ``folder`` whose bytes contain any of ``words`` (any case), with the words found."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        hits = [w for w in words if w.encode() in data or w.encode("utf-16-le") in data]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def test_answers_leave_no_trace(tmp_path: Path, _isolated_home: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)}
    out = rekindle("-vv", "talk", "--text", "--no-wait", "--ritual", "memory-lane", stdin="\n".join(SCRIPT) + "\n",
                   env=env)
    assert out.returncode == 0, out.stderr
    assert "DEBUG rekindle.engine" in out.stderr  # -vv really logged every turn
    history = json.loads(rekindle("history", "--json", env=env).stdout)["rituals"]
    assert [r["ritual_id"] for r in history] == ["memory-lane"], out.stdout  # the whole ritual ran

    assert (_isolated_home / "rekindle.db").exists()
    assert files_holding(_isolated_home, SECRET_WORDS) == {}
    assert files_holding(tmp, SECRET_WORDS) == {}
    for stream, text in (("stdout", out.stdout), ("stderr", out.stderr)):
        assert [w for w in SECRET_WORDS if w in text.lower()] == [], stream
    export = rekindle("export", env=env).stdout.lower()
    assert [w for w in SECRET_WORDS if w in export] == []


def test_answers_leave_no_trace_when_killed_midway(_isolated_home: Path) -> None:
    """Killed mid-ritual, the WAL and SHM files stay behind unmerged: they are searched too."""
    proc = subprocess.Popen([sys.executable, "-m", "rekindle", "-vv", "talk", "--text", "--ritual", "memory-lane"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)
    assert proc.stdin and proc.stdout and proc.stderr
    try:
        replies = [proc.stdout.readline()]
        for line in SCRIPT[:6]:  # into the second question, answers given, not finished
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            replies.append(proc.stdout.readline())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    logs = proc.stderr.read()
    proc.stdin.close(), proc.stdout.close(), proc.stderr.close()
    assert all(r.startswith("Rekindle: ") for r in replies), replies
    assert {"rekindle.db", "rekindle.db-wal", "rekindle.db-shm"} <= {p.name for p in _isolated_home.iterdir()}
    assert files_holding(_isolated_home, SECRET_WORDS) == {}
    assert [w for w in SECRET_WORDS if w in "".join(replies).lower() + logs.lower()] == []


def test_the_search_sees_what_is_stored(_isolated_home: Path) -> None:
    """Names given on purpose, outside a question, are stored: the search finds them, so it can fail."""
    out = rekindle("talk", "--text", stdin="our names are Quillon and Brisbane\nyes\nstop\n", env={})
    assert "Quillon and Brisbane" in out.stdout
    assert set(files_holding(_isolated_home, ("quillon", "brisbane")).get("rekindle.db-wal", ())) | set(
        files_holding(_isolated_home, ("quillon", "brisbane")).get("rekindle.db", ())) == {"quillon", "brisbane"}


def test_names_are_not_taken_from_an_answer_only_when_said_on_purpose(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from intents import Command, CommandKind, Rekindle, SqliteStore

    store = SqliteStore(tmp_path / "names.db")
    engine = Rekindle(store, clock=lambda: datetime(2026, 11, 25, 21, tzinfo=timezone.utc), ritual="just-a-question")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    state = engine.handle("h", Command(CommandKind.YES), state).state
    assert state["plan"]["steps"][state["step"]]["kind"] == "question"
    for kind in (CommandKind.NAMES_ANSWER, CommandKind.SET_NAMES):  # "we are tired and hopeful", said while answering
        answer = engine.handle("h", Command(kind, names=("Tired", "Hopeful")), state)
        assert "Tired" not in answer.reply.text and answer.reply.free_talk and not answer.reply.end_session
        assert answer.state == state
    assert load_preferences(store, "h").names == ()
    state = engine.handle("h", Command(CommandKind.STOP), state).state
    opened = engine.handle("h", Command(CommandKind.OPEN)).state
    declined = engine.handle("h", Command(CommandKind.NO), opened).state
    heard = engine.handle("h", Command(CommandKind.SET_NAMES, names=("Kai", "Noor")), declined)
    assert load_preferences(store, "h").names == ()
    engine.handle("h", Command(CommandKind.YES), heard.state)
    assert load_preferences(store, "h").names == ("Kai", "Noor")
