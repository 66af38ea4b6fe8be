"""The ``busway`` command."""
