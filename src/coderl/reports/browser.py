"""Headless Chromium driven over the DevTools protocol on a pipe, for checking report pages
in a real browser (the tests, ``bench/report_page.py``) without a websocket library or a
browser download: Debian's ``chromium`` package and the standard library are enough.

``--remote-debugging-pipe`` makes Chromium read commands from fd 3 and write answers and
events to fd 4, as JSON messages each ending in a NUL byte.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
from pathlib import Path
from typing import Any

TIMEOUT_S = 30  # the longest wait for one message before the browser counts as hung


def find_chromium() -> str | None:
    """The Chromium executable on PATH (Debian: ``chromium``), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """Headless Chromium over ``--remote-debugging-pipe`` (JSON messages ending in NUL on
    fds 3 and 4): no websocket library and no browser download."""

    def __init__(self, executable: str, profile: Path):
        to_child, self._commands = os.pipe()
        self._events, from_child = os.pipe()
        args = [
            "--headless",
            "--no-sandbox",  # CI runs as root, where Chromium's own sandbox refuses to start
            "--disable-gpu",
            "--remote-debugging-pipe",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--window-size=1280,2000",
            "about:blank",
        ]
        self.process = subprocess.Popen(  # bash: dash takes single-digit fds only
            ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_child} 4>&{from_child}', executable, *args],
            pass_fds=(to_child, from_child),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        self.session = ""

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        """Send one command and wait for its answer (events that come first are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(self._read())

    def open(self, url: str) -> None:
        """Attach to the first page, listen to its console, and load ``url``."""
        pages = [t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
        attached = self.send(
            "Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True}
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def console_errors(self) -> list[str]:
        """Errors the page logged or threw so far."""
        errors = []
        for event in self.events:
            params = event.get("params", {})
            if event.get("method") == "Runtime.exceptionThrown":
                errors.append(json.dumps(params["exceptionDetails"]))
            elif event.get("method") == "Runtime.consoleAPICalled" and params["type"] == "error":
                errors.append(json.dumps(params["args"]))
            elif event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(params["entry"]["text"])
        return errors

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if not select.select([self._events], [], [], TIMEOUT_S)[0]:
                raise RuntimeError(f"chromium sent nothing for {TIMEOUT_S} s")
            chunk = os.read(self._events, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):  # already gone
            self.send("Browser.close", session=False)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._events)
