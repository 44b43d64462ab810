"""Child processes the commands start (the dashboard server) and must not leave running."""

from __future__ import annotations

import subprocess


def stop_child(child: subprocess.Popen, grace_seconds: float = 10) -> int:
    """Stop a child still running: SIGTERM so it can close cleanly, SIGKILL if it has not exited within
    `grace_seconds`. Returns its exit status."""
    if child.poll() is None:
        child.terminate()
        try:
            return child.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            child.kill()
    return child.wait()
