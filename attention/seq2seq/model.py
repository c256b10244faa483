"""Two GRU encoder-decoders that differ only in Bahdanau attention.

Encoder (both models), one GRU over the embedded input digits x_1 .. x_T:

    h_j = GRU(emb(x_j), h_{j-1})                    encoder states, j = 1 .. T

Decoder without attention ("rnn"): it starts from the encoder's final state and sees nothing else,
so the whole input has to squeeze through the fixed-size vector h_T (the bottleneck):

    s_0 = h_T
    s_i = GRU(emb(y_{i-1}), s_{i-1})
    p(y_i) = softmax(W_out s_i + b_out)

Decoder with attention ("attention"): the same, plus at every step a context vector c_i from
the core's :func:`attention.additive.bahdanau_attention` over *all* encoder states, fed into
the GRU input and the output layer as in Bahdanau, Cho and Bengio (2014):

    c_i = sum_j softmax_j(v_a^T tanh(W_a s_{i-1} + U_a h_j)) h_j
    s_i = GRU([emb(y_{i-1}); c_i], s_{i-1})
    p(y_i) = softmax(W_out [s_i; c_i] + b_out)

Both are built from the same seed, and every parameter they share starts with the same
values: attention is the only difference.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

from attention.additive import AdditiveTrace, bahdanau_attention

NUM_DIGITS = 10  # the output vocabulary: digits 0-9
BOS = 10  # begin-of-sequence token: the decoder's first input
VOCAB_SIZE = 11  # input vocabulary: the digits plus BOS (no PAD: a batch has one length)
KINDS = ("rnn", "attention")


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Everything that defines a training run; the shipped checkpoints use these defaults."""

    embedding_size: int = 32  # d_emb: one digit -> a 32-dim vector (encoder and decoder)
    hidden_size: int = 64  # H: GRU state size, so the rnn's bottleneck h_T holds 64 numbers
    attention_size: int = 64  # d_attn: columns of W_a and U_a, length of v_a
    num_steps: int = 800  # optimizer steps; both models see the same 800 batches
    batch_size: int = 64  # sequences per step, all of one length L, P(L) proportional to L
    learning_rate: float = 1e-2  # Adam's initial rate, decayed to 0 on a cosine
    grad_clip: float = 1.0  # clip the global gradient norm (RNNs can explode)
    min_length: int = 3  # training lengths in [min_length, max_length], P(L) ∝ L (train.py)
    max_length: int = 20  # evaluation goes further (to 30) to test generalisation
    seed: int = 123  # parameters and training data both come from local generators

    def __post_init__(self) -> None:
        for name in ("embedding_size", "hidden_size", "attention_size", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}.")
        if self.num_steps < 0:
            raise ValueError(f"num_steps must be >= 0, got {self.num_steps}.")
        if not 1 <= self.min_length <= self.max_length:
            raise ValueError(
                f"Need 1 <= min_length <= max_length, got {self.min_length}, {self.max_length}."
            )
        if not self.learning_rate > 0 or not self.grad_clip > 0:
            raise ValueError("learning_rate and grad_clip must be positive.")


def _embedding(num_embeddings: int, embedding_dim: int) -> nn.Embedding:
    """An ``nn.Embedding`` whose weight is left uninitialised (filled by build_model or a load).

    Passing ``_weight`` skips ``reset_parameters``: on the meta device, ``normal_`` would
    otherwise import torch._dynamo, which costs about 2 s on a page's first view.
    """
    return nn.Embedding(
        num_embeddings, embedding_dim, _weight=torch.empty(num_embeddings, embedding_dim)
    )


class Seq2SeqGRU(nn.Module):
    """GRU encoder-decoder, with (``attention=True``) or without Bahdanau attention.

    Get one from :func:`build_model` (fresh) or ``load_checkpoint`` (trained). Calling the
    constructor directly on CPU would initialise the GRUs from the global RNG and leave the
    embeddings uninitialised; both functions build on the meta device and assign tensors.

    Shapes (b = batch, T = input length, T_out = output length, H = hidden_size):
        src: (b, T) digits -> encoder_states: (b, T, H), bottleneck h_T: (b, H)
        forward(src, dec_in): dec_in (b, T_out) -> logits (b, T_out, NUM_DIGITS)
    """

    def __init__(self, config: Seq2SeqConfig, attention: bool) -> None:
        super().__init__()
        self.config = config
        self.attention = attention
        d_emb, H = config.embedding_size, config.hidden_size
        d_ctx = H if attention else 0  # the context vector c_i has the encoder's size H
        self.enc_embedding = _embedding(VOCAB_SIZE, d_emb)
        self.encoder = nn.GRU(d_emb, H, batch_first=True)
        self.dec_embedding = _embedding(VOCAB_SIZE, d_emb)
        self.decoder = nn.GRU(d_emb + d_ctx, H, batch_first=True)  # input [emb(y_{i-1}); c_i]
        self.out = nn.Linear(H + d_ctx, NUM_DIGITS)  # reads [s_i; c_i]
        if attention:
            d_attn = config.attention_size
            self.W_a = nn.Parameter(torch.empty(H, d_attn))  # (d_dec, d_attn), s_{i-1} @ W_a
            self.U_a = nn.Parameter(torch.empty(H, d_attn))  # (d_enc, d_attn), h_j @ U_a
            self.v_a = nn.Parameter(torch.empty(d_attn))  # (d_attn,)

    @property
    def kind(self) -> str:
        """``"attention"`` or ``"rnn"``."""
        return "attention" if self.attention else "rnn"

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the encoder GRU over the input digits.

        Shapes:
            src: (b, T) -> encoder_states: (b, T, H); bottleneck h_T: (b, H)
        """
        x = self.enc_embedding(src)  # (b, T) -> (b, T, d_emb)
        encoder_states, h_n = self.encoder(x)  # (b, T, H); h_n: (num_layers=1, b, H)
        return encoder_states, h_n.squeeze(0)  # (1, b, H) -> (b, H)

    def step(
        self, y_prev: torch.Tensor, s_prev: torch.Tensor, encoder_states: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, AdditiveTrace | None]:
        """One decoder step: previous token and state -> logits for the next digit, new state.

        The plain decoder ignores ``encoder_states``; the attention decoder calls the core's
        ``bahdanau_attention`` with the decoder state *before* the update, s_{i-1}.

        Shapes:
            y_prev: (b,) token ids; s_prev: (b, H); encoder_states: (b, T, H)
            -> logits: (b, NUM_DIGITS); s: (b, H); trace: energies, attn_weights (b, T),
               context_vec (b, H), or None without attention
        """
        emb = self.dec_embedding(y_prev)  # (b,) -> (b, d_emb)
        if not self.attention:
            s = self._gru_step(emb, s_prev)  # (b, d_emb), (b, H) -> (b, H)
            return self.out(s), s, None  # (b, H) -> (b, NUM_DIGITS)
        trace = bahdanau_attention(s_prev, encoder_states, self.W_a, self.U_a, self.v_a)
        c = trace.context_vec  # (b, H)
        s = self._gru_step(torch.cat([emb, c], dim=-1), s_prev)  # (b, d_emb + H) -> (b, H)
        logits = self.out(torch.cat([s, c], dim=-1))  # (b, 2H) -> (b, NUM_DIGITS)
        return logits, s, trace

    def _gru_step(self, x: torch.Tensor, s_prev: torch.Tensor) -> torch.Tensor:
        """s_i = GRU(x_i, s_{i-1}) for a single time step.

        Shapes:
            x: (b, d_in); s_prev: (b, H) -> s: (b, H)
        """
        # x (b, d_in) -> (b, 1, d_in); s_prev (b, H) -> (num_layers=1, b, H)
        _, s = self.decoder(x.unsqueeze(1), s_prev.unsqueeze(0))
        return s.squeeze(0)  # (1, b, H) -> (b, H)

    def forward(self, src: torch.Tensor, dec_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: the decoder reads the true previous digit at every step.

        Shapes:
            src: (b, T); dec_in: (b, T_out), BOS then the target shifted right
            -> logits: (b, T_out, NUM_DIGITS)
        """
        encoder_states, s = self.encode(src)  # s_0 = h_T
        if not self.attention:  # every decoder input is known: run the GRU in one call
            # (b, T_out) -> (b, T_out, d_emb) -> decoder states (b, T_out, H)
            states, _ = self.decoder(self.dec_embedding(dec_in), s.unsqueeze(0))
            return self.out(states)  # (b, T_out, H) -> (b, T_out, NUM_DIGITS)
        logits = []
        for i in range(dec_in.shape[1]):
            logits_i, s, _ = self.step(dec_in[:, i], s, encoder_states)
            logits.append(logits_i)
        return torch.stack(logits, dim=1)  # T_out x (b, NUM_DIGITS) -> (b, T_out, NUM_DIGITS)


def build_model(config: Seq2SeqConfig, attention: bool, seed: int | None = None) -> Seq2SeqGRU:
    """A freshly initialised model, drawn from local generators only (the global RNG is untouched).

    Embeddings ~ N(0, 1) as ``nn.Embedding`` does, every other weight and bias
    ~ U(-1/sqrt(H), 1/sqrt(H)) as ``nn.GRU`` does, drawn in a fixed order. Parameters both
    models have come from a generator seeded ``seed`` (default ``config.seed``); the
    attention-only parts (W_a, U_a, v_a and the columns that read c_i) come from a second
    generator, so both models start from identical shared weights.
    """
    seed = config.seed if seed is None else int(seed)
    shared = torch.Generator().manual_seed(seed)
    extra = torch.Generator().manual_seed(seed + 1_000_003)  # attention-only parameters
    k = 1.0 / math.sqrt(config.hidden_size)
    d_emb, H = config.embedding_size, config.hidden_size

    def uniform(generator: torch.Generator, *shape: int) -> torch.Tensor:
        return torch.empty(shape).uniform_(-k, k, generator=generator)

    p: dict[str, torch.Tensor] = {}
    p["enc_embedding.weight"] = torch.randn(VOCAB_SIZE, d_emb, generator=shared)
    p["encoder.weight_ih_l0"] = uniform(shared, 3 * H, d_emb)  # r, z, n gates stacked
    p["encoder.weight_hh_l0"] = uniform(shared, 3 * H, H)
    p["encoder.bias_ih_l0"] = uniform(shared, 3 * H)
    p["encoder.bias_hh_l0"] = uniform(shared, 3 * H)
    p["dec_embedding.weight"] = torch.randn(VOCAB_SIZE, d_emb, generator=shared)
    dec_ih = uniform(shared, 3 * H, d_emb)  # reads emb(y_{i-1})
    p["decoder.weight_hh_l0"] = uniform(shared, 3 * H, H)
    p["decoder.bias_ih_l0"] = uniform(shared, 3 * H)
    p["decoder.bias_hh_l0"] = uniform(shared, 3 * H)
    out_w = uniform(shared, NUM_DIGITS, H)  # reads s_i
    p["out.bias"] = uniform(shared, NUM_DIGITS)
    if attention:
        # (3H, d_emb) + (3H, H) -> (3H, d_emb + H): the GRU input is [emb(y_{i-1}); c_i]
        dec_ih = torch.cat([dec_ih, uniform(extra, 3 * H, H)], dim=1)
        # (NUM_DIGITS, H) + (NUM_DIGITS, H) -> (NUM_DIGITS, 2H): the output reads [s_i; c_i]
        out_w = torch.cat([out_w, uniform(extra, NUM_DIGITS, H)], dim=1)
        p["W_a"] = uniform(extra, H, config.attention_size)
        p["U_a"] = uniform(extra, H, config.attention_size)
        p["v_a"] = uniform(extra, config.attention_size)
    p["decoder.weight_ih_l0"], p["out.weight"] = dec_ih, out_w
    return model_from_state_dict(config, attention, p)


def model_from_state_dict(
    config: Seq2SeqConfig, attention: bool, state_dict: dict[str, torch.Tensor]
) -> Seq2SeqGRU:
    """A model holding exactly ``state_dict``'s tensors; no random numbers are drawn.

    The layers are created on the meta device (shapes only), then the given tensors are
    assigned as their parameters (``load_state_dict(..., assign=True)``).
    """
    with torch.device("meta"):
        model = Seq2SeqGRU(config, attention)
    model.load_state_dict(state_dict, strict=True, assign=True)
    return model


@dataclass(frozen=True)
class ParameterCounts:
    """How many trainable numbers each model has, and where the attention model's extra ones sit.

    ``attention == rnn + sum(count for _, count in attention_parts)``.
    """

    rnn: int
    attention: int
    attention_parts: tuple[tuple[str, int], ...]

    @property
    def difference(self) -> int:
        return self.attention - self.rnn


def count_parameters(model: nn.Module) -> int:
    """Number of scalars in ``model``'s parameters (all of them are trained)."""
    return sum(p.numel() for p in model.parameters())


def parameter_counts(config: Seq2SeqConfig | None = None) -> ParameterCounts:
    """Parameter counts of both models (built on the meta device: no memory, no RNG)."""
    config = config or Seq2SeqConfig()
    with torch.device("meta"):
        rnn = count_parameters(Seq2SeqGRU(config, attention=False))
        attention = count_parameters(Seq2SeqGRU(config, attention=True))
    H, d_attn = config.hidden_size, config.attention_size
    parts = (
        ("W_a", H * d_attn),
        ("U_a", H * d_attn),
        ("v_a", d_attn),
        ("decoder GRU weights reading c_i", 3 * H * H),
        ("output weights reading c_i", NUM_DIGITS * H),
    )
    return ParameterCounts(rnn, attention, parts)
