"""A leak check's defaults: what the marker's signature shows, without loading the checker."""

from __future__ import annotations

#: The fewest measured rounds from which the trend and its two halves mean anything.
MIN_ROUNDS = 6

DEFAULT_ROUNDS = 20
DEFAULT_WARMUP = 5
#: Per-round growth thresholds. A 1 KiB/round Python leak is twice the heap threshold;
#: RSS moves in pages and allocator arenas, so its threshold is coarser.
DEFAULT_CPU = "512 B"
DEFAULT_RSS = "32 KiB"
DEFAULT_GPU = "4 KiB"
