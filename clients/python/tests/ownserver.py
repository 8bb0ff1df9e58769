"""A Holdpoint server of the tests' own: a fixed port and data directory, so it can be killed
and started again where the clients expect it, and private webhook addresses allowed, so it
delivers to a receiver on 127.0.0.1."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import socket
import subprocess
import threading


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class OwnServer:
    def __init__(self, exe: str, data_dir: pathlib.Path):
        self.exe, self.data_dir, self.port = exe, str(data_dir), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[str] | None = None
        self.keys: dict[str, str] = {}

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDPOINT_")}
        self.proc = subprocess.Popen(
            [self.exe, "--data-dir", self.data_dir, "--bind", f"127.0.0.1:{self.port}",
             "--webhook-allow-private", "true"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if re.search(r"public_url=", line):
                threading.Thread(target=self.proc.stderr.read, daemon=True).start()
                break
        else:
            raise RuntimeError("the server exited before listening")
        if not self.keys:
            self.keys = {
                "agent": self.key("agent", ["pauses", "agents"], test=True),
                "decider": self.key("decider", ["decide"], test=True),
                "admin": self.key("ops", ["admin"]),
            }

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as a crash or an OOM kill."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=15)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)

    def cli(self, *args: str) -> str:
        out = subprocess.run([self.exe, "--data-dir", self.data_dir, *args], text=True,
                             capture_output=True, check=True)
        return out.stdout.strip()

    def key(self, name: str, scopes: list[str], test: bool = False) -> str:
        args = ["key", "create", "--workspace", "1", "--name", name]
        for s in scopes:
            args += ["--scope", s]
        return self.cli(*args, *(["--test"] if test else []))
