"""The cost of a call through the generated Python bindings, to compare with the same calls made
directly from Rust (``cargo run --release -p ajar-ffi --example call_bench``): the difference is
what uniffi (ctypes, lifting/lowering, the async future machinery) adds. Against a real
ajar-server; medians over batches of 100 calls.

    AJAR_BINDINGS_DIR=<dir with ajar_ffi.py + libajar_ffi.so> \\
    AJAR_SERVER_BIN=target/release/ajar-server python3 bindings/tests/python/bench_calls.py [N]
"""

import asyncio
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_bindings import DictStore, Server  # noqa: E402  (also puts ajar_ffi on sys.path)

from ajar_ffi import AjarClient  # noqa: E402

PER_BATCH = 100


def report(name, calls, ns):
    print(f"{name:<40} {calls:>8} calls  median {ns / 1000:>10.3f} µs/call")


def bench_sync(fn, batches):
    for _ in range(1000):  # warm up
        fn()
    t = []
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(PER_BATCH):
            fn()
        t.append((time.perf_counter_ns() - t0) / PER_BATCH)
    return statistics.median(t)


async def bench_async(fn, batches):
    for _ in range(1000):
        await fn()
    t = []
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(PER_BATCH):
            await fn()
        t.append((time.perf_counter_ns() - t0) / PER_BATCH)
    return statistics.median(t)


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    batches = max(1, iterations // PER_BATCH)
    srv = Server()
    tmp = tempfile.mkdtemp(prefix="ajar-py-bench-")
    try:
        _, _, _, token = srv.seed()
        client = AjarClient(tmp, DictStore())

        async def run():
            s = await client.sign_in("bench", srv.url, token)
            await s.entries()
            await s.identity()
            report("sync   AjarSession.server()", batches * PER_BATCH, bench_sync(s.server, batches))
            report("sync   AjarClient.profiles()", batches * PER_BATCH, bench_sync(client.profiles, batches))
            report("async  AjarSession.identity() (cached)", batches * PER_BATCH,
                   await bench_async(s.identity, batches))

        asyncio.run(run())
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
