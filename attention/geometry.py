"""Section 3.3, seen in the plane: a context vector lies inside the convex hull of the inputs.

z^(i) = sum_j alpha_ij x^(j) with alpha_ij >= 0 and sum_j alpha_ij = 1, so every context vector
is a convex combination (a weighted average) of the inputs. A linear map P keeps weighted
averages, P z = sum_j alpha_ij P x^(j), so in any 2-d view the projected z^(i) still lies
inside the convex hull of the projected inputs. Two views:

    dims   two chosen coordinates (dim a, dim b) of the embeddings
    svd    the best plane through the origin: the two leading right singular vectors of X
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

Point = tuple[float, float]
Polygon = tuple[Point, ...]

VIEW_DIMS = "dims"
VIEW_SVD = "svd"


@dataclass(frozen=True)
class Projection:
    """Inputs and context vectors in a 2-d view, and the inputs' convex hull.

    Shapes (n = num_tokens): inputs, contexts: n points (x, y); hull: its corners
    counter-clockwise, closed (the first corner repeated last).
        x_title, y_title: what each axis is ("dim 1", "SVD direction 1", ...)
        kept: the share of the inputs' squared length the SVD plane keeps (None for dims)
    """

    inputs: Polygon
    contexts: Polygon
    hull: Polygon
    x_title: str
    y_title: str
    kept: float | None


def _cross(o: Point, a: Point, b: Point) -> float:
    """The z-component of (a - o) x (b - o): > 0 when o -> a -> b turns left."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: Sequence[Point]) -> Polygon:
    """Andrew's monotone chain: the hull's corners counter-clockwise, closed (first = last)."""
    unique = sorted({(round(x, 12), round(y, 12)) for x, y in points})
    if len(unique) <= 2:
        return (*unique, unique[0])
    lower: list[Point] = []
    for p in unique:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(unique):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    return (*hull, hull[0])


def inside_hull(point: Point, hull: Polygon, tol: float = 1e-6) -> bool:
    """Is ``point`` inside (or on) the closed counter-clockwise polygon ``hull``?

    A hull of one or two corners is a point or a segment: then the distance to it decides.
    """
    corners = hull[:-1]
    if len(corners) < 3:
        a, b = corners[0], corners[-1]
        ab = (b[0] - a[0], b[1] - a[1])
        length2 = ab[0] ** 2 + ab[1] ** 2
        t = (
            0.0
            if length2 == 0
            else ((point[0] - a[0]) * ab[0] + (point[1] - a[1]) * ab[1]) / length2
        )
        t = min(1.0, max(0.0, t))
        closest = (a[0] + t * ab[0], a[1] + t * ab[1])
        scale = max(1.0, math.hypot(*a), math.hypot(*b))
        return math.dist(point, closest) <= tol * scale
    scale = max(1.0, *(abs(c) for p in corners for c in p))
    return all(
        _cross(corners[k], corners[(k + 1) % len(corners)], point) >= -tol * scale**2
        for k in range(len(corners))
    )


def _points(matrix: torch.Tensor) -> Polygon:
    """(n, 2) tensor -> n (x, y) tuples."""
    return tuple((float(x), float(y)) for x, y in matrix.tolist())


def projection_basis(
    inputs: torch.Tensor, view: str, dims: tuple[int, int]
) -> tuple[torch.Tensor, str, str, float | None]:
    """The (d_in, 2) matrix P of a view, its axis titles, and the share of length it keeps.

    ``view`` is VIEW_DIMS (coordinates ``dims``, 0-based) or VIEW_SVD (the plane of the two
    largest singular values, each axis pointed towards the data). d_in = 1 is a line.

    Shapes:
        inputs: (n, d_in) float64 -> basis: (d_in, 2)
    """
    d_in = inputs.shape[1]
    if d_in == 1:
        basis = torch.tensor([[1.0, 0.0]], dtype=inputs.dtype)  # (1, 2): a line
        return basis, "dim 1", "(d_in = 1: every vector lies on this line)", None
    if view == VIEW_SVD:
        _, s, Vh = torch.linalg.svd(inputs, full_matrices=True)  # Vh: (d_in, d_in)
        basis = Vh[:2].T.clone()  # (d_in, 2): the two best directions
        signs = torch.sign((inputs @ basis).sum(dim=0))  # (2,): point each axis at the data
        basis = basis * torch.where(signs == 0, torch.ones_like(signs), signs)
        energy = (s**2).sum().item()
        kept = (s[:2] ** 2).sum().item() / energy if energy > 0 else 1.0
        return basis, "SVD direction 1", "SVD direction 2", kept
    if view != VIEW_DIMS or not all(0 <= d < d_in for d in dims):
        raise ValueError(f"view must be {VIEW_DIMS!r} with dims in 0..{d_in - 1}, or {VIEW_SVD!r}.")
    basis = torch.zeros(d_in, 2, dtype=inputs.dtype)
    basis[dims[0], 0] = 1.0
    basis[dims[1], 1] = 1.0
    return basis, f"dim {dims[0] + 1}", f"dim {dims[1] + 1}", None


def project_2d(
    inputs: torch.Tensor, context_vecs: torch.Tensor, view: str, dims: tuple[int, int] = (0, 1)
) -> Projection:
    """Inputs and context vectors in one linear 2-d view, with the inputs' convex hull.

    P x^(j) and P z^(i) for the view's basis P; z^(i) stays inside the hull of the P x^(j).

    Shapes:
        inputs, context_vecs: (n, d_in) -> n points each
    """
    X = inputs.double()  # (n, d_in): float64, so the hull test is not fooled by rounding
    Z = context_vecs.double()  # (n, d_in)
    basis, x_title, y_title, kept = projection_basis(X, view, dims)
    points = _points(X @ basis)  # (n, d_in) @ (d_in, 2) -> (n, 2)
    return Projection(
        inputs=points,
        contexts=_points(Z @ basis),  # (n, d_in) @ (d_in, 2) -> (n, 2)
        hull=convex_hull(points),
        x_title=x_title,
        y_title=y_title,
        kept=kept,
    )
