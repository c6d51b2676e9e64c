"""Worker processes that read the page's drawings while the server's own process talks HTTP.

One Python process does one thing at a time: with 16 drawings in flight, each waits for the
others' parsing, preprocessing and forward passes as well as for the HTTP around them. A
:class:`WorkerPool` moves the arithmetic to other processes (one per spare core), so the
server's event loop only moves bytes. A drawing goes to the worker with the fewest in flight;
when every worker has enough queued, or none has started yet, or one has died, the server reads
the drawing itself, so a request never waits on a worker that cannot answer.

Each worker holds its own copy of the served network, loaded from a model file; when a training
run replaces the network, :meth:`WorkerPool.serve_model` hands the workers the new file, and
requests sent after that are read by the new network (a pipe keeps its order).

Messages on each worker's socket are a 4-byte length and then: ``P`` + a JSON body to read, or
``M`` + a model file's path; answers are ``R`` (ready), ``-`` (not a drawing the worker reads:
the server's route deals with it) or ``+`` + the 784 float32 inputs the network saw + the JSON
answer without its ``input_id`` and ``model_version``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import multiprocessing
import signal
import socket
import struct

import numpy as np

__all__ = ["WorkerPool", "read_drawing"]

log = logging.getLogger("digitnet.web")

#: Drawings queued at one worker before the server reads further ones itself. Few: a drawing
#: queued behind many others at a worker waits longer than one the server reads at once, and
#: the server's own core would sit idle meanwhile (4 gave the best throughput and tail at
#: 16 requests at a time on 2 cores, bench/load.py).
MAX_IN_FLIGHT = 4
_LENGTH = struct.Struct("<I")
#: Inputs of the networks the workers read with: the 28x28 image to_mnist makes.
_INPUT_SIZE = 28 * 28


def read_drawing(net, raw: bytes, inline_pixels: int) -> tuple[np.ndarray, bytes] | None:
    """The input the network sees and the JSON answer (without input_id and model_version) for
    a well-formed drawing body of at most ``inline_pixels`` cells; None for anything else."""
    from ..errors import DigitnetError
    from ..preprocess import to_mnist
    from . import views
    from .fastpath import well_formed_drawing

    pixels = well_formed_drawing(raw)
    if pixels is None or pixels.size > inline_pixels:
        return None
    try:
        x = np.ascontiguousarray(to_mnist(pixels, name="the drawing"), np.float32).reshape(-1)
    except DigitnetError:
        return None
    return x, views.dumps(views.describe_prediction(net, x))


class _Worker:
    """One worker process and its end of the socket, as the server's event loop sees them."""

    def __init__(self, process, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.process, self.reader, self.writer = process, reader, writer
        self.waiting: collections.deque[asyncio.Future] = collections.deque()
        self.ready = False
        self.alive = True
        self.closing = False

    def send(self, kind: bytes, payload: bytes) -> None:
        self.writer.write(_LENGTH.pack(len(payload) + 1) + kind + payload)

    async def listen(self) -> None:
        """Hand each answer to the request that waits for it, in order, until the pipe ends."""
        try:
            while True:
                (n,) = _LENGTH.unpack(await self.reader.readexactly(4))
                message = await self.reader.readexactly(n)
                if message == b"R":
                    self.ready = True
                else:
                    future = self.waiting.popleft()
                    if not future.done():
                        future.set_result(message)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.alive = False
            while self.waiting:
                future = self.waiting.popleft()
                if not future.done():
                    future.set_result(b"-")  # the server reads it itself
            if not self.closing:
                log.warning("digitnet: a prediction worker stopped (exit code %s); the server "
                            "reads drawings itself from now on", self.process.exitcode)


class WorkerPool:
    """``n`` worker processes reading drawings for one server; start and use on its event loop.

    Parameters
    ----------
    n : int
        How many processes.
    model_path : str
        The model file the workers load first.
    inline_pixels : int
        Larger drawings are not sent to workers (the server's route reads them in a thread).
    """

    def __init__(self, n: int, model_path: str, inline_pixels: int):
        self.n, self.model_path, self.inline_pixels = n, model_path, inline_pixels
        self.workers: list[_Worker] = []
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        """Start the processes; they take drawings once they have loaded the network."""
        context = multiprocessing.get_context("spawn")  # no fork of a running event loop
        for _ in range(self.n):
            ours, theirs = socket.socketpair()
            process = context.Process(target=_work, args=(theirs, self.model_path,
                                                          self.inline_pixels),
                                      name="digitnet-worker", daemon=True)
            await asyncio.to_thread(process.start)
            theirs.close()
            reader, writer = await asyncio.open_unix_connection(sock=ours)
            worker = _Worker(process, reader, writer)
            self.workers.append(worker)
            self._tasks.append(asyncio.create_task(worker.listen()))

    async def read(self, raw: bytes) -> tuple[np.ndarray, bytes] | None | bool:
        """A worker's reading of a drawing body: (input, answer) as :func:`read_drawing` gives,
        None if it is not a drawing the fast path answers, False if no worker can take it now."""
        ready = [w for w in self.workers
                 if w.ready and w.alive and len(w.waiting) < MAX_IN_FLIGHT]
        if not ready:
            return False
        worker = min(ready, key=lambda w: len(w.waiting))
        future = asyncio.get_running_loop().create_future()
        worker.waiting.append(future)
        worker.send(b"P", raw)
        message = await future
        if message[:1] != b"+":
            return None if worker.alive else False
        x = np.frombuffer(message, np.float32, count=_INPUT_SIZE, offset=1).copy()
        return x, message[1 + 4 * _INPUT_SIZE:]

    def serve_model(self, path: str) -> None:
        """From now on the workers read with the network in ``path`` (call on the event loop)."""
        for worker in self.workers:
            if worker.alive:
                worker.send(b"M", path.encode())

    async def close(self) -> None:
        for worker in self.workers:
            worker.closing = True
            worker.writer.close()
        for task in self._tasks:
            task.cancel()
        for worker in self.workers:
            await asyncio.to_thread(worker.process.join, 5)
            if worker.process.is_alive():
                worker.process.kill()
        self.workers.clear()


def _work(sock: socket.socket, model_path: str, inline_pixels: int) -> None:
    """A worker process: load the network, then answer messages until the socket closes."""
    from .. import modelfile
    from .run import one_blas_thread

    # Ctrl-C in a terminal reaches every process of the group: the server stops its workers
    # itself, by closing their sockets, once its requests are done.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    one_blas_thread()
    net = modelfile.load(model_path)
    stream = sock.makefile("rwb")
    try:
        _answer_messages(stream, net, inline_pixels)
    except (ConnectionError, OSError):  # the server went away: so do we
        pass


def _answer_messages(stream, net, inline_pixels: int) -> None:
    """Read drawings (``P``) and switch networks (``M``) until the stream ends."""
    from .. import modelfile

    def send(message: bytes) -> None:
        stream.write(_LENGTH.pack(len(message)) + message)
        stream.flush()

    send(b"R")
    while True:
        head = stream.read(4)
        if len(head) < 4:
            return
        message = stream.read(_LENGTH.unpack(head)[0])
        kind, payload = message[:1], message[1:]
        if kind == b"M":
            net = modelfile.load(payload.decode())
            continue
        reading = read_drawing(net, payload, inline_pixels) if net.sizes[0] == _INPUT_SIZE else None
        send(b"-" if reading is None else b"+" + reading[0].tobytes() + reading[1])
