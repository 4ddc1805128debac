"""`make bench` / `python -m bench [name ...]`: run every registered benchmark (or those named)."""

import sys

from bench.harness import main

sys.exit(main(sys.argv[1:]))
