"""Lambda functions busway runs itself: declared in the config file, run in worker processes."""

from __future__ import annotations

from busway.functions.config import FunctionSpec, load_functions

__all__ = ["FunctionSpec", "load_functions"]
