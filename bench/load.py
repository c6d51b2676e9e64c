"""Load benchmark of ``digitnet serve``: many predictions at once against the real server.

Starts ``digitnet serve MODEL`` on a free port of 127.0.0.1 (or uses --url), then sends a
bounded number of ``POST /api/predict`` requests from --concurrency keep-alive connections at
once (a lean asyncio HTTP client; ``--client httpx`` uses httpx's async client, which spends
more CPU on the cores the server needs), each body a real MNIST digit from --data laid out as
the page sends it (a --grid x --grid grid of brightness 0..1; the page's is 56, MNIST's 28).
Request bodies are encoded before the clock starts. Reports throughput, latency percentiles,
errors, and how many digits were read right (a check that the answers are real).

    python bench/load.py MODEL                                  # 5,000 requests, 16 at once
    python bench/load.py MODEL --requests 20000 --grid 28 --json

If MODEL is omitted, a network is trained for the run (3 epochs on the --data digits).
This is a benchmark, not a test: it asserts nothing, it measures.
"""

from __future__ import annotations

import argparse
import asyncio
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
    images, labels = data.images[-n:], data.labels[-n:].astype(int)
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
    from digitnet.train import PRESETS, train

    data = datasets.load(str(data_dir), split="train")
    result = train(data.subset(slice(0, 20000), "train"), PRESETS["default"].replace(epochs=3),
                   handle_signals=False)
    return modelfile.save(result.network, folder / "bench-model.safetensors")


def start_server(model: Path, data_dir: Path, workers: int | None = None
                 ) -> tuple[subprocess.Popen, str, float]:
    """Run ``digitnet serve`` on a free port; return the process, its URL and its start time."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    started = time.perf_counter()
    extra = [] if workers is None else ["--workers", str(workers)]
    proc = subprocess.Popen([sys.executable, "-m", "digitnet", "serve", str(model), "--port", "0",
                             "--data", str(data_dir), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not start: {line}{proc.stderr.read()}")
    return proc, match.group(1), time.perf_counter() - started


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) the process and its child processes (the server's prediction
    workers) have used so far, from /proc; None if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    total = int(fields[11]) + int(fields[12])
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            child = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(child[1]) == pid:  # field 4, the parent's pid
            total += int(child[11]) + int(child[12])
    return total / os.sysconf("SC_CLK_TCK")


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

    async def _connect(self):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    async def aclose(self):
        for _, writer in self.idle:
            writer.close()


class HttpxClient:
    """The same requests through httpx's async client (--client httpx)."""

    def __init__(self, url: str, concurrency: int):
        import httpx

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        # Like browsers, send small writes at once (TCP_NODELAY): without it a request's body
        # waits for the server's delayed ACK of its headers, some 40 ms.
        transport = httpx.AsyncHTTPTransport(
            limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        self.client = httpx.AsyncClient(base_url=url, transport=transport, timeout=30)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        r = await self.client.post("/api/predict", content=body,
                                   headers={"content-type": "application/json"})
        return r.status_code, r.content

    async def aclose(self):
        await self.client.aclose()


async def run(url: str, payloads: list[bytes], labels: np.ndarray, total: int, concurrency: int,
              warmup: int, server_pid: int | None = None, client_kind: str = "raw",
              check_json: bool = False) -> dict:
    client = RawClient(url) if client_kind == "raw" else HttpxClient(url, concurrency)
    latencies, errors, right, next_index = [], [], 0, 0

    async def one(k: int, record: bool):
        nonlocal right
        t0 = time.perf_counter()
        try:
            status, data = await asyncio.wait_for(client.post(payloads[k % len(payloads)]), 30)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            errors.append(f"{type(e).__name__}: {e}")
            return
        elapsed = time.perf_counter() - t0
        if status != 200:
            errors.append(f"{status}: {data[:120]!r}")
            return
        if record:
            latencies.append(elapsed)
            # The digit is the answer's first field; reading it alone keeps the client's CPU
            # (on the server's cores) low. --check-json parses every answer whole instead.
            digit = json.loads(data)["digit"] if check_json else int(DIGIT.search(data)[1])
            right += digit == labels[k % len(labels)]

    async def worker(record: bool, stop: int):
        nonlocal next_index
        while next_index < stop:
            k = next_index
            next_index += 1
            await one(k, record)

    try:
        await asyncio.gather(*(worker(False, warmup) for _ in range(concurrency)))
        warm_errors = list(errors)
        errors.clear()
        next_index = 0
        cpu0, own0, t0 = cpu_seconds(server_pid), time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(True, total) for _ in range(concurrency)))
        wall = time.perf_counter() - t0
        cpu1, own1 = cpu_seconds(server_pid), time.process_time()
    finally:
        await client.aclose()

    ms = sorted(1000 * v for v in latencies)

    def pct(p):
        return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))] if ms else float("nan")

    return {
        "requests": total, "concurrency": concurrency, "ok": len(latencies), "errors": len(errors),
        "error_samples": errors[:5], "warmup_errors": len(warm_errors),
        "seconds": round(wall, 3), "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(pct(50), 2), "p90_ms": round(pct(90), 2), "p99_ms": round(pct(99), 2),
        "max_ms": round(ms[-1], 2) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        "accuracy": round(right / max(1, len(latencies)), 4),
        # CPU the server (and its workers) spent per request: unlike latency, it hardly
        # depends on what else the machine is doing.
        "server_cpu_ms": round(1000 * (cpu1 - cpu0) / total, 2) if cpu0 is not None else None,
        "client_cpu_ms": round(1000 * (own1 - own0) / total, 2),
    }


def _run_loop(coro):
    """Run the client on uvloop when it is installed (uvicorn[standard] brings it): asyncio's
    own loop spends more CPU per request, on the cores the server needs."""
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
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--grid", type=int, default=56, help="grid side sent (the page's: 56)")
    parser.add_argument("--distinct", type=int, default=5000,
                        help="different digits to send, cycled if fewer than the requests")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw",
                        help="raw: a lean keep-alive HTTP client (measures the server); httpx")
    parser.add_argument("--workers", type=int, default=None,
                        help="digitnet serve --workers (default: serve's own default)")
    parser.add_argument("--check-json", action="store_true",
                        help="parse every answer as JSON (costs the client more CPU)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))

    payloads, labels = bodies(args.data, args.distinct, args.grid)
    proc, startup = None, None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url
        if url is None:
            model = Path(args.model) if args.model else train_model(args.data, Path(tmp))
            proc, url, startup = start_server(model, args.data, args.workers)
        try:
            result = _run_loop(run(url, payloads, labels, args.requests, args.concurrency,
                                   args.warmup, proc.pid if proc else None, args.client,
                                   args.check_json))
        finally:
            if proc is not None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=20)
    result.update(grid=args.grid, client=args.client,
                  body_bytes=round(statistics.fmean(map(len, payloads))),
                  load_average=[round(v, 2) for v in os.getloadavg()],
                  server_start_seconds=round(startup, 2) if startup else None,
                  machine=f"{platform.machine()}, {os.cpu_count()} cores, "
                          f"Python {platform.python_version()}")
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['requests']:,} predictions of {args.grid}x{args.grid} real MNIST digits "
          f"({result['body_bytes']:,} bytes each), {args.concurrency} at a time, against {url}")
    print(f"  throughput  {result['throughput_rps']:,.0f} requests/s  ({result['seconds']} s)")
    print(f"  latency     p50 {result['p50_ms']} ms   p90 {result['p90_ms']} ms   "
          f"p99 {result['p99_ms']} ms   max {result['max_ms']} ms")
    print(f"  errors      {result['errors']}" + (f"  e.g. {result['error_samples'][0]}"
                                                   if result["errors"] else ""))
    print(f"  read right  {result['accuracy']:.1%} of the digits")
    if result["server_cpu_ms"] is not None:
        print(f"  CPU         server {result['server_cpu_ms']} ms, this client "
              f"{result['client_cpu_ms']} ms per request")
    print(f"  machine     {result['machine']}, load average {result['load_average'][0]} at the end")
    if startup:
        print(f"  server up   {startup:.2f} s after launch")


if __name__ == "__main__":
    main()
