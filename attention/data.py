"""The chapter's running example and the values it prints.

Section 3.3 embeds the sentence "Your journey starts with one step" as six 3-d vectors.
The printed values below are what the book shows, so tests and pages can compare against them.
"""

import zlib

import torch

BOOK_TOKENS: tuple[str, ...] = ("Your", "journey", "starts", "with", "one", "step")

BOOK_INPUTS_LIST: tuple[tuple[float, float, float], ...] = (
    (0.43, 0.15, 0.89),  # Your     (x^1)
    (0.55, 0.87, 0.66),  # journey  (x^2)
    (0.57, 0.85, 0.64),  # starts   (x^3)
    (0.22, 0.58, 0.33),  # with     (x^4)
    (0.77, 0.25, 0.10),  # one      (x^5)
    (0.05, 0.80, 0.55),  # step     (x^6)
)

#: (num_tokens=6, d_in=3), exactly as ``inputs = torch.tensor([...])`` in section 3.3.
BOOK_INPUTS: torch.Tensor = torch.tensor(BOOK_INPUTS_LIST)

#: The seed and output size the chapter uses for its trainable weights (section 3.4).
BOOK_SEED: int = 123
#: The seed of the book's SelfAttention_v2 (nn.Linear weights), used in section 3.5.
BOOK_V2_SEED: int = 789
BOOK_D_OUT: int = 2

#: Values the chapter prints, rounded to 4 decimals as printed.
BOOK_PRINTED: dict[str, tuple[float, ...]] = {
    # 3.3.1: attention scores of the query "journey" (x^2) against every input
    "simplified.attn_scores_2": (0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865),
    # 3.3.1: attention weights of the query "journey", softmax over the scores
    "simplified.attn_weights_2": (0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581),
    # 3.3.1: context vector z^2
    "simplified.context_vec_2": (0.4419, 0.6515, 0.5683),
    # 3.4.1: query q^2 = x^2 @ W_query with torch.manual_seed(123), d_out=2
    "scaled.query_2": (0.4306, 1.4551),
    # 3.4.1: attention score omega_22 = q^2 . k^2
    "scaled.attn_score_22": (1.8524,),
    # 3.4.1: all attention scores of the query "journey"
    "scaled.attn_scores_2": (1.2705, 1.8524, 1.8111, 1.0795, 0.5577, 1.5440),
    # 3.4.1: attention weights of "journey", scaled by sqrt(d_k = 2)
    "scaled.attn_weights_2": (0.1500, 0.2264, 0.2199, 0.1311, 0.0906, 0.1820),
    # 3.4.1: context vector z^2
    "scaled.context_vec_2": (0.3061, 0.8210),
    # 3.5.1: causal attention weights of "journey" with SelfAttention_v2 (torch.manual_seed(789))
    "causal.attn_weights_2": (0.5517, 0.4483, 0.0, 0.0, 0.0, 0.0),
    # 3.6.2: MultiHeadAttention(d_in=3, d_out=2, context_length=6, dropout=0.0, num_heads=2)
    # after torch.manual_seed(123), rows = context vectors of the six tokens
    "multihead.context_vecs": (
        0.3190,
        0.4858,
        0.2943,
        0.3897,
        0.2856,
        0.3593,
        0.2693,
        0.3873,
        0.2639,
        0.3928,
        0.2575,
        0.4028,
    ),
}


def token_embedding(token: str, d_in: int, seed: int = BOOK_SEED) -> tuple[float, ...]:
    """A reproducible random embedding for a token the book does not list.

    Like the book's ``torch.manual_seed(123); nn.Embedding(...)``, but drawn from a local
    generator seeded by the seed and the token's text, so the same word always gets the same
    vector (uniform in [0, 1), like the book's hand-made inputs), whatever else is in the
    sentence. Book tokens at d_in = 3 keep the book's vectors.
    """
    if d_in == len(BOOK_INPUTS_LIST[0]) and token in BOOK_TOKENS:
        return BOOK_INPUTS_LIST[BOOK_TOKENS.index(token)]
    token_seed = zlib.crc32(token.encode("utf-8")) ^ int(seed)
    generator = torch.Generator().manual_seed(token_seed)
    return tuple(round(v, 2) for v in torch.rand(d_in, generator=generator).tolist())
