"""``python -m busway`` is the ``busway`` command."""

from __future__ import annotations

import sys

from busway.cli.main import main

sys.exit(main())
