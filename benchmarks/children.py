"""Measurements that run in a child process: cold starts, peak memory, first screen.

Every child is a fresh interpreter. A cold start is timed from just before
`Popen` to the moment the parent reads the child's `{"event": "ready"}` line
(`time.perf_counter` in the parent, so interpreter start-up and imports
count). Peak memory is the child's own `ru_maxrss`, read with `os.wait4`
when it is reaped (one figure per child, not the running maximum over all
children that `RUSAGE_CHILDREN` gives). Children are started by
`benchmarks/spawner.py`, a small process of its own (see there why).

Standard library only: the spawner imports this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
CHILD_TIMEOUT_S = 180


class ChildFailed(RuntimeError):
    pass


@dataclass
class ChildRun:
    seconds: float  # parent's wall time, Popen -> ready line
    max_rss_mb: float
    exit_code: int
    lines: list[dict[str, object]] = field(default_factory=list)

    @property
    def ready(self) -> dict[str, object]:
        return next(line for line in self.lines if line.get("event") == "ready")


def run_until_ready(cmd: list[str], env: dict[str, str], log: Path, *, want_event: str = "ready") -> ChildRun:
    """Start `cmd`, time it to its `want_event` JSON line, let it exit, reap it with wait4."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, stdin=subprocess.DEVNULL)
        timer = threading.Timer(CHILD_TIMEOUT_S, proc.kill)
        timer.start()
        try:
            seen: list[dict[str, object]] = []
            elapsed = None
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = _json(raw)
                if line is None:
                    continue
                seen.append(line)
                if line.get("event") == want_event or (want_event == "json" and "event" not in line):
                    elapsed = time.perf_counter() - started
                    break
            proc.stdout.read()  # let it finish writing and exit
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            timer.cancel()
    if elapsed is None:
        tail = log.read_text(errors="replace")[-2000:]
        raise ChildFailed(f"{' '.join(cmd)} exited with {proc.returncode} before its ready line:\n{tail}")
    return ChildRun(elapsed, usage.ru_maxrss / 1024, proc.returncode, seen)


def _json(raw: bytes) -> dict[str, object] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class Spawner:
    """The small process that starts every child (benchmarks/spawner.py); start it first."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen([sys.executable, str(HERE / "spawner.py")], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, env=child_env({}))
        self.max_rss_mb = 0.0

    def run(self, cmd: list[str], env: dict[str, str], log: Path, *, want_event: str = "ready") -> ChildRun:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps({"cmd": cmd, "env": env, "log": str(log), "want": want_event}) + "\n")
        self._proc.stdin.flush()
        reply = json.loads(self._proc.stdout.readline() or '{"ok": false, "error": "the spawner died"}')
        self.max_rss_mb = max(self.max_rss_mb, reply.pop("spawner_max_rss_mb", 0.0))
        if not reply.pop("ok"):
            raise ChildFailed(reply["error"])
        return ChildRun(**reply)

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=30)


def cold_start_commands(data_dir: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """The children timed for cold start, by name: command and extra environment."""
    launcher = VENV_BIN / "pos-app"
    if not launcher.exists():
        raise SystemExit(f"{launcher} not found: run the harness with the Python of Facet's venv")
    pos_app = [str(launcher), "--data-dir", str(data_dir), "--smoke"]
    return {
        "bare_window": ([sys.executable, str(HERE / "bare_window.py")], {}),
        "sign_in": (pos_app, {}),
        "inventory_manager": (pos_app, {"FACET_SMOKE_STAFF": "Marcus Reed", "FACET_SMOKE_SECRET": "manager-demo-1"}),
        "inventory_clerk": (pos_app, {"FACET_SMOKE_STAFF": "Lily Chen", "FACET_SMOKE_SECRET": "3333"}),
    }


def scrolled_command(data_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The memory run: manager signed in, table scrolled to its last row (benchmarks/facet_smoke.py)."""
    return ([sys.executable, str(HERE / "facet_smoke.py"), "--data-dir", str(data_dir), "--smoke"],
            {"FACET_SMOKE_STAFF": "Marcus Reed", "FACET_SMOKE_SECRET": "manager-demo-1", "FACET_BENCH_SCROLL": "1"})


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACET_")}
    env.update(extra)
    return env


def interleaved(spawner: Spawner, named: dict[str, tuple[list[str], dict[str, str]]], *, rounds: int,
                warmup: int, logs: Path, progress) -> dict[str, list[ChildRun]]:  # type: ignore[no-untyped-def]
    """Run every child once per round, in turn, so drift (page cache, CPU clock) hits all alike.

    The first `warmup` rounds are run and discarded (they also re-hash the
    demo's secrets if their argon2 costs are not the store's current ones).
    """
    runs: dict[str, list[ChildRun]] = {name: [] for name in named}
    for n in range(warmup + rounds):
        for name, (cmd, extra) in named.items():
            run = spawner.run(cmd, child_env(extra), logs / f"{name}-{n}.log")
            progress(f"  {name:18s} round {n + 1 - warmup:>2}{' (warm-up)' if n < warmup else ''}: "
                     f"{run.seconds:6.3f} s, {run.max_rss_mb:5.0f} MB, exit {run.exit_code}")
            if n >= warmup:
                runs[name].append(run)
    return runs


def first_screen(spawner: Spawner, data_dir: Path, rows: int, columns: int, *, rounds: int, warmup: int,
                 logs: Path, progress) -> dict[str, list[ChildRun]]:  # type: ignore[no-untyped-def]
    """Figure 4's children (benchmarks/first_screen.py), facet and bare in turn; their JSON is `lines[-1]`."""
    script = str(HERE / "first_screen.py")
    named = {
        "facet": [sys.executable, script, "facet", str(data_dir)],
        "bare": [sys.executable, script, "bare", str(rows), str(columns)],
    }
    results: dict[str, list[ChildRun]] = {name: [] for name in named}
    for n in range(warmup + rounds):
        for name, cmd in named.items():
            run = spawner.run(cmd, child_env({}), logs / f"first-screen-{name}-{n}.log", want_event="json")
            line = run.lines[-1]
            if not line.get("rows_cached"):
                raise ChildFailed(f"first screen ({name}) painted no rows: {line}")
            progress(f"  first screen {name:5s} round {n + 1 - warmup:>2}{' (warm-up)' if n < warmup else ''}: "
                     f"{line['seconds']:.3f} s {line['splits']}")
            if n >= warmup:
                results[name].append(run)
    return results
