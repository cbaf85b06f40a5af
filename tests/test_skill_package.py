"""The packaged skill manifest meets certification's rules in every package mode.

Each mode is written by the real ``rekindle skill-package`` command into a folder
and the files it wrote are read back: icons, privacy and terms pages, the
SKILL_DISABLED subscription, certificates and the testing instructions.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from interaction_models import locales
from rekindle.cli import main as rekindle_main
from skill.icons import ASSETS, ICON_FILES, LARGE, SMALL, draw
from skill.package import NOT_READY_FILE

ARN = "arn:aws:lambda:us-east-1:123456789012:function:rekindle"
WEB = "https://home.example.org/alexa"
PAGES = ["--privacy-url", "https://example.org/rekindle/privacy", "--terms-url", "https://example.org/rekindle/terms"]
MODES = {
    "ask-cli deployer": [],
    "existing lambda": ["--lambda-arn", ARN],
    "self-hosted, trusted": ["--endpoint", WEB],
    "self-hosted, wildcard": ["--endpoint", WEB, "--ssl-certificate-type", "Wildcard"],
}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG whose chunks all check out (signature, CRCs, pixel data inflates)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.setdefault(kind, b"")
        chunks[kind] += body
        offset += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = {2: 3, 6: 4}[colour]
    assert depth == 8 and len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + width * channels)
    assert b"IEND" in chunks
    return width, height


def package(tmp_path: Path, args: list[str]) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "project"
    assert rekindle_main(["skill-package", str(out), *args]) == 0
    return out, json.loads((out / "skill-package" / "skill.json").read_text())["manifest"]


def check_manifest(out: Path, manifest: dict[str, Any], draft: bool) -> None:
    publishing = manifest["publishingInformation"]
    assert set(publishing["locales"]) == set(locales())
    for loc, page in publishing["locales"].items():
        assert page["name"] and page["summary"] and page["description"] and page["keywords"], loc
        assert 1 <= len(page["examplePhrases"]) <= 3
        for key, size in (("smallIconUri", SMALL), ("largeIconUri", LARGE)):
            assert page[key].startswith("file://"), f"{loc} {key}: ask-cli uploads only file:// icons"
            icon = out / "skill-package" / page[key].removeprefix("file://")
            assert png_size(icon.read_bytes()) == (size, size), f"{loc} {key}"

    privacy = manifest["privacyAndCompliance"]
    assert privacy["usesPersonalInfo"] is True and privacy["isChildDirected"] is False
    if draft:
        assert "locales" not in privacy and (out / NOT_READY_FILE).exists()
    else:
        assert not (out / NOT_READY_FILE).exists()
        for loc in locales():
            assert privacy["locales"][loc]["privacyPolicyUrl"].startswith("https://")
            assert privacy["locales"][loc]["termsOfUseUrl"].startswith("https://")

    events = manifest["events"]
    assert {"eventName": "SKILL_DISABLED"} in events["subscriptions"]
    endpoint = manifest["apis"]["custom"].get("endpoint")
    if endpoint:
        assert events["endpoint"] == endpoint  # the same code that forgets the data receives the event
        if "sslCertificateType" in endpoint and not draft:
            assert endpoint["sslCertificateType"] in ("Trusted", "Wildcard")
    else:  # ask-cli's deployer writes the new function into both endpoints
        resources = json.loads((out / "ask-resources.json").read_text())
        user_config = resources["profiles"]["default"]["skillInfrastructure"]["userConfig"]
        assert set(user_config["targetEndpoint"]) == {"custom", "events"}

    instructions = publishing["testingInstructions"]
    assert len(instructions) <= 4000
    assert "up to 3 minutes of silence (often 1.5 to 3 minutes" in instructions
    assert "Held floors:" in instructions and "interrupt the quiet with Alexa, next" in instructions
    assert "Help works during a held floor" in instructions and "reprompt naming next and more time" in instructions
    assert "Alexa, tell nightly ritual next" in instructions


@pytest.mark.parametrize("mode", MODES, ids=list(MODES))
def test_a_publishable_package_meets_the_rules(tmp_path: Path, mode: str) -> None:
    args = [*MODES[mode], *PAGES]
    out, manifest = package(tmp_path, args)
    check_manifest(out, manifest, draft=False)


@pytest.mark.parametrize("mode", MODES, ids=list(MODES))
def test_a_draft_package_meets_the_rules_and_lists_what_is_missing(
        tmp_path: Path, mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = [*MODES[mode], "--draft"]
    out, manifest = package(tmp_path, args)
    check_manifest(out, manifest, draft=True)
    note = (out / NOT_READY_FILE).read_text()
    assert "--privacy-url" in note and "--terms-url" in note
    assert "Draft: before certification" in capsys.readouterr().out


def test_a_self_signed_certificate_is_for_drafts_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--endpoint", WEB, "--ssl-certificate-type", "SelfSigned", *PAGES]
    assert rekindle_main(["skill-package", str(tmp_path / "refused"), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "trusted certificate" in err[0] and "--draft" in err[0]
    assert not (tmp_path / "refused").exists()
    out, manifest = package(tmp_path, [*args, "--draft"])
    assert manifest["apis"]["custom"]["endpoint"]["sslCertificateType"] == "SelfSigned"
    assert "trusted certificate" in (out / NOT_READY_FILE).read_text()


@pytest.mark.parametrize("args, says", [
    ([], "--privacy-url"),
    (["--privacy-url", "https://example.org/privacy"], "--terms-url"),
    (["--privacy-url", "http://example.org/privacy", "--terms-url", "https://example.org/terms"], "not an https://"),
    (["--privacy-url", "privacy", "--terms-url", "https://example.org/terms", "--draft"], "not an https://"),
], ids=["no pages", "no terms", "plain http", "not a URL, even in a draft"])
def test_a_package_without_its_pages_is_refused(tmp_path: Path, args: list[str], says: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert rekindle_main(["skill-package", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "out").exists()


def test_the_shipped_icons_are_the_ones_the_project_draws() -> None:
    for size, name in ICON_FILES.items():
        shipped = (ASSETS / name).read_bytes()
        assert png_size(shipped) == (size, size)
        assert shipped == draw(size), f"{name} differs from skill.icons.draw({size}); run python -m skill.icons"


BUNDLE_CHECK = """
import importlib.abc, json, sys
class NotInTheBundle(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("rekindle", "platformdirs", "local_voice", "flask", "waitress"):
            raise ImportError(f"the Lambda bundle does not carry {name}")
        return None
sys.meta_path.insert(0, NotInTheBundle())
import lambda_function, intents, skill
assert all(m.__file__.startswith(sys.argv[1]) for m in (lambda_function, intents, skill))
event = json.loads(sys.argv[2])
response = lambda_function.lambda_handler(event, None)
print(response["response"]["outputSpeech"]["ssml"])
"""


def test_the_lambda_bundle_runs_from_what_it_carries(tmp_path: Path) -> None:
    """The packaged lambda/ folder answers a launch with its own copies of the code, without the CLI, the
    laptop's voice code or the web server (the deployed function carries only what it runs)."""
    import os
    import subprocess
    import sys

    from test_alexa_helpers import envelope, launch_request

    out, _ = package(tmp_path, ["--draft"])
    code = out / "lambda"
    assert not (code / "rekindle").exists() and "platformdirs" not in (code / "requirements.txt").read_text()
    event = envelope(launch_request(), session_id="amzn1.echo-api.session.bundle", new=True, attributes=None,
                     user_id="amzn1.ask.account.BUNDLE")
    env = {**os.environ, "PYTHONPATH": str(code), "REKINDLE_STORE": f"sqlite:///{tmp_path / 'bundle.db'}"}
    env.pop("REKINDLE_SKILL_ID", None)
    run = subprocess.run([sys.executable, "-P", "-c", BUNDLE_CHECK, str(code), json.dumps(event)], cwd=code,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "begin?" in run.stdout
