"""``python -m benchmarks``: run every comparison (or those named) and report; see README.md."""

from benchmarks._suite import main

raise SystemExit(main())
