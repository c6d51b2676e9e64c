"""Running the app with uvicorn: what ``digitnet serve`` does once the app is built."""

from __future__ import annotations

import asyncio
import copy
import errno
import logging
import socket

from fastapi import FastAPI

from ..errors import ConfigError, one_line
from .errors import error_response

__all__ = ["serve"]

#: Seconds requests in flight at Ctrl-C are given to finish (uvicorn's graceful shutdown).
_GRACE = 5

log = logging.getLogger(__name__)


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 8000, *,
          on_ready=None, debug: bool = False) -> list[dict]:
    """Run ``app`` (:func:`~digitnet.web.create_app`'s) with uvicorn until Ctrl-C or SIGTERM.

    The socket is bound here, so a port in use, or a host that is no address of this machine,
    is a :class:`ConfigError` with advice rather than a log line; port 0 picks a free one.
    ``on_ready(url)`` is called once the server accepts connections.

    A request that meets a bug (answered 500) is logged on stderr as one line naming it and the
    error; with ``debug``, with its traceback, and every request is logged (:class:`_Logged`).

    On Ctrl-C (or SIGTERM) the training runs from the page (each model's) are stopped first;
    requests in flight have a few seconds to be answered, and those still waiting for a heavy
    answer (a t-SNE map) are then answered that the server is stopping (409), their computations
    left unfinished (:meth:`~digitnet.web.shared_work.SharedWork.stop`); a second later, those
    still unanswered (an upload still arriving, say) are answered so too, each logged in a line.
    Returns then, with the models that lost something at the stop, each as ``GET /api/models``
    lists it and two keys more: ``unsaved``, whether its network was made on the page (trained, or
    fine-tuned to a voice) and not downloaded since (``POST .../api/export``), now lost; and
    ``stopped``, the training run from the page the stop cut short (:meth:`_Runs.stopped`), or
    None.

    The library python-multipart logs its own line for a malformed multipart body; the client
    is answered why (422), and the log keeps no line of it (:func:`_log_config`).
    """
    import uvicorn

    sock = _listening(host, port)
    port = sock.getsockname()[1]

    apps = (app, *app.state.mounted)  # (model 1's, and the others': model N is apps[N - 1])
    downloads = _Downloads(app, {address: each.state.served for each, listed in
                                 zip(apps, app.state.models) for address in _exports(listed)})

    runs = _Runs(apps)

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            runs.stop()  # every model's run: so that their event streams end, and with them
            super().handle_exit(sig, frame)  # the shutdown, at once

        async def shutdown(self, sockets=None):
            # Questions being answered have most of the grace; those still waiting then are
            # answered that the server is stopping, and the requests still unanswered at its
            # end are cancelled here (each logged by _Logged), before uvicorn would.
            loop = asyncio.get_running_loop()
            timers = (loop.call_later(_GRACE - 1, lambda: [each.state.shared_work.stop()
                                                            for each in apps]),
                      loop.call_later(_GRACE, lambda: [t.cancel()
                                                       for t in self.server_state.tasks]))
            try:
                await super().shutdown(sockets)
            finally:
                for timer in timers:
                    timer.cancel()

        async def startup(self, sockets=None):
            await super().startup(sockets)
            if self.started and on_ready is not None:
                shown = f"[{host}]" if ":" in host else host
                on_ready(f"http://{shown}:{port}")

    one_blas_thread()
    # (uvicorn's own end of the grace is a guard, for a request that outlives its cancelling)
    config = uvicorn.Config(_Logged(downloads, debug), log_config=_log_config(),
                            log_level="info" if debug else "warning", access_log=debug,
                            timeout_graceful_shutdown=_GRACE + 1, lifespan="on")
    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn raises Ctrl-C again once it has shut down cleanly
        pass
    finally:
        sock.close()
    lost = [{**listed, "unsaved": downloads.lost(each.state.served), "stopped": runs.stopped(each)}
            for each, listed in zip(apps, app.state.models)]
    return [listed for listed in lost if listed["unsaved"] or listed["stopped"]]


class _Runs:
    """The training runs from the page that the server's stop cuts short: those of the served
    models (``apps``) running at Ctrl-C or SIGTERM."""

    def __init__(self, apps):
        self.apps, self.running = apps, {}

    def stop(self) -> None:
        """Ask every running run to stop at its next step, and remember it."""
        for each in self.apps:
            trainer = each.state.trainer
            _, _, config, log = trainer.status()
            if trainer.cancel():
                self.running.setdefault(each, (log, config))

    def stopped(self, app) -> dict | None:
        """``app``'s run that the stop cut short: its ``run_id``, ``epochs`` (as many as it was
        to train), ``finished`` (epochs it finished) and whether it had ``begun`` training (else
        it was loading its data); None if no run was stopped, or the run ended otherwise (it
        finished then: its network is served, and said lost if it is not downloaded)."""
        log, config = self.running.get(app, (None, None))
        if log is None or (log.finished and log.events[-1][0] != "cancelled"):
            return None
        kinds = [kind for kind, _ in log.events]
        return {"run_id": log.run_id, "epochs": config.epochs, "finished": kinds.count("epoch"),
                "begun": "start" in kinds}


class _Logged:
    """ASGI middleware, the outermost: a request that went wrong, logged as one line on stderr
    naming it (with its traceback if ``debug``), and not again by uvicorn (:class:`_Reported`).

    A bug: an exception the app raises (``bug`` of :mod:`~digitnet.web.errors` answered it 500
    and raised it again). A request cancelled at shutdown, still unanswered at the end of the
    grace (still being sent, say: a photo from a phone on a slow network): answered, if its
    answer had not started, that the server is stopping (409), as those waiting for a map are.
    """

    def __init__(self, app, debug: bool):
        self.app, self.debug = app, debug

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        answer = {}  # its status once started, and whether it was sent whole ("done")

        async def sending(message):
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                answer["done"] = True
            await send(message)

        what = f"{scope['method']} {scope.get('root_path', '')}{scope['path']}"
        try:
            await self.app(scope, receive, sending)
        except asyncio.CancelledError as e:
            told = "its answer cut short" if answer else "answered 409 saying so"
            self._report(logging.WARNING, f"{what}: the server stopped before answering it "
                                          f"({told})", e)
            if answer:
                raise
            await error_response(409, "the server stopped before answering this request; send "
                                      "it again when it is back")(scope, receive, send)
        except Exception as e:  # (answered 500 by errors.bug, unless its answer had started)
            error = one_line(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
            told = f"answered {answer['status']}" if "done" in answer else "its answer cut short"
            self._report(logging.ERROR, f"{what}: a bug in digitnet ({error}; {told}); please "
                         "report it with the request that caused it" +
                         (" and this traceback:" if self.debug else
                          " (`digitnet --debug serve` shows the traceback)"), e)
            raise

    def _report(self, level: int, message: str, e: BaseException) -> None:
        log.log(level, message, exc_info=e if self.debug else None)
        e._digitnet_reported = True  # (after: this record is not left out; see _Reported)


class _Reported(logging.Filter):
    """Leaves out uvicorn's record of an exception :class:`_Logged` has logged already (its
    "Exception in ASGI application", with a traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not getattr(exc, "_digitnet_reported", False)


def _log_config() -> dict:
    """uvicorn's logging configuration, with :class:`_Logged`'s lines beside its own and the
    access log's (``debug``'s) on stderr, leaving stdout to what serve says; python-multipart's
    warnings about a client's malformed body left out."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"reported": {"()": _Reported}}
    for handler in config["handlers"].values():
        handler.update(stream="ext://sys.stderr", filters=["reported"])
    config["loggers"][__name__] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    # A malformed multipart body is the client's mistake, answered 422 saying so: not a line
    # of python-multipart's own ("Expected boundary character 45, got 103 at index 2").
    config["loggers"]["python_multipart"] = {"level": "ERROR"}
    return config


def _exports(listed: dict) -> set[str]:
    """The addresses a model's network is downloaded from (``GET /api/models``' ``listed``):
    under its API, and under ``/models/N/api`` (model 1's is at ``/api`` too)."""
    return {f"{listed['api']}/export", f"/models/{listed['name']}/api/export"}


class _Downloads:
    """ASGI middleware: which version of each served network (by its
    :class:`~digitnet.web.served.Served`) was last downloaded whole, as a model file answered
    to ``POST`` at one of its export addresses (``exports``: address -> served)."""

    def __init__(self, app, exports: dict):
        self.app, self.exports, self.downloaded = app, exports, {}

    async def __call__(self, scope, receive, send):
        served = None
        if scope["type"] == "http" and scope["method"] == "POST":
            served = self.exports.get(scope["path"])
        if served is None:
            return await self.app(scope, receive, send)
        version = served.current[1]

        async def sending(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                self.downloaded[served] = version
            await send(message)

        await self.app(scope, receive, sending)

    def lost(self, served) -> bool:
        """Whether ``served``'s network was made on the page (not the one the server started
        with: version 1) and not downloaded since."""
        version = served.current[1]
        return version > 1 and self.downloaded.get(served) != version


def _listening(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, for uvicorn; :func:`_cannot_listen`'s error if it
    cannot."""
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
    return sock


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
