"""Settings for the benchmark: the project's own settings plus the floor views' URLs.

Selected with DJANGO_SETTINGS_MODULE=bench.settings by bench/run.py only, so production
URLs never contain the floor routes.
"""

import os
from pathlib import Path

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# DEBUG=False serves static files from a collected copy (manifest storage): the benchmark
# collects it here, outside the checkout.
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", "/tmp/passbook_bench_static"))
