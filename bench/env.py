"""The environment of the benchmark's server and process (no Django imports here)."""

from __future__ import annotations

import os
import secrets


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="False",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="False",
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
    )
    env["BENCH_SECRET_KEY"] = env["SECRET_KEY"]
    return env
