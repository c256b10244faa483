"""Section 3.3's core beyond the golden values: the book's softmax_naive, each input's share of
a context vector, and the geometry (projection to 2-d, convex hull, inside-the-hull test).

Random inputs come from local generators (never the global RNG); they include negative
embeddings, one token, d_in = 1 and values up to the lab's limit of ±1e6.
"""

from __future__ import annotations

import math

import pytest
import torch

from attention.data import BOOK_INPUTS, BOOK_PRINTED
from attention.geometry import (
    VIEW_DIMS,
    VIEW_SVD,
    convex_hull,
    inside_hull,
    project_2d,
    projection_basis,
)
from attention.simplified import (
    attention_scores,
    context_contributions,
    naive_attention_weights,
    simplified_self_attention,
    softmax_naive,
)

MAX_ABS = 1e6  # ui.inputs.MAX_ABS_VALUE: the largest number the controls accept


def random_inputs(seed: int, n: int, d: int, scale: float = 2.0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=generator) * scale


# ---- softmax_naive and the naive normalisation ----------------------------------------------


def test_softmax_naive_is_the_books_formula_and_matches_softmax_when_small() -> None:
    scores = attention_scores(BOOK_INPUTS)
    naive = softmax_naive(scores)
    assert torch.allclose(naive, torch.softmax(scores, dim=-1), atol=1e-7)
    assert torch.allclose(
        naive[1], torch.tensor(BOOK_PRINTED["simplified.attn_weights_2"]), atol=1e-4
    )
    expected = torch.exp(scores[1]) / torch.exp(scores[1]).sum()
    assert torch.equal(naive[1], expected)


def test_softmax_naive_overflows_where_torch_softmax_does_not() -> None:
    scores = torch.tensor([[100.0, 1.0, -5.0]])  # exp(100) overflows float32
    naive = softmax_naive(scores)
    assert torch.isnan(naive[0, 0]) and naive[0, 1] == 0
    stable = torch.softmax(scores, dim=-1)
    assert torch.isfinite(stable).all() and stable[0, 0] == pytest.approx(1.0)
    assert math.isinf(torch.exp(torch.tensor(88.8)).item())  # the threshold the page names
    assert math.isfinite(torch.exp(torch.tensor(88.7)).item())


def test_naive_weights_sum_to_one_but_go_negative() -> None:
    inputs = BOOK_INPUTS.clone()
    inputs[0, 1] = -2.0  # the page's "Try it": the query Your, dim 2 down to -2
    naive = naive_attention_weights(attention_scores(inputs))[0]
    assert naive.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert naive.min() < 0 and naive.max() > 1
    assert (torch.softmax(attention_scores(inputs)[0], dim=-1) >= 0).all()


# ---- each input's share of z -----------------------------------------------------------------


@pytest.mark.parametrize(("seed", "n", "d"), [(0, 6, 3), (1, 1, 4), (2, 5, 1), (3, 40, 16)])
def test_contributions_add_up_to_the_context_vector(seed: int, n: int, d: int) -> None:
    inputs = random_inputs(seed, n, d)
    trace = simplified_self_attention(inputs)
    for q in range(n):
        parts = context_contributions(trace.attn_weights[q], inputs)
        assert parts.shape == (n, d)
        assert torch.allclose(parts[2 % n], trace.attn_weights[q, 2 % n] * inputs[2 % n])
        assert torch.allclose(parts.sum(dim=0), trace.context_vecs[q], atol=1e-5)


def test_the_books_context_vector_from_its_contributions() -> None:
    trace = simplified_self_attention(BOOK_INPUTS)
    z = context_contributions(trace.attn_weights[1], BOOK_INPUTS).sum(dim=0)
    assert torch.allclose(z, torch.tensor(BOOK_PRINTED["simplified.context_vec_2"]), atol=1e-4)


# ---- geometry: the hull, and every z inside it -------------------------------------------------


def test_convex_hull_and_inside() -> None:
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.5)]
    hull = convex_hull(square)
    assert len(hull) == 5 and hull[0] == hull[-1]  # 4 corners, closed
    assert (0.5, 0.5) not in hull
    assert inside_hull((0.5, 0.5), hull) and inside_hull((1.0, 0.5), hull)
    assert not inside_hull((1.2, 0.5), hull)
    segment = convex_hull([(0.0, 0.0), (2.0, 2.0)])
    assert inside_hull((1.0, 1.0), segment) and not inside_hull((1.0, 0.0), segment)
    point = convex_hull([(0.3, -0.2)])
    assert inside_hull((0.3, -0.2), point) and not inside_hull((0.3, 0.0), point)


def test_hull_corners_run_counter_clockwise() -> None:
    hull = convex_hull([(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)])
    corners = hull[:-1]
    area = sum(
        a[0] * b[1] - b[0] * a[1] for a, b in zip(corners, corners[1:] + corners[:1], strict=True)
    )
    assert area > 0  # positive signed area: counter-clockwise


CASES = [  # (seed, num_tokens, d_in, scale): random, negative, one token, d_in = 1, huge
    *((trial, 2 + trial % 7, 2 + trial % 5, 2.0) for trial in range(20)),
    (100, 1, 3, 1.0),
    (101, 6, 1, 1.0),
    (102, 40, 16, 1.0),
    (103, 8, 3, MAX_ABS),
    (104, 3, 2, MAX_ABS),
]


@pytest.mark.parametrize("view", [VIEW_DIMS, VIEW_SVD])
@pytest.mark.parametrize(("seed", "n", "d", "scale"), CASES)
def test_every_context_vector_lands_inside_the_hull(
    view: str, seed: int, n: int, d: int, scale: float
) -> None:
    inputs = random_inputs(seed, n, d, scale).clamp(-MAX_ABS, MAX_ABS)
    inputs = torch.round(inputs * 1000) / 1000  # values as a student types them
    trace = simplified_self_attention(inputs)
    proj = project_2d(inputs, trace.context_vecs, view, (0, d - 1))
    for point in proj.contexts:
        assert inside_hull(point, proj.hull), (seed, point)


def test_svd_view_keeps_the_plane_of_2d_data() -> None:
    inputs = torch.tensor([(1.0, 2.0, 0.0), (3.0, -1.0, 0.0), (0.5, 0.5, 0.0)])
    proj = project_2d(inputs, inputs, VIEW_SVD)
    assert proj.kept == pytest.approx(1.0)
    lengths = [math.hypot(*p) for p in proj.inputs]
    assert lengths == pytest.approx([math.hypot(*r) for r in inputs.tolist()], rel=1e-6)


def test_svd_view_keeps_less_of_3d_data_and_points_its_axes_at_the_data() -> None:
    proj = project_2d(BOOK_INPUTS, BOOK_INPUTS, VIEW_SVD)
    assert 0 < proj.kept < 1
    assert sum(p[0] for p in proj.inputs) > 0 and sum(p[1] for p in proj.inputs) >= 0
    assert (proj.x_title, proj.y_title) == ("SVD direction 1", "SVD direction 2")


def test_dims_view_picks_coordinates_and_names_them_dim_k() -> None:
    trace = simplified_self_attention(BOOK_INPUTS)
    proj = project_2d(BOOK_INPUTS, trace.context_vecs, VIEW_DIMS, (0, 2))
    assert (proj.x_title, proj.y_title) == ("dim 1", "dim 3")
    assert proj.contexts[1] == pytest.approx(
        (BOOK_PRINTED["simplified.context_vec_2"][0], BOOK_PRINTED["simplified.context_vec_2"][2]),
        abs=1e-4,
    )
    assert proj.kept is None


def test_d_in_1_is_a_line() -> None:
    inputs = torch.tensor([[0.5], [-1.0], [2.0]])
    basis, x_title, y_title, kept = projection_basis(inputs.double(), VIEW_SVD, (0, 0))
    assert basis.shape == (1, 2) and x_title == "dim 1" and "d_in = 1" in y_title and kept is None
    trace = simplified_self_attention(inputs)
    proj = project_2d(inputs, trace.context_vecs, VIEW_DIMS)
    assert all(p[1] == 0 for p in proj.inputs + proj.contexts)
    assert len(proj.hull) == 3  # a segment, closed


def test_a_bad_view_is_refused() -> None:
    with pytest.raises(ValueError, match=r"dims in 0\.\.2"):
        project_2d(BOOK_INPUTS, BOOK_INPUTS, VIEW_DIMS, (0, 3))
    with pytest.raises(ValueError):
        project_2d(BOOK_INPUTS, BOOK_INPUTS, "sideways")
