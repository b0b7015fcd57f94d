"""How uvicorn runs the app: the same settings for `studentvoice serve` and the tests that
start a real server."""

import gc
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

# Heartbeats: a ping every 20 seconds keeps an idle phone's connection open through mobile
# networks and proxies, and a phone that stops answering for 20 more is let go.
WS_PING_INTERVAL = 20.0
WS_PING_TIMEOUT = 20.0
# Pages only ever send a few bytes ("where was I"): anything bigger is refused.
WS_MAX_SIZE = 4096
# No per-message compression: the fragments pushed are small, and keeping a compressor for
# every open phone costs about 40 KiB of server memory each, which a full room cannot afford.
WS_PER_MESSAGE_DEFLATE = False
# uvicorn's sans-I/O websockets protocol: sending is a write to the socket, with no tasks,
# locks or buffers of its own per connection, which a room of thousands of phones needs.
WS_PROTOCOL = "websockets-sansio"


# A full room keeps hundreds of thousands of objects alive (each connection and its buffers),
# and Python's default collector stopped the server for most of a second, every few seconds,
# to walk all of them. What the app made while starting is frozen (never walked again), and
# the youngest objects are collected less often, so short-lived cycles still die young while
# whole-heap collections become rare.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """For a serving process, once the app is made."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def uvicorn_config(app: ASGIApp | str, **options: Any) -> uvicorn.Config:
    settings: dict[str, Any] = {
        "proxy_headers": True,
        "ws": WS_PROTOCOL,
        "ws_max_size": WS_MAX_SIZE,
        "ws_ping_interval": WS_PING_INTERVAL,
        "ws_ping_timeout": WS_PING_TIMEOUT,
        "ws_per_message_deflate": WS_PER_MESSAGE_DEFLATE,
    }
    return uvicorn.Config(app, **{**settings, **options})


def app_from_env() -> Starlette:
    """What each worker of `studentvoice serve --workers N` runs: the settings come from the
    environment; the database was brought up to date before the workers started."""
    from server.app import create_app
    from server.settings import Settings

    app = create_app(Settings.from_env().with_(migrate_on_start=False))
    tune_gc()
    return app
