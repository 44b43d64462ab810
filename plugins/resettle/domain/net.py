"""Loopback ports for the embedded services (warehouse, Airflow UI and its log servers)."""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((LOOPBACK, port)) == 0


def free_port_block(width: int = 3) -> int:
    """A free port whose next `width - 1` are free too (`resettle airflow up` takes the UI's port and its two
    log servers' after it)."""
    for _ in range(50):
        port = free_port()
        if port < 65536 - width and not any(port_in_use(p) for p in range(port + 1, port + width)):
            return port
    raise RuntimeError(f"no {width} consecutive free ports")
