"""Getting accepted events to their targets: dispatcher, retry policy, dead-lettering, targets."""
