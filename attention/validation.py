"""Checks that turn bad input into a ``ValueError`` a student can read.

Every public function of the core calls these first, so a page only has to show
``str(error)``: it never has to guess what went wrong.
"""

import torch


def check_finite(name: str, tensor: torch.Tensor) -> None:
    """Raise if ``tensor`` holds NaN or +-inf."""
    if not torch.isfinite(tensor).all():
        bad = (~torch.isfinite(tensor)).nonzero()[0].tolist()
        raise ValueError(
            f"{name} must hold finite numbers, but entry {tuple(bad)} is "
            f"{tensor[tuple(bad)].item()}. Replace NaN or infinity with a number."
        )


def check_inputs(inputs: torch.Tensor, name: str = "inputs") -> None:
    """``inputs`` must be a float matrix of shape (num_tokens, d_in) with num_tokens >= 1."""
    if not isinstance(inputs, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(inputs).__name__}.")
    if inputs.dim() != 2:
        raise ValueError(
            f"{name} must have shape (num_tokens, d_in): one row per token. "
            f"Got {inputs.dim()} dimension(s), shape {tuple(inputs.shape)}."
        )
    if inputs.shape[0] == 0:
        raise ValueError(f"{name} has zero tokens: attention needs at least one token.")
    if inputs.shape[1] == 0:
        raise ValueError(f"{name} has d_in = 0: each token needs at least one number.")
    if not inputs.is_floating_point():
        raise ValueError(f"{name} must hold floating-point numbers, got {inputs.dtype}.")
    check_finite(name, inputs)


def check_weight(name: str, weight: torch.Tensor, d_in: int, d_out: int | None = None) -> None:
    """A weight parameter must be a finite (d_in, d_out) matrix that fits the inputs."""
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise ValueError(f"{name} must be a matrix of shape (d_in, d_out).")
    if weight.shape[0] != d_in:
        raise ValueError(
            f"{name} has shape {tuple(weight.shape)}, but the inputs have d_in = {d_in}: "
            f"its first dimension must be {d_in} so that inputs @ {name} is defined."
        )
    if d_out is not None and weight.shape[1] != d_out:
        raise ValueError(f"{name} has d_out = {weight.shape[1]}; expected {d_out}.")
    if weight.shape[1] == 0:
        raise ValueError(f"{name} has d_out = 0: it must map to at least one number.")
    if not weight.is_floating_point():
        raise ValueError(f"{name} must hold floating-point numbers, got {weight.dtype}.")
    check_finite(name, weight)


def check_dropout(dropout: float) -> None:
    """Dropout is a probability of dropping: 0 <= p < 1 (p = 1 would drop everything)."""
    if not (0.0 <= float(dropout) < 1.0):
        raise ValueError(f"dropout must be in [0, 1), got {dropout}.")


def check_scores(name: str, scores: torch.Tensor) -> None:
    """Scores overflow float32 when embeddings are astronomically large; say so plainly."""
    if not torch.isfinite(scores).all():
        raise ValueError(
            f"The {name} overflowed float32 (a dot product exceeded about 3.4e38). "
            "Use smaller embedding or weight values."
        )
