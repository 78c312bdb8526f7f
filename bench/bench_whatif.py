"""Benchmark the simulator's recompute (scoring.whatif.run: re-score the entity, rank against the others).

Run: python bench/bench_whatif.py   (target < 20 ms per recompute on this 2-core machine)
"""
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from office.bootstrap import sample_file  # noqa: E402
from scoring import load_framework, score, whatif  # noqa: E402

fw = load_framework("dti_province_2025")
inputs = pd.read_csv(sample_file())
base = score(fw, inputs)
values = whatif.entity_values(inputs, "Gia Lai", 2025)
changes = {**whatif.ratio_changes(fw, values, "6.3", 0.7), "1.6.item3": 1.0}
times = []
for _ in range(50):
    t = time.perf_counter()
    result = whatif.run(fw, inputs, "Gia Lai", 2025, changes, base=base)
    times.append(time.perf_counter() - t)
times.sort()
print(f"what-if recompute (score + rank), Gia Lai 2025, 2 indicators changed: median {1000 * times[25]:.2f} ms, "
      f"p90 {1000 * times[45]:.2f} ms over 50 runs; rank {result.rank_before} -> {result.rank_after}")
