"""``rekindle serve`` as a real process on loopback, and ``rekindle skill-package``."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from store_helpers import load_preferences
from test_alexa_helpers import SKILL_ID, envelope, intent_request, launch_request

from interaction_models import language_model, locales
from rekindle import config
from rekindle.cli import main as rekindle_main

ROOT = Path(__file__).resolve().parents[1]
PHRASE = re.compile(r"^Alexa, (?:open|ask|tell) nightly ritual(?: (?:to|for) (?P<utterance>.+))?$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "rekindle", "serve", "--port", str(port), *args],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(url + "/health", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None:
                    pytest.fail(f"rekindle serve exited early: {process.communicate()[1]}")
                time.sleep(0.1)
        else:
            pytest.fail("rekindle serve did not answer /health within 20 s")
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_without_a_skill_id_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert rekindle_main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "--skill-id" in err and "Traceback" not in err


def test_serve_refuses_unsigned_requests_and_answers_health() -> None:
    with serving("--skill-id", SKILL_ID) as (url, process):
        assert requests.get(url + "/health", timeout=5).json() == {"status": "ok"}
        body = json.dumps(envelope(launch_request(), session_id="s", new=True, attributes={}))
        refused = requests.post(url + "/alexa", data=body, timeout=5)
        assert refused.status_code == 400
        assert "missing SignatureCertChainUrl" in refused.json()["reason"]
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "Traceback" not in err and "serving the Alexa skill" in err


def test_no_verify_warns_and_shares_the_laptops_household_store() -> None:
    with serving("--no-verify") as (url, process):
        body = envelope(intent_request("SetRitualLengthIntent", {"minutes": "twenty"}), session_id="s", new=True,
                        attributes={})
        response = requests.post(url + "/alexa", json=body, timeout=5)
        assert response.status_code == 200
        assert response.json()["response"]["shouldEndSession"] is False
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "WARNING: request verification is OFF" in err
    assert load_preferences(config.open_store(), config.household()).minutes == 20


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "rekindle", "serve", "--no-verify", "--port", str(port)],
                                cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot listen" in lines[0], result.stderr  # no "serving" line before it


def test_no_verify_on_loopback_is_allowed() -> None:
    with serving("--no-verify", "--host", "127.0.0.1") as (url, _process):
        assert requests.get(url + "/health", timeout=5).status_code == 200


def test_skill_package_for_ask_clis_lambda_deployer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "project"
    assert rekindle_main(["skill-package", str(out), "--privacy-url", "https://example.org/privacy",
                          "--terms-url", "https://example.org/terms"]) == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 40 and f"Wrote {len(files)} files to {out}" in capsys.readouterr().out
    resources = json.loads((out / "ask-resources.json").read_text())
    profile = resources["profiles"]["default"]
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    assert profile["skillInfrastructure"]["type"] == "@ask-cli/lambda-deployer"
    assert profile["code"]["default"]["src"] == "./lambda"
    manifest = json.loads((out / "skill-package" / "skill.json").read_text())["manifest"]
    assert "endpoint" not in manifest["apis"]["custom"]
    privacy = manifest["privacyAndCompliance"]
    assert privacy["isChildDirected"] is False and privacy["allowsPurchases"] is False
    assert privacy["locales"]["en-US"]["privacyPolicyUrl"] == "https://example.org/privacy"
    for loc in locales():
        packaged = json.loads((out / "skill-package" / "interactionModels" / "custom" / f"{loc}.json").read_text())
        assert packaged["interactionModel"]["languageModel"] == language_model(loc)
    assert (out / "lambda" / "lambda_function.py").exists()
    assert "ask-sdk-core" in (out / "lambda" / "requirements.txt").read_text()


def test_example_phrases_work_verbatim(tmp_path: Path) -> None:
    out = tmp_path / "project"
    assert rekindle_main(["skill-package", str(out), "--draft"]) == 0
    manifest = json.loads((out / "skill-package" / "skill.json").read_text())["manifest"]
    for loc, info in manifest["publishingInformation"]["locales"].items():
        phrases = info["examplePhrases"]
        assert 1 <= len(phrases) <= 3
        assert PHRASE.match(phrases[0]) and PHRASE.match(phrases[0]).group("utterance") is None  # type: ignore[union-attr]
        samples = {s for i in language_model(loc)["intents"] for s in i.get("samples", [])}
        for phrase in phrases[1:]:
            match = PHRASE.match(phrase)
            assert match and match.group("utterance") in samples, f"{loc}: {phrase!r} is not a sample verbatim"


def test_skill_package_for_an_existing_lambda_and_for_https(tmp_path: Path) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:rekindle"
    assert rekindle_main(["skill-package", str(tmp_path / "arn"), "--lambda-arn", arn, "--draft"]) == 0
    manifest = json.loads((tmp_path / "arn" / "skill-package" / "skill.json").read_text())["manifest"]
    assert manifest["apis"]["custom"]["endpoint"] == {"uri": arn}
    assert manifest["events"] == {"endpoint": {"uri": arn}, "subscriptions": [{"eventName": "SKILL_DISABLED"}]}
    assert rekindle_main(["skill-package", str(tmp_path / "web"), "--endpoint", "https://home.example.org/alexa",
                          "--ssl-certificate-type", "Wildcard", "--draft"]) == 0
    web = tmp_path / "web"
    manifest = json.loads((web / "skill-package" / "skill.json").read_text())["manifest"]
    assert manifest["apis"]["custom"]["endpoint"] == {"uri": "https://home.example.org/alexa",
                                                      "sslCertificateType": "Wildcard"}
    assert not (web / "lambda").exists()
    assert manifest["events"]["endpoint"] == manifest["apis"]["custom"]["endpoint"]
    assert "code" not in json.loads((web / "ask-resources.json").read_text())["profiles"]["default"]


@pytest.mark.parametrize("args", [["--lambda-arn", "rekindle"], ["--endpoint", "http://home.example.org/alexa"]])
def test_skill_package_rejects_bad_targets(tmp_path: Path, args: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert rekindle_main(["skill-package", str(tmp_path / "out"), *args, "--draft"]) == 2
    err = capsys.readouterr().err
    assert ("not a Lambda function ARN" in err or "not an https:// URL" in err) and "Traceback" not in err


def test_skill_package_will_not_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert rekindle_main(["skill-package", str(tmp_path), "--draft"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_packaged_lambda_code_answers_a_launch(tmp_path: Path) -> None:
    out = tmp_path / "project"
    assert rekindle_main(["skill-package", str(out), "--draft"]) == 0
    event = envelope(launch_request(), session_id="s", new=True, attributes={})
    code = ("import json, sys\nfrom lambda_function import lambda_handler\n"
            "print(json.dumps(lambda_handler(json.loads(sys.stdin.read()), None)))")
    env = {**os.environ, "PYTHONPATH": str(out / "lambda"), "REKINDLE_STORE": f"sqlite:///{tmp_path / 'l.db'}",
           "REKINDLE_SKILL_ID": SKILL_ID}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, input=json.dumps(event),
                            capture_output=True, text=True, timeout=60, env=env, check=False)
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["response"]["shouldEndSession"] is False
