"""A class on one server: bounded caches, nothing heavy kept per session, a bounded trainer.

Each test would fail if the thing it guards were undone: an unbounded cache, a tensor kept in
a session, a session kept alive by the lab's code, a training queue without a limit.
"""

import gc
import threading
import time

import pytest
import torch
from streamlit.runtime.caching.cache_resource_api import _resource_caches
from streamlit.runtime.state.session_state import SessionState
from streamlit.testing.v1 import AppTest

from attention.seq2seq import Seq2SeqConfig, TrainingBusyError, TrainingJobs
from tests.conftest import ROOT
from ui import compute
from ui.frame import HOME, PAGES


def cache_sizes() -> dict[str, int]:
    """Entries per st.cache_resource cache (Streamlit's own store, read for the test)."""
    sizes = {}
    for caches in _resource_caches._function_caches.values():
        for key, cache in caches.items():
            sizes[key] = len(cache._mem_cache)
    return sizes


def test_a_view_cache_stays_bounded() -> None:
    for i in range(compute.CACHE["max_entries"] + 40):
        compute.simplified(((float(i), 1.0), (0.5, float(-i))))
    assert max(cache_sizes().values()) <= compute.CACHE["max_entries"]


def test_views_hold_no_tensors() -> None:
    """What the cache hands every session is immutable tuples, never a tensor to copy or
    mutate."""
    view = compute.self_attention(((0.1, 0.2), (0.3, 0.4)), 2, (1, 1, 1), causal=True, dropout=0.5)

    def walk(value) -> None:
        assert not isinstance(value, torch.Tensor | list | dict)
        if isinstance(value, tuple):
            for item in value:
                walk(item)

    for name in view.__dataclass_fields__:
        walk(getattr(view, name))


def _walk_session(value, seen: set[int]) -> int:
    """Bytes of everything reachable from a session value, failing on a tensor."""
    if id(value) in seen:
        return 0
    seen.add(id(value))
    assert not isinstance(value, torch.Tensor), "a tensor is kept in the session"
    size = 0
    if isinstance(value, dict):
        size += sum(_walk_session(k, seen) + _walk_session(v, seen) for k, v in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        size += sum(_walk_session(v, seen) for v in value)
    elif hasattr(value, "__dataclass_fields__"):
        size += sum(_walk_session(getattr(value, f), seen) for f in value.__dataclass_fields__)
    return size + 64


@pytest.mark.parametrize("path", [HOME.path, *(p.path for p in PAGES)])
def test_a_session_keeps_only_small_plain_values(path: str) -> None:
    """Per student, the server keeps settings and small records: no tensors, well under a MB."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    seen: set[int] = set()
    total = sum(_walk_session(at.session_state[k], seen) for k in at.session_state)
    assert total < 1_000_000


def test_a_closed_session_is_let_go() -> None:
    """Nothing in the lab keeps a reference to a session once Streamlit drops it."""
    gc.collect()
    before = sum(isinstance(o, SessionState) for o in gc.get_objects())
    for path in (HOME.path, PAGES[2].path):
        at = AppTest.from_file(str(ROOT / path), default_timeout=60)
        at.run()
        del at
    gc.collect()
    after = sum(isinstance(o, SessionState) for o in gc.get_objects())
    assert after <= before


# ---- the training queue ------------------------------------------------------------------


class SlowTrain:
    """A stand-in for train_both that blocks until released (no real training in tests)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, config, callback=None):
        self.release.wait(timeout=30)
        raise RuntimeError("released")  # the job ends as failed: enough for the queue


def test_training_is_bounded_and_refuses_with_a_message() -> None:
    train = SlowTrain()
    jobs = TrainingJobs(max_running=1, max_queued=1, train=train)
    first = jobs.submit(Seq2SeqConfig(seed=1))
    second = jobs.submit(Seq2SeqConfig(seed=2))
    assert first.state == "training" and second.state == "queued"
    assert jobs.submit(Seq2SeqConfig(seed=1)).key == first.key  # the same settings: shared
    with pytest.raises(TrainingBusyError, match="not queued"):
        jobs.submit(Seq2SeqConfig(seed=3))
    assert len(jobs.jobs()) == 2  # the refused request left nothing behind
    train.release.set()
    deadline = time.monotonic() + 30
    while any(s.active for s in jobs.jobs()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(s.active for s in jobs.jobs())
