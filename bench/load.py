"""Load benchmark of ``digitnet serve``: many predictions at once against the real server.

Starts ``digitnet serve MODEL`` on a free port of 127.0.0.1 (or uses --url), then sends
``POST /api/predict`` requests on keep-alive connections (a lean asyncio HTTP client), each body
a real MNIST digit from --data laid out as the page sends it (a --grid x --grid grid of
brightness 0..1, two decimals; the page's is 56, MNIST's 28). Request bodies are encoded before
the clock starts. Two ways to load it:

closed loop (default)
    --requests requests from --concurrency connections, each sending its next request as soon
    as the answer to its last one arrives: how many the server can answer.
open loop (--classroom)
    The classroom: --connections pages (50), each sending a drawing every --interval seconds
    (0.1, as the page does while a stroke is drawn: about 500 requests/s), for --duration
    seconds (60). Each request has its time to be sent, fixed in advance, and its latency is
    counted from then, not from when it could be sent: a request that waits for its connection
    to be free counts the wait (no coordinated omission).

Reports throughput, latency percentiles, errors, how many digits were read right (a check that
the answers are real), the CPU used by the server and the client, and what else ran meanwhile
(this machine is shared): the processes that used the most CPU.

    python bench/load.py MODEL                                  # 5,000 requests, 16 at once
    python bench/load.py MODEL --classroom --json               # 50 pages x 10/s for 60 s

If MODEL is omitted, a network is trained for the run (3 epochs on the --data digits).
This is a benchmark, not a test: it asserts nothing, it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist-train-prefix"
DIGIT = re.compile(rb'"digit":\s*(\d+)')


def bodies(data_dir: Path, n: int, size: int) -> tuple[list[bytes], np.ndarray]:
    """``n`` request bodies from the last ``n`` digits of the data (distinct, real), and labels."""
    from PIL import Image

    from digitnet import datasets

    data = datasets.load(str(data_dir), split="train")
    images, labels = data.x[-n:], data.labels[-n:].astype(int)
    out = []
    for image in images:
        if size != image.shape[0]:
            image = np.asarray(Image.fromarray(image).resize((size, size), Image.BILINEAR))
        # As the page's JSON.stringify writes them: 2 decimals, whole numbers without ".0".
        grid = [[int(v) if v.is_integer() else v for v in row]
                for row in np.round(image / 255.0, 2).tolist()]
        out.append(json.dumps({"pixels": grid}, separators=(",", ":")).encode())
    return out, labels


def train_model(data_dir: Path, folder: Path) -> Path:
    from digitnet import datasets, modelfile
    from digitnet import PRESETS
    from digitnet.training import train

    data = datasets.load(str(data_dir), split="train")
    result = train(data.subset(slice(0, 20000), "train"), PRESETS["default"].replace(epochs=3),
                   handle_signals=False)
    return modelfile.save(result.network, folder / "bench-model.safetensors")


def start_server(model: Path, data_dir: Path | None = None
                 ) -> tuple[subprocess.Popen, str, float]:
    """Run ``digitnet serve`` on a free port (with ``--data data_dir`` if given); return the
    process, its URL and its start time. bench/microphone.py starts its server with it too."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    started = time.perf_counter()
    data = ["--data", str(data_dir)] if data_dir else []
    proc = subprocess.Popen([sys.executable, "-m", "digitnet", "serve", str(model), "--port", "0",
                             *data],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not start: {line}{proc.stderr.read()}")
    return proc, match.group(1), time.perf_counter() - started


def processes() -> dict[int, tuple[str, float]]:
    """Every process's name and CPU seconds so far (its own, and its finished children's)."""
    out, tick = {}, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        times = sum(map(int, fields.split()[11:15]))  # utime stime cutime cstime
        out[int(stat.parent.name)] = (name.split("(", 1)[1], times / tick)
    return out


def cpu_seconds(server_pid: int | None) -> tuple:
    """(server CPU seconds so far or None, this process's, every process's, and the seconds the
    hypervisor gave this machine's cores to other machines: /proc/stat's steal) at this moment."""
    every = processes()
    server = every.pop(server_pid, (None, None))[1]
    every.pop(os.getpid(), None)
    steal = int(Path("/proc/stat").read_text().split("\n", 1)[0].split()[8])
    return server, time.process_time(), every, steal / os.sysconf("SC_CLK_TCK")


def others(before: dict, after: dict, wall: float) -> list[str]:
    """The processes other than the server and the client that used the most CPU meanwhile."""
    used = {pid: (name, cpu - before.get(pid, (name, 0))[1]) for pid, (name, cpu) in after.items()}
    top = sorted(used.values(), key=lambda v: -v[1])[:4]
    return [f"{name} {cpu / wall:.0%}" for name, cpu in top if cpu / wall >= 0.02]


class RawClient:
    """A lean HTTP/1.1 client for one request shape: POST /api/predict on keep-alive connections.

    httpx spends about 3 ms of CPU per request, on the same two cores as the server; this one a
    tenth of that, so the figures measure the server rather than the client.
    """

    def __init__(self, url: str):
        hostport = url.split("//", 1)[1].rstrip("/")
        self.host, _, port = hostport.rpartition(":")
        self.port = int(port)
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, body: bytes) -> tuple[int, bytes]:
        reader, writer = self.idle.pop() if self.idle else await self._connect()
        try:
            head = (b"POST /api/predict HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json"
                    b"\r\nContent-Length: %d\r\n\r\n" % (self.host.encode(), len(body)))
            writer.write(head + body)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            data = await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if re.search(rb"(?i)connection: *close", head):
            writer.close()
        else:
            self.idle.append((reader, writer))
        return status, data

    async def open(self, n: int) -> None:
        """Open ``n`` keep-alive connections now, rather than when the first requests go."""
        self.idle += await asyncio.gather(*(self._connect() for _ in range(n)))

    async def _connect(self):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    async def aclose(self):
        for _, writer in self.idle:
            writer.close()


class Tally:
    """What the measured requests got: latencies (s), errors, digits read right."""

    def __init__(self, labels: np.ndarray, check_json: bool):
        self.labels, self.check_json = labels, check_json
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.right = 0

    async def send(self, client, payloads: list[bytes], k: int, since: float, record: bool):
        """Send body ``k``; if ``record``, count its answer and latency from ``since``."""
        try:
            status, data = await asyncio.wait_for(client.post(payloads[k % len(payloads)]), 30)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            if record:
                self.errors.append(f"{type(e).__name__}: {e}")
            return
        elapsed = time.perf_counter() - since
        if not record:
            return
        if status != 200:
            self.errors.append(f"{status}: {data[:120]!r}")
            return
        self.latencies.append(elapsed)
        # The digit is the answer's first field; reading it alone keeps the client's CPU (on
        # the server's cores) low. --check-json parses every answer whole instead.
        digit = json.loads(data)["digit"] if self.check_json else int(DIGIT.search(data)[1])
        self.right += digit == self.labels[k % len(self.labels)]

    def summary(self, wall: float, before: tuple, after: tuple, n: int) -> dict:
        """Figures for ``n`` measured requests over ``wall`` seconds; ``before`` and ``after``
        are :func:`cpu_seconds` at its start and end."""
        ms = sorted(1000 * v for v in self.latencies)
        server = after[0] - before[0] if before[0] is not None else None
        client = after[1] - before[1]

        def pct(p):
            return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))] if ms else None

        return {
            "requests": n, "ok": len(ms), "errors": len(self.errors),
            "error_samples": self.errors[:5], "seconds": round(wall, 3),
            "throughput_rps": round(len(ms) / wall, 1),
            "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
            "max_ms": ms[-1] if ms else None, "mean_ms": statistics.fmean(ms) if ms else None,
            "accuracy": round(self.right / max(1, len(ms)), 4),
            # CPU the server spent per request: unlike latency, it hardly depends on what else
            # the machine is doing.
            "server_cpu_ms": 1000 * server / n if server is not None else None,
            "client_cpu_ms": 1000 * client / n,
            # What else kept the (shared) machine's cores busy: process, share of one core.
            "others": others(before[2], after[2], wall),
            "stolen_cores": (after[3] - before[3]) / wall,
        }


async def run(url: str, payloads: list[bytes], labels: np.ndarray, total: int, concurrency: int,
              warmup: int, server_pid: int | None = None, check_json: bool = False) -> dict:
    """Closed loop: ``total`` requests, ``concurrency`` at a time, after ``warmup`` unmeasured."""
    client = RawClient(url)
    tally = Tally(labels, check_json)

    async def worker(queue, record: bool):  # the workers share the queue, an iterator
        for k in queue:
            await tally.send(client, payloads, k, time.perf_counter(), record)

    try:
        queue = iter(range(warmup))
        await asyncio.gather(*(worker(queue, False) for _ in range(concurrency)))
        queue = iter(range(total))
        before, t0 = cpu_seconds(server_pid), time.perf_counter()
        await asyncio.gather(*(worker(queue, True) for _ in range(concurrency)))
        wall = time.perf_counter() - t0
        after = cpu_seconds(server_pid)
    finally:
        await client.aclose()
    return {"mode": "closed loop", "concurrency": concurrency,
            **tally.summary(wall, before, after, total)}


async def classroom(url: str, payloads: list[bytes], labels: np.ndarray, pages: int,
                    interval: float, duration: float, warmup: float,
                    server_pid: int | None = None, check_json: bool = False) -> dict:
    """Open loop: ``pages`` keep-alive connections, each sending a drawing every ``interval``
    seconds for ``warmup`` (unmeasured) then ``duration`` seconds. Request k of page p is due
    at ``start + (k + p / pages) * interval`` (the pages spread evenly over an interval), and
    its latency runs from then: waiting for the connection to be free counts."""
    clients = [RawClient(url) for _ in range(pages)]  # one connection each, as a page has
    await asyncio.gather(*(client.open(1) for client in clients))
    tally = Tally(labels, check_json)
    lags: list[float] = []  # how late each measured request left, in seconds
    start = time.perf_counter() + 0.1
    measured, end = start + warmup, start + warmup + duration

    async def page(p: int):
        for k in itertools.count():
            due = start + (k + p / pages) * interval
            if due >= end:
                return
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            if due >= measured:
                lags.append(time.perf_counter() - due)
            await tally.send(clients[p], payloads, k * pages + p, due, due >= measured)

    try:
        tasks = [asyncio.ensure_future(page(p)) for p in range(pages)]
        await asyncio.sleep(measured - time.perf_counter())
        before = cpu_seconds(server_pid)
        await asyncio.gather(*tasks)
        after, wall = cpu_seconds(server_pid), time.perf_counter() - measured  # to the last answer
    finally:
        for client in clients:
            await client.aclose()
    lags.sort()
    return {"mode": "open loop (classroom)", "connections": pages, "interval_s": interval,
            "offered_rps": round(pages / interval, 1), "duration_s": duration,
            "send_lag_p99_ms": 1000 * lags[int(0.99 * (len(lags) - 1))] if lags else None,
            **tally.summary(wall, before, after, len(lags))}


def _run_loop(coro):
    """Run the client on uvloop if installed: it spends less CPU than asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", help="model file to serve (default: train one)")
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="MNIST-format folder")
    parser.add_argument("--grid", type=int, default=56, help="grid side sent (the page's: 56)")
    parser.add_argument("--distinct", type=int, default=5000,
                        help="different digits to send, cycled if fewer than the requests")
    parser.add_argument("--check-json", action="store_true",
                        help="parse every answer as JSON (costs the client more CPU)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    closed = parser.add_argument_group("closed loop (the default)")
    closed.add_argument("--requests", type=int, default=5000)
    closed.add_argument("--concurrency", type=int, default=16)
    closed.add_argument("--warmup", type=int, default=200, help="requests before measuring")
    classroom_ = parser.add_argument_group("open loop")
    classroom_.add_argument("--classroom", action="store_true",
                            help="open loop: pages each sending a drawing every --interval")
    classroom_.add_argument("--connections", type=int, default=50, help="pages (connections)")
    classroom_.add_argument("--interval", type=float, default=0.1,
                            help="seconds between a page's drawings")
    classroom_.add_argument("--duration", type=float, default=60, help="seconds measured")
    classroom_.add_argument("--warmup-seconds", type=float, default=5,
                            help="seconds of the same load before measuring")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    payloads, labels = bodies(args.data, args.distinct, args.grid)
    proc, startup = None, None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url
        if url is None:
            model = Path(args.model) if args.model else train_model(args.data, Path(tmp))
            proc, url, startup = start_server(model, args.data)
        pid = proc.pid if proc else None
        try:
            if args.classroom:
                result = _run_loop(classroom(url, payloads, labels, args.connections,
                                             args.interval, args.duration, args.warmup_seconds,
                                             pid, args.check_json))
            else:
                result = _run_loop(run(url, payloads, labels, args.requests, args.concurrency,
                                       args.warmup, pid, args.check_json))
        finally:
            if proc is not None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=20)
    result = {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}
    result.update(grid=args.grid, body_bytes=round(statistics.fmean(map(len, payloads))),
                  load_average=[round(v, 2) for v in os.getloadavg()],
                  server_start_seconds=round(startup, 2) if startup else None,
                  machine=f"{platform.machine()}, {os.cpu_count()} cores, "
                          f"Python {platform.python_version()}")
    if args.json:
        print(json.dumps(result))
    else:
        report(result, url)


def report(result: dict, url: str) -> None:
    grid = f"{result['grid']}x{result['grid']}"
    if "connections" in result:
        print(f"{result['connections']} pages each sending a {grid} real MNIST digit "
              f"({result['body_bytes']:,} bytes) every {result['interval_s']} s "
              f"({result['offered_rps']:,} requests/s offered) for {result['duration_s']} s, "
              f"against {url}")
    else:
        print(f"{result['requests']:,} predictions of {grid} real MNIST digits "
              f"({result['body_bytes']:,} bytes each), {result['concurrency']} at a time, "
              f"against {url}")
    print(f"  throughput  {result['throughput_rps']:,.0f} requests/s  ({result['seconds']} s)")
    print(f"  latency     p50 {result['p50_ms']} ms   p90 {result['p90_ms']} ms   "
          f"p99 {result['p99_ms']} ms   max {result['max_ms']} ms"
          + (" (from each request's due time)" if "connections" in result else ""))
    if result.get("send_lag_p99_ms") is not None:
        print(f"  sent late   p99 {result['send_lag_p99_ms']} ms after its due time")
    print(f"  errors      {result['errors']}" + (f"  e.g. {result['error_samples'][0]}"
                                                   if result["errors"] else ""))
    print(f"  read right  {result['accuracy']:.1%} of the digits")
    if result["server_cpu_ms"] is not None:
        print(f"  CPU         server {result['server_cpu_ms']} ms, this client "
              f"{result['client_cpu_ms']} ms per request")
    print(f"  also ran    {', '.join(result['others']) or 'nothing else above 2% of a core'}; "
          f"{result['stolen_cores']} cores stolen by the hypervisor")
    started = result["server_start_seconds"]  # (None: a server already running, --url)
    print(f"  machine     {result['machine']}, load average {result['load_average'][0]} at the end"
          + ("" if started is None else f"; server up {started} s after launch"))


if __name__ == "__main__":
    main()
