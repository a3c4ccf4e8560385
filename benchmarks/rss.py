"""Peak resident memory of a process tree, sampled from /proc (Linux).

`ru_maxrss` of children is the largest child so far, a lower bound for a run when an earlier child
peaked higher, and it says nothing about processes running side by side. The sampler below polls
VmRSS of a process and all its descendants (found by their ppid in /proc/*/stat) every interval and
keeps the largest sum; it also keeps the largest VmHWM (a process's own exact peak) seen. Samples
can miss a spike shorter than the interval.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")


def parent_pids() -> dict[int, int]:
    """pid -> ppid of every process; the command name in /proc/<pid>/stat may hold spaces and ')'."""
    parents: dict[int, int] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def process_tree(root: int) -> set[int]:
    """The root pid and every descendant of it alive now."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parent_pids().items():
        children.setdefault(ppid, []).append(pid)
    tree, pending = {root}, [root]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in tree:
                tree.add(child)
                pending.append(child)
    return tree


def memory_kb(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM of a process in KB; (0, 0) when it ended or is a zombie."""
    values = {"VmRSS": 0, "VmHWM": 0}
    try:
        lines = (PROC / str(pid) / "status").read_text().splitlines()
    except OSError:
        return 0, 0
    for line in lines:
        name, _, value = line.partition(":")
        if name in values:
            values[name] = int(value.split()[0])
    return values["VmRSS"], values["VmHWM"]


class TreeRssSampler:
    """`with TreeRssSampler(pid) as sampler: ...` then sampler.peak_mb (largest sum of the tree's RSS)
    and sampler.largest_process_mb (largest peak of any one process in it)."""

    def __init__(self, root: int, interval_seconds: float = 0.5) -> None:
        self.root, self.interval = root, interval_seconds
        self.peak_kb = self.largest_process_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="rss-sampler", daemon=True)

    def sample(self) -> None:
        readings = [memory_kb(pid) for pid in process_tree(self.root)]
        self.peak_kb = max(self.peak_kb, sum(rss for rss, _ in readings))
        self.largest_process_kb = max([self.largest_process_kb, *(peak for _, peak in readings)])

    def _poll(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    @property
    def largest_process_mb(self) -> float:
        return self.largest_process_kb / 1024
