"""Intake: find files in the landing zone, archive them by hash, register them, parse them."""
