"""Intake: find files in the landing zone, archive them by hash, register them, parse them."""

from resettle.intake.gx_overhead import defer_unused_imports

# Before anything in the intake imports Great Expectations (see gx_overhead).
defer_unused_imports()
