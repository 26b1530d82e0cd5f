"""Measuring helpers: the machine, percentiles, child processes' wall time and peak memory."""
from __future__ import annotations

import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np


def machine_info() -> dict:
    mem_kb = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem_kb = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal:"))
    except (OSError, StopIteration):
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(),
            "memory_gib": round(mem_kb / 2**20, 1), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform()}


class CpuShare:
    """Cores used on average by this benchmark (with its children) and by every other process, over a stretch.

    Other work on the machine slows every timing; the report prints this next to the figures it may have skewed.
    """

    def __init__(self):
        self._start = (time.monotonic(), _machine_busy_seconds(), _own_cpu_seconds())

    def stop(self) -> dict:
        wall = time.monotonic() - self._start[0]
        busy = _machine_busy_seconds() - self._start[1]
        own = _own_cpu_seconds() - self._start[2]
        if wall <= 0 or busy != busy:
            return {"seconds": wall}
        return {"seconds": wall, "own_cores": own / wall, "other_cores": max(0.0, (busy - own) / wall)}


def _machine_busy_seconds() -> float:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """This process and its reaped children (the build, `ask` and `serve` children are all waited for)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def percentiles(seconds: list[float]) -> dict:
    """p50/p95/p99 and mean in milliseconds (numpy's linear interpolation), plus the sample size."""
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"n": len(ms), "p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99), "mean_ms": float(ms.mean())}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def guidekb_command(*args: str) -> list[str]:
    """The CLI as a child process of this interpreter (same venv, no reliance on PATH)."""
    return [sys.executable, "-m", "search_api.cli", *args]


@dataclass
class ChildRun:
    returncode: int
    seconds: float
    peak_rss_mib: float
    stdout: str
    stderr: str


def run_child(cmd: list[str], timeout: float) -> ChildRun:
    """Run a process to its end: wall time and its own peak RSS (VmHWM, read every 20 ms while it runs).

    Not wait4's ru_maxrss: Linux carries the parent's peak into a child across fork and exec, so every child of
    a benchmark process holding 1.2 GB reported at least 1.2 GB (a 272 MiB `guidekb ask` showed as 1,204)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        status, peak = _wait_watching_memory(proc, timeout)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        out.seek(0)
        err.seek(0)
        return ChildRun(proc.returncode, seconds, peak, out.read().decode("utf-8", "replace"),
                        err.read().decode("utf-8", "replace"))


def _wait_watching_memory(proc: subprocess.Popen, timeout: float) -> tuple[int, float]:
    """(wait status, highest VmHWM seen in MiB) of a child, killed after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    peak = float("nan")
    while True:
        hwm = vm_hwm_mib(proc.pid)  # before the wait: the child is still there to read (a zombie has no VmHWM)
        if hwm == hwm:
            peak = hwm if peak != peak else max(peak, hwm)
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            return status, peak
        if time.monotonic() > deadline:
            proc.kill()
            return os.waitpid(proc.pid, 0)[1], peak
        time.sleep(0.02)


def vm_hwm_mib(pid: int) -> float:
    """Peak resident memory of a running process so far (VmHWM)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
        return kb / 1024
    except (OSError, StopIteration):
        return float("nan")
