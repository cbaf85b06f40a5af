"""A first run without surprises (issue 12): careless input gets one line and exit 2, never a
traceback, a stray file or overwritten data; messages say what is true.

Real processes, real files. Installing without extras is tests/test_install.py.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import ROOT, rekindle
from test_config_store import without_override
from test_import_guard import imported_modules

from intents.household import StoreError


def refused(out: subprocess.CompletedProcess[str], *message: str) -> None:
    """Exit 2, nothing on stdout, and one line on stderr holding each part of ``message``."""
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert out.stdout == ""
    assert out.stderr.startswith("rekindle: ") and out.stderr.count("\n") == 1, out.stderr
    for part in message:
        assert part in out.stderr


def a_ritual_done() -> None:
    out = rekindle("talk", "--text", "--no-wait", "--ritual", "just-a-question", stdin="yes\nnext\nnext\n")
    assert out.returncode == 0, out.stderr


# 1. export -o: no stray file, no traceback, nothing overwritten


def test_export_into_a_folder_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    a_ritual_done()
    folder = tmp_path / "exports"
    folder.mkdir()
    neighbour = tmp_path / "exports.tmp"  # where a half-written export used to go
    neighbour.write_text("mine")
    refused(rekindle("export", "-o", str(folder)), f"{folder} is a folder")
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "exports.tmp", "rekindle-home"]
    assert neighbour.read_text() == "mine"


def test_export_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    refused(rekindle("export", "-o", str(tmp_path / "missing" / "x.json")), f"{tmp_path / 'missing'} does not exist")
    assert not (tmp_path / "missing").exists()


def test_export_that_cannot_be_written_leaves_the_old_file(tmp_path: Path) -> None:
    """A file where the export's temporary file must go (the folder is read-only for the writer)."""
    a_ritual_done()
    target = tmp_path / "out" / "export.json"
    target.parent.mkdir()
    target.write_text("last week's export")
    target.parent.chmod(0o555)
    try:
        out = without_override("export", "-o", str(target), env={})
    finally:
        target.parent.chmod(0o755)
    refused(out, f"Cannot write {target}", "ermission denied")
    assert target.read_text() == "last week's export"
    assert [p.name for p in target.parent.iterdir()] == ["export.json"]


def test_export_file_is_private_and_whole(tmp_path: Path) -> None:
    a_ritual_done()
    target = tmp_path / "export.json"
    target.write_text("old")
    out = rekindle("export", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert json.loads(target.read_text())["households"][0]["nights_together"] == 1
    assert target.stat().st_mode & 0o077 == 0  # household data: readable by its owner only
    assert [p.name for p in tmp_path.iterdir() if p.name != "rekindle-home"] == ["export.json"]


# 3. a configured store in a missing folder is an error naming it; only the default folder is made


def test_store_in_a_missing_folder_is_named_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/typo/dir/r.db"
    for command in (("history",), ("talk", "--text", "--no-wait"), ("export",), ("tonight",)):
        refused(rekindle(*command, stdin="yes\n", env={"REKINDLE_STORE": url}),
                f"{tmp_path / 'typo' / 'dir'} does not exist", "REKINDLE_STORE")
    assert not (tmp_path / "typo").exists()


def test_the_default_data_folder_is_created(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    out = rekindle("history", env={"REKINDLE_HOME": str(home)})
    assert out.returncode == 0, out.stderr
    assert (home / "rekindle.db").is_file()


# 4. any night out of range is refused in one line


@pytest.mark.parametrize("night", ["0001-01-01", "0001-01-31", "1899-12-31", "9999-12-31"])
@pytest.mark.parametrize("command", [("tonight", "--json"), ("talk", "--text", "--no-wait")])
def test_out_of_range_night_is_refused(night: str, command: tuple[str, ...]) -> None:
    refused(rekindle(*command, "--date", night, stdin="yes\n"), f"--date {night} is out of range", "1900-01-01")


@pytest.mark.parametrize("night", ["1900-01-01", "9998-12-31"])
def test_the_ends_of_the_range_work(night: str) -> None:
    out = rekindle("tonight", "--json", "--date", night)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["night"] == night


@pytest.mark.parametrize("command", [("tonight",), ("talk", "--text", "--no-wait")])
def test_malformed_night_is_refused(command: tuple[str, ...]) -> None:
    refused(rekindle(*command, "--date", "Christmas"), "'Christmas' is not a date like")


# 5. honest messages


def test_text_mode_refuses_an_unknown_locale_like_voice_mode() -> None:
    refused(rekindle("talk", "--text", "--no-wait", "--locale", "xx-XX", stdin="yes\n"), "locale 'xx-XX'")


def test_no_audio_devices_is_exit_2_on_stderr(tmp_path: Path) -> None:
    """No sound server to reach (and, on this machine, no sound card): PortAudio lists no device."""
    pytest.importorskip("sounddevice")
    (tmp_path / "run").mkdir()
    env = {"XDG_RUNTIME_DIR": str(tmp_path / "run"), "PULSE_SERVER": f"unix:{tmp_path}/no-server"}
    probe = subprocess.run([sys.executable, "-c", "import sounddevice as sd; print(len(sd.query_devices()))"],
                           capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    if probe.stdout.strip() != "0":
        pytest.skip("this machine has sound hardware outside PulseAudio")
    refused(rekindle("devices", env=env), "No audio devices found", "--text")


def test_dynamodb_region_from_aws_region_alone(tmp_path: Path) -> None:
    """Lambda sets AWS_REGION; with it alone the store opens (a real DynamoDB-compatible server)."""
    pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "eu-west-1",
               "AWS_CONFIG_FILE": str(tmp_path / "none"), "REKINDLE_DYNAMODB_ENDPOINT": f"http://{host}:{port}",
               "REKINDLE_STORE": "dynamodb://first-run"}
        clean = {k: v for k, v in os.environ.items() if k not in ("AWS_DEFAULT_REGION", "AWS_PROFILE")}
        out = subprocess.run([sys.executable, "-m", "rekindle", "history", "--json"], capture_output=True,
                             text=True, cwd=ROOT, env={**clean, **env}, timeout=120)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["rituals"] == []
    finally:
        server.stop()


def test_dynamodb_region_message_names_both_settings(tmp_path: Path) -> None:
    pytest.importorskip("boto3")
    clean = {k: v for k, v in os.environ.items() if k not in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE")}
    out = subprocess.run([sys.executable, "-m", "rekindle", "history"], capture_output=True, text=True, cwd=ROOT,
                         env={**clean, "AWS_CONFIG_FILE": str(tmp_path / "none"), "REKINDLE_STORE": "dynamodb://t"},
                         timeout=120)
    refused(out, "AWS_REGION", "AWS_DEFAULT_REGION")


# 7. ritual ids can be found


def test_content_list_names_every_ritual() -> None:
    from intents.content import default_content

    rituals = default_content().rituals
    out = rekindle("content", "--list")
    assert out.returncode == 0, out.stderr
    listed = {line.split()[0] for line in out.stdout.splitlines() if line and line.split()[0] in rituals}
    assert listed == set(rituals)
    assert "rekindle talk --ritual ID" in out.stdout
    rows = json.loads(rekindle("content", "--list", "--json").stdout)
    assert {r["id"] for r in rows} == set(rituals)
    by_id = {r["id"]: r for r in rows}
    assert by_id["just-a-question"]["offered"].startswith("on request")
    assert by_id["weekly-relationship-check-in"]["offered"].startswith("on Sundays")
    assert by_id["gentle-repair"]["offered"].startswith("when you say it fits")  # never chosen at random
    assert by_id["touch-and-breathe"] == {**by_id["touch-and-breathe"], "minutes": 5, "lengths": [5],
                                          "needs_touch": True, "title": "Touch and breathe"}
    assert "touch on" in by_id["touch-and-breathe"]["offered"]


# 8. no warnings, no leftovers


def test_serve_set_up_loads_the_roots_without_warnings() -> None:
    pytest.importorskip("cryptography")
    out = subprocess.run([sys.executable, "-W", "error", "-c",
                          "from skill.verification import default_roots; print(len(default_roots()))"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 100  # the whole Mozilla store, Starfield's serial-0 roots included


def test_setup_waits_for_another_package_manager(tmp_path: Path) -> None:
    """script/wait-for-apt against a lock held as apt holds its own (an fcntl lock); a file of the
    test's own, so other programs' real installs are never blocked."""
    lock = tmp_path / "lock-frontend"
    lock.touch()
    holder = os.open(lock, os.O_RDWR)
    fcntl.lockf(holder, fcntl.LOCK_EX)
    proc = subprocess.Popen([str(ROOT / "script" / "wait-for-apt")], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "REKINDLE_APT_LOCKS": f"{lock} {tmp_path / 'absent'}"})
    assert proc.stderr
    try:
        message = proc.stderr.readline()  # said once the wait begins, while the lock is still held
        assert "waiting for it to finish" in message
        assert proc.poll() is None
    finally:
        os.close(holder)  # releases the lock
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == ""


def test_setup_gives_up_clearly_on_a_lock_that_stays(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    lock.touch()
    holder = os.open(lock, os.O_RDWR)
    fcntl.lockf(holder, fcntl.LOCK_EX)
    try:
        out = subprocess.run([str(ROOT / "script" / "wait-for-apt")], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "REKINDLE_APT_LOCKS": str(lock), "REKINDLE_APT_WAIT": "0"})
    finally:
        os.close(holder)
    assert out.returncode == 1
    assert out.stderr.splitlines()[-1].startswith("setup: the package manager was still busy")


def test_setup_runs_the_wait_before_apt() -> None:
    setup = (ROOT / "script" / "setup").read_text()
    assert setup.index("script/wait-for-apt") < setup.index("apt-get update")


def test_test_audio_leaves_no_folder_behind() -> None:
    if subprocess.run(["sh", "-c", "command -v pulseaudio"], capture_output=True).returncode != 0:
        pytest.skip("pulseaudio is not installed")
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    out = subprocess.run(["bash", "-c", "source script/audio-env; start_test_audio; echo \"$XDG_RUNTIME_DIR\"; "
                          "test -S \"$XDG_RUNTIME_DIR/pulse/native\" && echo running; stop_test_audio"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    folder, *rest = out.stdout.split()
    assert folder.startswith("/tmp/rekindle-pulse.") and rest == ["running"]
    assert not os.path.exists(folder)


# 9. no package cycle: the skill never needs the command line


def test_skill_imports_nothing_from_the_command_line() -> None:
    found = [f"{path.name} imports {name}" for path in sorted((ROOT / "skill").glob("*.py"))
             for name in imported_modules(path.read_text(encoding="utf-8"))
             if name.split(".")[0] in ("rekindle", "platformdirs", "local_voice")]
    assert found == []


def test_lambda_handler_loads_no_command_line(tmp_path: Path) -> None:
    pytest.importorskip("ask_sdk_core")
    code = ("import json, sys; from skill.lambda_function import lambda_handler; "
            "from test_alexa_helpers import envelope, launch_request; "
            "out = lambda_handler(envelope(launch_request(), session_id='s', new=True, attributes=None), None); "
            "print(json.dumps([out['response']['shouldEndSession'], "
            "sorted(m for m in sys.modules if m.split('.')[0] in ('rekindle', 'platformdirs'))]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}",
                              "REKINDLE_STORE": f"sqlite:///{tmp_path}/lambda.db"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [False, []]
    assert (tmp_path / "lambda.db").is_file()


def test_store_urls_are_parsed_by_the_core(tmp_path: Path) -> None:
    from intents.household.url import DynamoDbLocation, SqliteLocation, open_location, parse_store_url

    assert parse_store_url("dynamodb://rekindle") == DynamoDbLocation("rekindle")
    assert parse_store_url(f"sqlite:///{tmp_path}/r.db") == SqliteLocation(tmp_path / "r.db")
    with pytest.raises(StoreError, match="Alexa extras"):
        open_location(DynamoDbLocation("rekindle"))  # the core cannot open it; the caller brings the adapter
    opened: list[str] = []
    open_location(DynamoDbLocation("t"), lambda table: opened.append(table))  # type: ignore[arg-type,func-returns-value]
    assert opened == ["t"]
