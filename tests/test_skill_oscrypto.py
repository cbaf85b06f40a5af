"""The oscrypto import fix: flask_ask_sdk imports on this OpenSSL, and the fix is exactly the upstream one."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from skill.oscrypto_compat import RELEASED_PATTERN, WIDENED_PATTERN, patch_source

ROOT = Path(__file__).resolve().parents[1]
LINKED = re.search(r"(\d+)\.(\d+)\.(\d+)", ssl.OPENSSL_VERSION)
LINKED_PARTS = [int(p) for p in LINKED.groups()] if LINKED else []


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)


def test_flask_ask_sdk_imports_with_the_fix_and_reports_the_real_version() -> None:
    result = run("from skill import oscrypto_compat; oscrypto_compat.install()\n"
                 "import flask_ask_sdk.skill_adapter\n"
                 "from oscrypto._openssl._libcrypto import libcrypto_version_info as v; print(list(v[:3]))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(LINKED_PARTS)


def test_without_the_fix_the_import_fails_on_multi_digit_openssl_versions() -> None:
    if all(part < 10 for part in LINKED_PARTS):
        pytest.skip(f"{ssl.OPENSSL_VERSION} has single-digit parts; the upstream bug does not show here")
    result = run("import flask_ask_sdk.skill_adapter")
    assert result.returncode != 0
    assert "Error detecting the version of libcrypto" in result.stderr


@pytest.mark.parametrize(("banner", "version"), [
    ("OpenSSL 3.0.19 27 Jan 2026", "3.0.19"),
    ("OpenSSL 3.0.2 15 Mar 2022", "3.0.2"),
    ("OpenSSL 1.1.1w  11 Sep 2023", "1.1.1w"),
    ("OpenSSL 3.10.12 1 Jan 2030", "3.10.12"),
])
def test_widened_pattern_reads_versions(banner: str, version: str) -> None:
    pattern = eval(WIDENED_PATTERN)  # the literal as it appears in oscrypto's source
    match = re.search(pattern, banner)
    assert match and match.group(1) == version


def test_the_patch_targets_the_released_source_and_leaves_fixed_source_alone() -> None:
    import importlib.util

    spec = importlib.util.find_spec("oscrypto")
    assert spec and spec.origin
    source = (Path(spec.origin).parent / "_openssl" / "_libcrypto_cffi.py").read_text(encoding="utf-8")
    assert RELEASED_PATTERN in source or WIDENED_PATTERN in source
    patched = patch_source(source)
    assert RELEASED_PATTERN not in patched and WIDENED_PATTERN in patched
    assert patch_source(patched) == patched
