"""EventBridge event patterns: validation with AWS's error texts, and matching.

``RuleIndex`` compiles any number of patterns into one shared index, so the work per event
depends on the event and on the rules that can match it, not on how many rules exist.
"""

from __future__ import annotations

from busway.patterns.errors import InvalidEventPattern
from busway.patterns.index import RuleIndex
from busway.patterns.matching import matches, validate_pattern

__all__ = ["InvalidEventPattern", "RuleIndex", "matches", "validate_pattern"]
