"""The per-session cache of loaded models and file digests, kept in the pytest stash."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

#: (resolved path, mtime_ns, torch device, trust_pickle, transformers)
LoadKey = tuple[str, int, str, bool, "bool | None"]


@dataclass
class ModelCache:
    """Loaded models keyed by path, modification time and device; digests by path, size, mtime."""

    models: dict[LoadKey, Any] = field(default_factory=dict)
    digests: dict[tuple[str, int, int], str] = field(default_factory=dict)
    loads: list[tuple[str, str, float]] = field(default_factory=list)  # (path, what, seconds)
    hits: int = 0

    def get_or_load(self, key: LoadKey, describe: str, load: Callable[[], Any]) -> Any:
        if key in self.models:
            self.hits += 1
            return self.models[key]
        started = time.perf_counter()
        model = load()
        self.loads.append((key[0], describe, time.perf_counter() - started))
        self.models[key] = model
        return model


CACHE_KEY = pytest.StashKey[ModelCache]()


def cache_of(config: pytest.Config) -> ModelCache:
    cache = config.stash.get(CACHE_KEY, None)
    if cache is None:
        cache = config.stash[CACHE_KEY] = ModelCache()
    return cache
