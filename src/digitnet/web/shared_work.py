"""Heavy answers computed once for everyone who asks the same question.

When a class of 30 presses "map" at once, the server is asked 30 times for the same t-SNE map
of the same layer of the same network on the same held-out digits. Computed one after another,
the last student waited for all 30 (274 s, measured), and a request its student had given up
on went on computing. :class:`SharedWork` computes each such question once: a request that
arrives while the same question is being computed waits for that computation (single-flight),
and the last answers are kept for those who ask again (:data:`KEPT_ANSWERS`). Everyone gets
the same answer, bit for bit, as each would have got alone: it is one computation.

Sharing is safe because these answers are computed from the served network and its held-out
digits only, which every client sees anyway; a question names everything its answer depends on
(its key), and the served network's version, so that a new network is never answered for with
an old one's answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

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
    same), and is not kept: the next request computes again.
    """

    def __init__(self, kept: int = KEPT_ANSWERS):
        self.kept = kept
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple[int, Hashable], T] = OrderedDict()  # oldest first
        self._running: dict[tuple[int, Hashable], Future] = {}
        self._tasks: set[asyncio.Task] = set()  # (the running ones, kept from the collector)
        self._version = 0  # the newest network version an answer was kept for

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
            if question in self._answers:
                self._answers.move_to_end(question)
                return self._answers[question]
            shared = self._running.get(question)
            if shared is None:
                shared = self._running[question] = Future()
                shared.set_running_or_notify_cancel()  # (a waiter that goes away cannot cancel it)
                task = asyncio.get_running_loop().create_task(
                    self._compute(question, compute, shared))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        # (A concurrent.futures.Future, which a request served by another event loop can wait
        # for too: a test client without its context manager runs one per request.)
        return await asyncio.wrap_future(shared)

    async def _compute(self, question: tuple[int, Hashable],
                       compute: Callable[[], Awaitable[T]], shared: Future) -> None:
        try:
            answer = await compute()
        except BaseException as e:
            with self._lock:
                del self._running[question]
            shared.set_exception(e)
            if not isinstance(e, Exception):  # (cancelled, as the server stops: stop too)
                raise
            return
        with self._lock:
            del self._running[question]
            self._keep(question, answer)
        shared.set_result(answer)

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
