"""Heavy answers computed once for everyone who asks the same question.

When a class of 30 presses "map" at once, the server is asked 30 times for the same t-SNE map
of the same layer of the same network on the same held-out digits. Computed one after another,
the last student waited for all 30 (274 s, measured), and a request its student had given up
on went on computing. :class:`SharedWork` computes each such question once: a request that
arrives while the same question is being computed waits for that computation (single-flight),
and the last answers are kept for those who ask again (:data:`KEPT_ANSWERS`). Everyone gets
the same answer, bit for bit, as each would have got alone: it is one computation.

A computation runs on an event loop of its own, in a daemon thread (and its worker threads are
daemons too): when :meth:`SharedWork.stop` is called (by ``web/run.serve``, a few seconds into
the server's shutdown), the requests still waiting for one are answered that it is stopping
(409), and neither it nor the interpreter waits for a computation whose answer nobody will read
(a t-SNE map takes seconds).

Sharing is safe because these answers are computed from the served network and its held-out
digits only, which every client sees anyway; a question names everything its answer depends on
(its key), and the served network's version, so that a new network is never answered for with
an old one's answer.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

from .errors import ApiError

__all__ = ["KEPT_ANSWERS", "SharedWork"]

#: How many answers are kept for later identical requests. Each is one JSON answer, at most a
#: few hundred KB (64 digits' pictures for /api/top, 5,000 points for a PCA map).
KEPT_ANSWERS = 64

T = TypeVar("T")


class SharedWork(Generic[T]):
    """Answers to questions, each computed once however many ask it, and the last ``kept`` of
    them kept.

    A question is ``(version, key)``: the served network's version and a hashable key naming
    everything else the answer is computed from (the route, the held-out digits, the request's
    body). An answer is kept only while it is about the newest version asked about: once a
    network replaces the served one, the answers about the old one are let go.

    A computation runs in a task of its own, not in the request that started it: a client that
    goes away does not stop it, nor fail those waiting for the same answer; its answer is kept
    for when the client asks again. An error is every waiting request's error (it asked the
    same), and is not kept: the next request computes again. The tasks run on an event loop of
    their own, in a daemon thread started on first need, so that :meth:`stop` need not wait
    for them.
    """

    def __init__(self, kept: int = KEPT_ANSWERS):
        self.kept = kept
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple[int, Hashable], T] = OrderedDict()  # oldest first
        self._running: dict[tuple[int, Hashable], Future] = {}
        self._tasks: set[Future] = set()  # (the running ones, kept from the collector)
        self._version = 0  # the newest network version an answer was kept for
        self._loop: asyncio.AbstractEventLoop | None = None  # where computations run
        self._stopped = False

    def __len__(self) -> int:
        """How many answers are kept."""
        with self._lock:
            return len(self._answers)

    async def answer(self, version: int, key: Hashable,
                     compute: Callable[[], Awaitable[T]]) -> T:
        """The answer to question (``version``, ``key``): kept, or being computed for another
        request (then waited for), or else computed now by ``compute()``."""
        question = (version, key)
        with self._lock:
            if self._stopped:
                raise _stopping()
            if question in self._answers:
                self._answers.move_to_end(question)
                return self._answers[question]
            shared = self._running.get(question)
            if shared is None:
                shared = self._running[question] = Future()
                shared.set_running_or_notify_cancel()  # (a waiter that goes away cannot cancel it)
                task = asyncio.run_coroutine_threadsafe(
                    self._compute(question, compute, shared), self._work_loop())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        # (A concurrent.futures.Future, which a request served by any event loop can wait for:
        # the computations run on another, and a test client without its context manager runs
        # one per request.)
        return await asyncio.wrap_future(shared)

    def stop(self) -> None:
        """The server is stopping: answer each request waiting for a computation, and each
        asking from now on, that it is (409); cancel the computations. One running in a worker
        thread goes on there until it ends, but nothing waits for it."""
        with self._lock:
            self._stopped = True
            waiting, self._running = list(self._running.values()), {}
            tasks = list(self._tasks)
        for shared in waiting:
            shared.set_exception(_stopping())
        for task in tasks:
            task.cancel()

    def _work_loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the computations run on, in a daemon thread started on first need
        and ended when this is let go of. Called holding the lock."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=_run_forever, args=(self._loop,), daemon=True,
                             name="digitnet-shared-work").start()
            ended = weakref.finalize(self, self._loop.call_soon_threadsafe, self._loop.stop)
            ended.atexit = False  # (at exit, a daemon thread is not waited for anyway)
        return self._loop

    async def _compute(self, question: tuple[int, Hashable],
                       compute: Callable[[], Awaitable[T]], shared: Future) -> None:
        try:
            answer = await compute()
        except BaseException as e:
            if self._release(question, shared):  # (else stop() answered its waiters)
                shared.set_exception(e)
            if not isinstance(e, Exception):  # (cancelled by stop(): stop too)
                raise
            return
        with self._lock:
            ours = self._running.get(question) is shared  # (not: stop() answered its waiters)
            if ours:
                del self._running[question]
                self._keep(question, answer)
        if ours:
            shared.set_result(answer)

    def _release(self, question: tuple[int, Hashable], shared: Future) -> bool:
        """Whether ``shared`` is still the running computation of ``question`` (not answered
        by :meth:`stop`); if it is, it is no longer."""
        with self._lock:
            if self._running.get(question) is not shared:
                return False
            del self._running[question]
            return True

    def _keep(self, question: tuple[int, Hashable], answer: T) -> None:
        """Keep ``answer`` if it is about the newest network asked about (and let go of those
        about older ones); the oldest go beyond ``kept``. Called holding the lock."""
        version = question[0]
        if version > self._version:
            self._answers.clear()
            self._version = version
        if version == self._version:
            self._answers[question] = answer
            while len(self._answers) > self.kept:
                self._answers.popitem(last=False)


def _run_forever(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_forever()
    finally:
        loop.close()


def _stopping() -> ApiError:
    return ApiError(409, "the server is stopping, so this question will not be answered; ask "
                         "again when it is back")
