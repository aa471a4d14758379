"""Paint time of the timeline holding 10 000 marks, at several zoom levels. Prints one JSON document.

    python bench/timeline_paint.py

A 10-minute film (a synthetic 20-second film looped, 320×240: the picture does not matter here) gets 10 000
marks on its four tracks: points and stretches, every code. The real TimelineWidget, offscreen at
1600×420, then paints at: the whole film, 1 and 4 pixels per frame, and the closest zoom (20 px per frame),
each at 40 random places. `full_paint_p95_ms` re-renders everything (what an edit, a zoom or a scroll
costs); `playhead_paint_p95_ms` is a playback tick (the cached content plus the playhead). Target ≤ 8 ms.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from storage.keys import KdfParams
from ui.qt_timeline import TimelineWidget
from vigtool.domain.model import Annotation
from vigtool.domain.time import FrameRange
from vigtool.services.importing import import_recording
from vigtool.services.previews import build_previews, load_audio_envelope, load_filmstrip
from vigtool.services.vault import Vault
from vigtool.services.workspace import Workspace
from vigtool.synth.generator import RecordingSpec, loop_recording, render

MARKS = 10_000
PLACES = 40


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1] * 1000, 2)


def main() -> None:
    app = QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="vigtool-bench-"))
    short, film = folder / "short.mp4", folder / "ten-minutes.mp4"
    render(RecordingSpec(duration=20, width=320, height=240, seed=9), short)
    loop_recording(short, film, 30)
    rng = random.Random(3)
    with Vault.create(folder / "vault", "benchmark passphrase", KdfParams(iterations=1, lanes=1,
                                                                        memory_cost_kib=8192)) as vault:
        recording = import_recording(vault, film, "Bench family").recording
        build_previews(vault, recording)
        tracks = vault.repo.tracks.list(recording.id)
        codes = [c.id for c in vault.repo.codebook.load().codes] + [None]
        last = recording.frame_count
        marks = []
        for _ in range(MARKS):
            start = rng.randrange(0, last - 200)
            length = 1 if rng.random() < 0.5 else rng.randrange(2, 200)
            marks.append(Annotation(0, rng.choice(tracks).id, FrameRange(start, start + length), rng.choice(codes)))
        vault.repo.annotations.add_all(marks)
        workspace = Workspace(vault.repo, recording)
        widget = TimelineWidget()
        widget.resize(1600, 420)
        widget.set_workspace(workspace)
        widget.set_previews(load_filmstrip(vault, recording), load_audio_envelope(vault, recording))
        widget.show()
        app.processEvents()
        results: dict[str, object] = {"marks": len(workspace.layer), "frames": last,
                                      "size": f"{widget.width()}x{widget.height()}"}
        levels = {"whole_film": widget.zoom.min_px_per_frame, "1_px_per_frame": 1.0, "4_px_per_frame": 4.0,
                  "20_px_per_frame": 20.0}
        all_full, all_tick = [], []
        for name, px in levels.items():
            full, tick = [], []
            for _ in range(PLACES):
                widget.zoom.px_per_frame = px
                widget.zoom.first = rng.uniform(0, last)
                widget.zoom.clamp()
                started = time.perf_counter()
                widget.render_content()
                full.append(time.perf_counter() - started)
                widget._invalidate()
                widget.repaint()
                widget.set_playhead(int(widget.zoom.first) + 5, follow=False)
                started = time.perf_counter()
                widget.repaint()
                tick.append(time.perf_counter() - started)
            results[f"{name}_full_paint_p95_ms"] = p95(full)
            results[f"{name}_playhead_paint_p95_ms"] = p95(tick)
            all_full += full
            all_tick += tick
        results["full_paint_p95_ms"] = p95(all_full)
        results["playhead_paint_p95_ms"] = p95(all_tick)
        results["target_ms"] = 8
        widget.set_workspace(None)
        widget.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
