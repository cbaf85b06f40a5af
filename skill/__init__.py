"""Alexa adapter: ASK SDK handlers over the shared engine. It translates; the engine decides.

- ``handlers``: one request handler per kind of request, and the skill built from them (``build_skill``)
- ``envelope``: what a request says: whose household, the intent and its slots
- ``turns``: one engine turn per request: state in the session attributes, microphone window, the response
- ``apology``: the catch-all exception handler (apologises; logs where, never what was said)
- ``ssml``: replies as SSML within Alexa's limits
- ``lambda_function``: the AWS Lambda entry point (``lambda_handler``)
- ``time_zone``: "tonight" in the device's time zone on the hosted skill
- ``web``: the self-hosted web service (flask-ask-sdk's SkillAdapter under waitress)
- ``verification``: Amazon's request checks on ``cryptography``, as SkillAdapter verifiers
- ``oscrypto_compat``: lets flask-ask-sdk import on OpenSSL 3.0.10+ (oscrypto issues 75 and 78)
- ``package``: the ask-cli project written by ``rekindle skill-package``

Modules import their platform libraries themselves, so importing ``skill`` alone is cheap.
"""
