"""The app as gunicorn serves it (`app:app`), for search_bench.py's second load run only:
with BENCH_SEARCH_RECORD=0 the /search route does not count the query in search_queries,
so that the cost of that write under load can be measured. Nothing else differs."""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub import create_app  # noqa: E402
from hub.search import services  # noqa: E402

app = create_app()

if os.environ.get("BENCH_SEARCH_RECORD", "1") == "0":
    services.record_query = lambda text, found: None  # the view calls it through the module
