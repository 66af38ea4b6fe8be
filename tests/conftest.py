"""Settings for the whole suite.

Under CI, hypothesis draws the same examples on every run, so a landing never fails by the
luck of a draw (a clean clone has no example database either); local runs keep exploring with
fresh draws and remember what failed."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
