"""Running the app with uvicorn: what ``digitnet serve`` does once the app is built."""

from __future__ import annotations

import errno
import socket

from fastapi import FastAPI

from ..errors import ConfigError

__all__ = ["serve"]


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 8000, *, on_ready=None) -> None:
    """Run ``app`` with uvicorn until Ctrl-C or SIGTERM; a training run is stopped first.

    The socket is bound here, so a port in use, or a host that is no address of this machine,
    is a :class:`ConfigError` with advice rather than a log line; port 0 picks a free one.
    ``on_ready(url)`` is called once the server accepts connections. Returns normally after
    Ctrl-C.
    """
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio turns off Nagle's algorithm (TCP_NODELAY) only on
    # connections of sockets that say so, and without it every keep-alive response waits 40 ms
    # for the browser's delayed ACK between its headers and its body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise _cannot_listen(host, port, e) from None
    sock.listen(2048)
    sock.setblocking(False)
    port = sock.getsockname()[1]

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            app.state.trainer.cancel()  # so the event streams of a running run end, and with
            super().handle_exit(sig, frame)  # them the shutdown, at once

        async def startup(self, sockets=None):
            await super().startup(sockets)
            if self.started and on_ready is not None:
                shown = f"[{host}]" if ":" in host else host
                on_ready(f"http://{shown}:{port}")

    one_blas_thread()
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=5, lifespan="on")
    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn raises Ctrl-C again once it has shut down cleanly
        pass
    finally:
        sock.close()


def _cannot_listen(host: str, port: int, e: OSError) -> ConfigError:
    """Why ``host:port`` cannot be bound, and what to change: the host when it is no address of
    this machine (or no address at all), else the port (in use, or not allowed)."""
    if isinstance(e, socket.gaierror) or e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return ConfigError(f"cannot listen on {host} ({e.strerror or e}); choose another --host "
                           "(127.0.0.1, or 0.0.0.0 for every interface)")
    shown = f"[{host}]" if ":" in host else host
    return ConfigError(f"cannot listen on {shown}:{port} ({e.strerror or e}); choose another "
                       "port with --port, or stop what is using it")


def one_blas_thread() -> None:
    """Let NumPy's BLAS use one thread in the server process.

    Every request works on one small image, far too little to share among threads; with
    OpenBLAS's default of a thread per core, the small least-squares fits of preprocessing took
    20 times longer whenever other requests or a training run kept the cores busy.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency of digitnet[web]
        return
    threadpool_limits(1, user_api="blas")
