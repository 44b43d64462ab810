"""Rules for text that travels into spreadsheets: one definition for receipts (intake) and exports (reporting)."""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""What makes Excel or LibreOffice read a text cell as a formula once a user edits it (or on CSV export)."""


def is_formula_like(text: str) -> bool:
    """Text that must be written as text with Excel's quote prefix (the apostrophe a user would type)."""
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)
