"""``python -m bench``: run every benchmark and write ``BENCHMARKS.md`` (see ``bench/run.py``)."""

import sys

from .run import main

sys.exit(main())
