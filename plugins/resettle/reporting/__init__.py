"""Printed and exported reports read from the marts (the joint-review sheet)."""
