"""Alexa adapter: ASK SDK handlers over the shared engine. It translates; the engine decides.

- ``handlers``: requests to engine commands and replies to responses (``build_skill``, ``skill_builder``)
- ``ssml``: replies as SSML within Alexa's limits
- ``lambda_function``: the AWS Lambda entry point (``lambda_handler``)
- ``time_zone``: "tonight" in the device's time zone on the hosted skill
- ``web``: the self-hosted web service (flask-ask-sdk's SkillAdapter under waitress)
- ``verification``: Amazon's request checks on ``cryptography``, as SkillAdapter verifiers
- ``oscrypto_compat``: lets flask-ask-sdk import on OpenSSL 3.0.10+ (oscrypto issues 75 and 78)
- ``package``: the ask-cli project written by ``rekindle skill-package``

Modules import their platform libraries themselves, so importing ``skill`` alone is cheap.
"""
