"""``rekindle serve`` (the skill as a self-hosted web service) and ``rekindle skill-package``."""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import sys
from pathlib import Path
from typing import Any

from . import config
from .errors import UserError

SKILL_ID_ENV = "REKINDLE_SKILL_ID"
SKILL_ID_FORM = re.compile(r"^amzn1\.ask\.skill\.[0-9A-Za-z][0-9A-Za-z-]*$")
EXTRAS_HINT = "The Alexa skill needs its extras: pip install 'rekindle[alexa]'"


def register(sub: Any) -> None:
    """Add ``serve`` and ``skill-package`` to the ``rekindle`` command."""
    p = sub.add_parser(
        "serve", help="serve the Alexa skill from this machine",
        description="Serve the Alexa skill at POST /alexa (GET /health) with waitress, using the same "
                    "household store as the laptop, so a speaker and a laptop at home share history. "
                    "Put it behind HTTPS (a reverse proxy with a certificate) and give Alexa that URL.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p.add_argument("--skill-id", default=os.environ.get(SKILL_ID_ENV),
                   help=f"your skill's id, amzn1.ask.skill.… (default ${SKILL_ID_ENV})")
    p.add_argument("--no-verify", action="store_true",
                   help="accept unsigned requests (local development only; never expose this)")
    p.add_argument("--threads", type=int, default=4, help="worker threads (default 4)")
    p.set_defaults(handler=serve)

    p = sub.add_parser(
        "skill-package", help="write an ask-cli project for deploying the skill",
        description="Write an ask-cli v2 project (ask-resources.json, skill-package/, lambda/) into OUT_DIR. "
                    "By default ask-cli's Lambda deployer creates the function; or point the skill at an "
                    "existing Lambda with --lambda-arn, or at a self-hosted HTTPS endpoint with --endpoint.")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="an empty or new folder")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--lambda-arn", help="an existing Lambda function's ARN")
    target.add_argument("--endpoint", help="your HTTPS endpoint, e.g. https://rekindle.example.org/alexa")
    p.add_argument("--ssl-certificate-type", default="Trusted", choices=("Trusted", "Wildcard", "SelfSigned"),
                   help="certificate behind --endpoint (default Trusted; SelfSigned only with --draft)")
    p.add_argument("--privacy-url", help="your privacy policy page, https:// (required unless --draft)")
    p.add_argument("--terms-url", help="your terms of use page, https:// (required unless --draft)")
    p.add_argument("--draft", action="store_true",
                   help="a development package: allow what certification refuses and list it instead")
    p.set_defaults(handler=skill_package)


def serve(args: argparse.Namespace) -> int:
    """``rekindle serve``: the skill on this machine until interrupted."""
    skill_id = (args.skill_id or "").strip() or None
    if not args.no_verify and not skill_id:
        raise UserError(
            "serve needs your skill id to check that requests are for your skill: --skill-id "
            f"amzn1.ask.skill.… (or set {SKILL_ID_ENV}). Find it in the Alexa developer console. "
            "For local development only, --no-verify skips request checks.")
    if skill_id and not SKILL_ID_FORM.match(skill_id):
        raise UserError(f"{skill_id!r} is not a skill id; yours looks like amzn1.ask.skill.1a2b3c4d-… "
                        "(Alexa developer console, your skill, Copy Skill ID).")
    if args.no_verify and not is_loopback(args.host):
        raise UserError(f"--no-verify lets anyone who reaches the port drive the skill, so it only listens on "
                        f"this machine (127.0.0.1, ::1 or localhost), not {args.host}. To serve other "
                        "machines, drop --no-verify and give --skill-id.")
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port} is not a port number (1-65535).")
    try:
        from intents.engine import Rekindle
        from skill.envelope import one_household
        from skill.handlers import build_skill
        from skill.verification import default_roots, request_verifiers
        from skill.web import bind, create_app
    except ImportError as exc:
        raise UserError(f"{EXTRAS_HINT} ({exc.name} is missing).") from exc
    store = config.open_store()  # a wrong store stops serve here, with its one line and nothing before it
    try:
        engine = Rekindle(store, front="alexa")
        skill = build_skill(engine, one_household(config.household()), skill_id)
        roots = None if args.no_verify else default_roots()
        verifiers = request_verifiers(skill_id, verify_signature=not args.no_verify, roots=roots)
        app = create_app(skill, verifiers, skill_id)
        try:
            server = bind(app, args.host, args.port, threads=args.threads)
        except OSError as exc:
            raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}. "
                            "Choose another --port or --host.") from exc
        except ValueError as exc:
            raise UserError(f"cannot listen on {args.host}:{args.port}: {args.host!r} is not an address of this "
                            "machine. Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).") from exc
        if args.no_verify:
            print("rekindle: WARNING: request verification is OFF (--no-verify). Anyone who can reach this "
                  "port can drive the skill. Use this for local development only.", file=sys.stderr)
        print(f"rekindle: serving the Alexa skill at http://{args.host}:{args.port}/alexa "
              f"({config.describe_store(config.store_url())}, household {config.household()!r}). "
              "Ctrl+C stops.", file=sys.stderr)
        try:
            server.run()
        finally:
            server.close()
    finally:
        store.close()
    return 0


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (a loopback address or ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def skill_package(args: argparse.Namespace) -> int:
    """``rekindle skill-package``: write the ask-cli project."""
    try:
        from skill.package import NOT_READY_FILE, PackageError, Publishing, Target, write_package
    except ImportError as exc:
        raise UserError(f"{EXTRAS_HINT} ({exc.name} is missing).") from exc
    target = Target(lambda_arn=args.lambda_arn, endpoint=args.endpoint,
                    ssl_certificate_type=args.ssl_certificate_type)
    publishing = Publishing(privacy_url=args.privacy_url, terms_url=args.terms_url, draft=args.draft)
    try:
        written = write_package(args.out_dir, target, publishing)
    except PackageError as exc:
        raise UserError(str(exc)) from exc
    except OSError as exc:
        raise UserError(f"cannot write {args.out_dir}: {exc.strerror or exc}") from exc
    print(f"Wrote {len(written)} files to {args.out_dir}. Next: cd {args.out_dir} && ask deploy")
    if target.packages_code:
        print("The function keeps households in the DynamoDB table 'rekindle' (REKINDLE_STORE changes it): give "
              "its role DescribeTable, CreateTable, GetItem, PutItem, DeleteItem and Scan on it, and set "
              "REKINDLE_SKILL_ID in its environment.")
    missing = publishing.missing(target)
    if missing:
        print(f"Draft: before certification this package still needs {'; '.join(missing)} "
              f"(listed in {args.out_dir / NOT_READY_FILE}).")
    return 0
