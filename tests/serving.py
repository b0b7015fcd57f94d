"""The whole app served for real by uvicorn on a free port of 127.0.0.1, with the same
settings `studentvoice serve` uses (websocket heartbeats and message limit included)."""

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn

from server.app import create_app
from server.serving import uvicorn_config
from server.settings import Settings
from server.web import Runtime

SERVER_START_SECONDS = 10


@dataclass
class LiveServer:
    url: str
    runtime: Runtime
    # Clients opened against this server, closed before it stops.
    clients: ExitStack = field(default_factory=ExitStack)

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")


@contextmanager
def serve(settings: Settings, **options: Any) -> Iterator[LiveServer]:
    """`options` change uvicorn's settings, like a shorter heartbeat for a test."""
    app = create_app(settings)
    server = uvicorn.Server(uvicorn_config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="on", **options))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(SERVER_START_SECONDS)
            pytest.fail("the app did not start serving on 127.0.0.1", pytrace=False)
        time.sleep(0.01)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    running = LiveServer(url=f"http://{host}:{port}", runtime=app.state.runtime)
    try:
        yield running
    finally:
        running.clients.close()
        server.should_exit = True
        thread.join(SERVER_START_SECONDS)
        app.state.runtime.writer.stop()
        app.state.runtime.db.dispose()


# `studentvoice serve` as a process of its own ------------------------------------------


def wait_until_healthy(process: subprocess.Popen[bytes], health: Callable[[], int],
                       output: Callable[[], str], *, deadline: float) -> None:
    """Until /healthz answers 200 (`health` gives its status, or raises OSError while nothing
    listens); fails with what the process printed if it exits or the deadline passes."""
    while True:
        try:
            if health() == 200:
                return
        except OSError:
            pass
        assert process.poll() is None, f"serve exited early:\n{output()}"
        assert time.monotonic() < deadline, f"serve never answered:\n{output()}"
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop it as Ctrl+C would, and make sure it is gone."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
