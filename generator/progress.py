"""Stage progress on a terminal: a bar per build stage that moves in the stage's own units (dumps parsed, papers
related, pages written), drawn by tqdm. Off the terminal (CI, a pipe, --quiet) it draws nothing and the build's
plain stage lines are all there is."""

from __future__ import annotations

from typing import TextIO


class Meter:
    """One stage's bar. `start(total, unit)` once the stage knows how much it has to do, then `advance(n)` as parts
    finish (callable from the thread that runs the stage; worker processes report through their parent)."""

    def __init__(self, name: str, stream: TextIO, enabled: bool, mininterval: float = 0.2):
        self.name, self.stream, self.enabled, self.mininterval = name, stream, enabled, mininterval
        self.done = 0
        self.total = 0
        self.unit = ""
        self._bar = None

    def start(self, total: int, unit: str) -> "Meter":
        self.total, self.unit, self.done = total, unit, 0
        if self.enabled:
            from tqdm import tqdm

            if self._bar is not None:
                self._bar.close()
            # leave=False: the finished bar gives way to the stage's one plain line
            self._bar = tqdm(total=total, desc=self.name, unit=f" {unit}", file=self.stream, leave=False,
                             dynamic_ncols=True, mininterval=self.mininterval)
        return self

    @property
    def callback(self):
        """`advance` when a bar is drawn, else None: work that reports progress in parts does it only for a bar."""
        return self.advance if self.enabled else None

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
