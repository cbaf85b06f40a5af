"""Make ``import flask_ask_sdk`` work on OpenSSL 3.0.10 and later.

flask-ask-sdk imports ``ask_sdk_webservice_support.verifier``, which imports
certvalidator, which imports oscrypto. oscrypto 1.3.0 (the latest release)
finds libcrypto's version with a pattern allowing one digit per part, so a
version string such as "OpenSSL 3.0.19" does not parse and the import raises
``LibraryNotFoundError: Error detecting the version of libcrypto``. This is
oscrypto issues #75 and #78; the fix (allowing several digits) exists only on
oscrypto's unreleased master branch.

Rekindle verifies requests with ``cryptography`` (see :mod:`skill.verification`)
and never calls oscrypto; it only needs the import to succeed. :func:`install`
applies the upstream change to oscrypto's two version-detection modules as
they load, and does nothing once oscrypto ships a release with the fix.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Any

TARGETS = frozenset({"oscrypto._openssl._libcrypto_cffi", "oscrypto._openssl._libcrypto_ctypes"})
# The pattern exactly as oscrypto 1.3.0 writes it in source, and the widened one.
RELEASED_PATTERN = "'\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b'"
WIDENED_PATTERN = "'\\\\b(\\\\d+\\\\.\\\\d+\\\\.\\\\d+[a-z]*)\\\\b'"


def patch_source(source: str) -> str:
    """oscrypto's module source with the version pattern widened (unchanged if already fixed)."""
    return source.replace(RELEASED_PATTERN, WIDENED_PATTERN)


class _WideningLoader(importlib.machinery.SourceFileLoader):
    """Compiles from source (never a stale cached .pyc) with the pattern widened."""

    def get_code(self, fullname: str) -> CodeType:
        source = self.get_data(self.path).decode("utf-8")
        code: CodeType = compile(patch_source(source), self.path, "exec", dont_inherit=True)
        return code


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname not in TARGETS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        loader = _WideningLoader(fullname, spec.loader.path)
        return importlib.machinery.ModuleSpec(fullname, loader, origin=spec.origin)


_FINDER = _Finder()


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (idempotent). Call before importing flask_ask_sdk."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
