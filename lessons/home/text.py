"""The home page's words: the tour, and the sentences about the live example."""

from __future__ import annotations

from dataclasses import dataclass

from attention.data import BOOK_PRINTED
from ui import fmt
from ui.book import BookValue
from ui.compute import AttentionView, SimplifiedView
from ui.frame import PAGES, Page
from ui.settings import BOOK_QUERY, LabSettings, WeightEdits, fitting_weight_edits


@dataclass(frozen=True)
class Stop:
    """One stop of the chapter's path: its number and title, the section, the page, a line."""

    title: str
    section: str
    page: Page
    blurb: str


TOUR: tuple[Stop, ...] = (
    Stop("1. The problem: RNN encoder-decoders", "3.1", PAGES[0],
         "An encoder-decoder RNN squeezes the whole input into one hidden state: watch a "
         "trained one lose long inputs."),
    Stop("2. Bahdanau attention: look back at every input", "3.2", PAGES[0],
         "The decoder looks back at every encoder state: see its attention weights, step by "
         "step."),
    Stop("3. Simplified self-attention", "3.3", PAGES[1], PAGES[1].teaches),
    Stop("4. Scaled dot-product attention", "3.4", PAGES[2], PAGES[2].teaches),
    Stop("5. Why scale by √d_k", "3.4", PAGES[3], PAGES[3].teaches),
    Stop("6. Causal mask, dropout, multi-head", "3.5-3.6", PAGES[4], PAGES[4].teaches),
)  # fmt: skip


def book_check(current: LabSettings, simple: SimplifiedView) -> str | None:
    """The "matches the book" line of section 3.3, from the numbers (None when the book's numbers do
    not apply: other embeddings, or another query than 'journey')."""
    if not (current.is_book_embeddings and current.query == BOOK_QUERY):
        return None
    q = BOOK_QUERY
    ours_z, ours_w = simple.context_vecs[q], simple.attn_weights[q]
    book_z = BOOK_PRINTED["simplified.context_vec_2"]
    book_w = BOOK_PRINTED["simplified.attn_weights_2"]
    close = BookValue("z and weights of journey", (*book_z, *book_w), (*ours_z, *ours_w)).matches
    verdict = "Matches the book" if close else "Differs from the book"
    return (
        f"**{verdict}** (section 3.3.1): z⁽²⁾ = {fmt.vector(ours_z)} (the book prints "
        f"{fmt.vector(book_z)}) and the weights of 'journey' are {fmt.vector(ours_w)} (the "
        f"book: {fmt.vector(book_w)})."
    )


def fitting_edits(current: LabSettings) -> WeightEdits:
    """The hand edits of the weight parameters that fit (d_in, d_out) (a link can change
    d_out after an edit; the scaled page then drops it, with a message)."""
    return fitting_weight_edits(current)[0]


def trainable(current: LabSettings, attn: AttentionView, edits: WeightEdits) -> str:
    """What the scaled page computes for the same query, with the settings it uses."""
    how = "scaled by √d_k" if current.scaled else "unscaled (scaling is off)"
    seeds = fmt.seeds(current.qkv_seeds)
    seed_words = (
        f"seed {seeds}" if len(set(current.qkv_seeds)) == 1 else f"seeds {seeds} (query/key/value)"
    )
    edited = "; " + ", ".join(n for n, _ in edits) + " edited by hand" if edits else ""
    q = current.query
    return (
        f"**With trainable weights** (section 3.4: W_query, W_key, W_value from {seed_words}, "
        f"d_out = {current.d_out}{edited}; {how}), the context vector of *{current.query_token}* "
        f"is z{fmt.sup(q + 1)} = `{fmt.vector(attn.context_vecs[q])}`. The *Scaled dot-product "
        "attention* page shows every step (its mask and dropout options are not applied here)."
    )
