"""The masks / dropout / heads page (sections 3.5-3.6): every control, under AppTest and Chromium.

Each test sets a control (or a step) and checks the numbers and sentences on the page against
what the core computes with the book's classes, so a page that merely shows *something* fails.
"""

import html
import re

import pytest
import torch
from streamlit.testing.v1 import AppTest

from attention.causal import BOOK_PRINTED_CAUSAL, compare_causal_weights, run_causal_attention
from attention.data import BOOK_INPUTS_LIST, BOOK_PRINTED, BOOK_TOKENS
from attention.multihead import (
    BOOK_PRINTED_MULTIHEAD,
    MultiHeadAttention,
    compare_wrapper_and_multihead,
    count_parameters,
    multihead_trace,
)
from tests.conftest import (
    ROOT,
    act,
    assert_no_exception,
    key_selector,
    new_tab,
    open_app,
    run_link,
    run_page,
    start_server,
)
from tests.tables import read_tables
from ui import compute

PAGE = "pages/5_Causal_and_multi_head.py"
URL = "Causal_and_multi_head"
V2 = (789, 789, 789)  # section 3.5's SelfAttention_v2 (nn.Linear) weights
BOOK_INPUTS = compute.tensor(BOOK_INPUTS_LIST)
NEW_TOKENS = ("a", "b", "c", "d")
NEW_INPUTS = ((0.9, 0.1, 0.2), (0.1, 0.8, 0.3), (0.5, 0.5, 0.5), (0.2, 0.3, 0.9))


# ---- reading the page -------------------------------------------------------------------


def step(n: int, **settings) -> AppTest:
    """The page opened on step ``n`` (with settings stored as another page would leave them)."""
    return run_page(PAGE, **{"multihead.step": n}, **settings)


def captioned_tables(at: AppTest) -> list[tuple[str, object]]:
    """Every table on the page, in order, as (caption text, frame)."""
    found = []
    for element in at.html:
        for chunk in re.findall(r"<table>.*?</table>", element.value, flags=re.S):
            caption = re.search(r"<caption>(.*?)</caption>", chunk, flags=re.S)
            plain = html.unescape(re.sub(r"<[^>]+>", "", caption.group(1) if caption else ""))
            found.append((plain.strip(), read_tables(chunk)[0]))
    return found


def table(at: AppTest, starts: str):
    """The one table whose caption starts with ``starts``."""
    matching = [frame for caption, frame in captioned_tables(at) if caption.startswith(starts)]
    assert len(matching) == 1, (starts, [c for c, _ in captioned_tables(at)])
    return matching[0]


def numbers(frame) -> list[list[float]]:
    return frame.iloc[:, 1:].astype(float).values.tolist()


def rounded(values) -> list[list[float]]:
    rows = values.tolist() if isinstance(values, torch.Tensor) else values
    return [[round(float(v), 4) for v in row] for row in rows]


def words(at: AppTest) -> str:
    """Every sentence on the page (markdown, success, info, warning, error)."""
    parts = [m.value for m in at.markdown]
    for kind in (at.success, at.info, at.warning, at.error):
        parts += [e.value for e in kind]
    return "\n".join(parts)


def successes(at: AppTest) -> str:
    return " ".join(s.value for s in at.success)


def causal(seeds=V2, linear=True, inputs=BOOK_INPUTS_LIST, d_out=2, **options):
    return compute.self_attention(
        inputs, d_out, seeds, (), scaled=True, causal=True, linear=linear, **options
    )


# ---- step 1: the causal mask ------------------------------------------------------------


def test_defaults_show_the_books_masked_raw_scores_and_causal_weights() -> None:
    at = step(1)
    masked = numbers(table(at, "masked:"))
    assert masked == rounded(BOOK_PRINTED_CAUSAL["v2_masked_scores"])  # -inf where hidden
    weights = numbers(table(at, "attn_weights ="))
    assert weights == rounded(BOOK_PRINTED_CAUSAL["v2_causal_weights"])
    assert numbers(table(at, "mask (")) == rounded(torch.ones(6, 6).triu(1))
    assert "3.5.1" in successes(at) and "[0.5517, 0.4483, 0.0000" in successes(at)
    assert "Matches the book" in successes(at)
    for i, row in enumerate(weights):
        assert all(v == 0 for v in row[i + 1 :])
        assert sum(row) == pytest.approx(1.0, abs=1e-3)


def test_the_books_first_try_is_shown_equal() -> None:
    at = step(1)
    assert numbers(table(at, "① softmax")) == rounded(BOOK_PRINTED_CAUSAL["v2_attn_weights"])
    assert numbers(table(at, "② masked_simple")) == rounded(BOOK_PRINTED_CAUSAL["v2_masked_simple"])
    assert numbers(table(at, "③ masked_simple_norm")) == rounded(
        BOOK_PRINTED_CAUSAL["v2_causal_weights"]
    )
    roads = compare_causal_weights(compute.tensor(causal().attn_scores), 2)
    text = words(at)
    if roads.renormalized_gap == 0:
        assert "③ and the causal weights above are exactly the same" in text
    else:
        assert f"largest difference {roads.renormalized_gap:.1e}" in text
    assert "every difference is 0" in text  # mask-then-scale against scale-then-mask
    assert roads.scale_first_gap == 0


def sentence_of(gap: float) -> str:
    """What the page says for a largest difference ``gap`` (``lessons.multihead.text.same``)."""
    if gap == 0:
        return "exactly the same (every difference is 0)"
    if gap < 1e-6:
        return f"the same up to float rounding (largest difference {gap:.1e})"
    return f"different (largest difference {gap:.2g})"


@pytest.mark.parametrize(
    "settings",
    [{}, {"multihead.book_v2": False, "seeds": (5, 6, 7), "d_out": 5},
     {"embeddings": (NEW_TOKENS, NEW_INPUTS), "d_out": 3}],
)  # fmt: skip
def test_the_two_equality_sentences_are_measured(settings: dict) -> None:
    at = step(1, **settings)
    linear = settings.get("multihead.book_v2", True)
    seeds = V2 if linear else settings["seeds"]
    inputs = settings.get("embeddings", (None, BOOK_INPUTS_LIST))[1]
    d_out = settings.get("d_out", 2)
    view = causal(seeds=seeds, linear=linear, inputs=inputs, d_out=d_out)
    roads = compare_causal_weights(compute.tensor(view.attn_scores), d_out)
    text = words(at)
    assert f"masking second gives weights that are {sentence_of(roads.scale_first_gap)}" in text
    assert f"the causal weights above are {sentence_of(roads.renormalized_gap)}" in text
    if linear:
        assert f"three `nn.Linear(3, {d_out}, bias=False)` after `torch.manual_seed(789)`" in text
    else:
        assert f"`torch.rand(3, {d_out})`" in text


def test_weights_switch_uses_the_scaled_pages_weights() -> None:
    at = step(1, seeds=(5, 6, 7))
    at.toggle(key="multihead.book_v2").set_value(False).run()
    assert at.session_state["lab.multihead.book_v2"] is False
    expected = causal(seeds=(5, 6, 7), linear=False)
    assert numbers(table(at, "attn_weights =")) == rounded(expected.attn_weights)
    assert numbers(table(at, "masked:")) == rounded(expected.masked_scores)
    assert "Matches the book" not in successes(at)
    assert "5/6/7" in words(at) and "not SelfAttention_v2's" in words(at)


def test_hand_edits_that_fit_are_used_and_misfits_are_reported() -> None:
    edit = ((1.0, 0.0), (0.0, 1.0), (0.5, 0.5))
    at = step(1, **{"multihead.book_v2": False, "weight_edits": (("W_query", edit),)})
    expected = compute.self_attention(
        BOOK_INPUTS_LIST, 2, (123,) * 3, (("W_query", edit),), causal=True
    )
    assert numbers(table(at, "attn_weights =")) == rounded(expected.attn_weights)
    assert "W_query" in words(at)
    bad = run_page(PAGE, **{"multihead.book_v2": False, "weight_edits": (("W_key", ((1.0,),)),)})
    assert any("not used here" in w.value for w in bad.warning)


def test_shared_embeddings_and_d_out_are_used() -> None:
    at = step(1, embeddings=(NEW_TOKENS, NEW_INPUTS), d_out=3)
    frame = table(at, "attn_weights =")
    assert list(frame.iloc[:, 0]) == list(NEW_TOKENS)
    assert numbers(frame) == rounded(causal(inputs=NEW_INPUTS, d_out=3).attn_weights)
    assert "Not the book's example" in words(at)
    assert "Matches the book" not in successes(at)


# ---- step 2: dropout ---------------------------------------------------------------------


def test_dropout_at_the_defaults_is_the_books_matrix_and_empties_journey() -> None:
    at = step(2)
    assert numbers(table(at, "dropout(attn_weights)")) == rounded(
        BOOK_PRINTED_CAUSAL["dropout_causal_weights"]
    )
    assert numbers(table(at, "dropout(torch.ones(6, 6))")) == rounded(
        BOOK_PRINTED_CAUSAL["dropout_ones"]
    )
    assert "match the book's printed matrix exactly" in successes(at)
    text = words(at)
    assert "dropout zeroed **9 of the 21** weights" in text  # not the 15 already-zero cells
    assert "The other 15 cells were already 0" in text
    assert "This row loses every weight:** *journey*" in text
    assert "z⁽²⁾ = `[0.0000, 0.0000]`" in text
    assert "All 6 rows sum to something else, from 0.0000 to 2.0000" in text
    assert "regulariser against overfitting" in text and "only during training" in text
    sums = table(at, "row sums").iloc[:, 1].tolist()
    assert sums == pytest.approx([2.0, 0.0, 2.0, 0.9846, 0.7741, 1.3073], abs=1e-4)
    context = numbers(table(at, "context_vecs ="))
    assert context[1] == [0.0, 0.0]


def counted(view) -> tuple[int, int, list[int]]:
    """(dropped among the weights the mask left, how many it left, all-zero rows), from the
    core's numbers."""
    visible = [
        (w, d)
        for rw, rd in zip(view.attn_weights, view.dropout_mask, strict=True)
        for w, d in zip(rw, rd, strict=True)
        if w != 0
    ]
    zero = [i for i, row in enumerate(view.dropped_weights) if not any(row)]
    return sum(1 for _, d in visible if d), len(visible), zero


@pytest.mark.parametrize(("p", "seed"), [(0.2, 7), (0.8, 1), (0.45, 123)])
def test_dropout_rate_and_seed_follow_the_core(p: float, seed: int) -> None:
    at = step(2)
    at.select_slider(key="multihead.dropout").set_value(p).run()
    at.number_input(key="multihead.dropout_seed").set_value(seed).run()
    view = causal(dropout=p, dropout_seed=seed)
    assert numbers(table(at, "dropout(attn_weights)")) == rounded(view.dropped_weights)
    dropped, visible, zero = counted(view)
    text = words(at)
    assert f"dropout zeroed **{dropped} of the {visible}** weights" in text
    assert f"1 / (1 - p) = **{1 / (1 - p):.3g}**" in text
    if zero:
        assert "every weight:**" in text
        for i in zero:
            assert f"*{BOOK_TOKENS[i]}* (z" in text
    else:
        assert "loses every weight" not in text and "lose every weight" not in text
    sums = [sum(row) for row in view.dropped_weights]
    off = [x for x in sums if abs(x - 1) > 1e-6]
    if off:
        assert f"from {min(sums):.4f} to {max(sums):.4f}" in text
    else:
        assert "Every row still sums to 1." in text
    assert "match the book's printed matrix" not in successes(at)
    assert f"p = {p:g} and seed {seed}, not p = 0.5 and seed 123" in text


def test_dropout_off_changes_nothing() -> None:
    at = step(2)
    at.select_slider(key="multihead.dropout").set_value(0.0).run()
    assert numbers(table(at, "dropout(attn_weights)")) == rounded(causal().attn_weights)
    text = words(at)
    assert "nothing is dropped" in text and "Every row still sums to 1." in text
    assert "Rows no longer sum to 1" not in text


def test_the_ones_pattern_is_checked_on_its_own() -> None:
    """Other embeddings: the weights are not the book's, but the 6 x 6 pattern still is."""
    tokens = tuple(f"t{i}" for i in range(6))
    at = step(2, embeddings=(tokens, NEW_INPUTS + NEW_INPUTS[:2]))
    assert "matches the book's first dropout print" in words(at)
    assert not at.success


# ---- step 3: CausalAttention -------------------------------------------------------------


def test_causal_attention_shows_the_batch_the_buffer_and_the_books_output() -> None:
    at = step(3)
    text = words(at)
    assert "shape **(2, 6, 3)**" in text and "shape **(2, 6, 2)**" in text
    assert numbers(table(at, "context_vecs[0]")) == rounded(
        BOOK_PRINTED_CAUSAL["causal_attention_context_vecs"]
    )
    assert "section 3.5.3" in successes(at)
    holds = table(at, "What ca holds")
    assert list(holds.iloc[:, 0]) == ["W_query.weight", "W_key.weight", "W_value.weight", "mask"]
    assert list(holds["kind"]) == ["parameter"] * 3 + ["buffer"]
    assert "exactly the same (every difference is 0)" in text  # the two copies


def test_a_longer_context_length_keeps_the_output_and_shows_the_slice() -> None:
    at = step(3)
    at.number_input(key="multihead.context_length").set_value(9).run()
    assert at.session_state["lab.multihead.context_length"] == 9
    assert len(numbers(table(at, "self.mask, the buffer (9, 9)"))) == 9
    assert numbers(table(at, "self.mask.bool()[:6, :6]")) == rounded(torch.ones(6, 6).triu(1))
    assert "section 3.5.3" in successes(at)


@pytest.mark.parametrize("context_length", [2, 5])
def test_context_length_below_the_tokens_shows_pytorchs_error(context_length: int) -> None:
    at = step(3)
    at.number_input(key="multihead.context_length").set_value(context_length).run()
    assert not at.exception
    expected = run_causal_attention(BOOK_INPUTS, 2, context_length).error
    (error,) = at.error
    assert expected in error.value and "RuntimeError" in error.value
    assert f"mask buffer is ({context_length}, {context_length})" in error.value
    assert not any(caption.startswith("context_vecs") for caption, _ in captioned_tables(at))


def test_context_length_one_masks_nothing_and_says_so() -> None:
    at = step(3)
    at.number_input(key="multihead.context_length").set_value(1).run()
    (warning,) = at.warning
    assert "nothing* is masked" in warning.value
    run = run_causal_attention(BOOK_INPUTS, 2, 1)
    assert numbers(table(at, "context_vecs[0]")) == rounded(run.context_vecs[0])
    assert "section 3.5.3" not in successes(at)


def test_module_seed_changes_the_output() -> None:
    at = step(3)
    at.number_input(key="multihead.seed").set_value(5).run()
    run = run_causal_attention(BOOK_INPUTS, 2, 6, seed=5)
    assert numbers(table(at, "context_vecs[0]")) == rounded(run.context_vecs[0])
    assert "section 3.5.3" not in successes(at) and "the seed is 5, not 123" in words(at)


# ---- step 4: MultiHeadAttention -----------------------------------------------------------


def mha_trace(d_out: int, num_heads: int, seed: int = 123, inputs=BOOK_INPUTS):
    mha = MultiHeadAttention.from_seed(
        inputs.shape[1], d_out, inputs.shape[0], 0.0, num_heads, seed
    )
    return multihead_trace(mha, inputs)


def test_multihead_defaults_print_the_books_362_output() -> None:
    at = step(4)
    printed = BOOK_PRINTED["multihead.context_vecs"]
    for caption in ("context_vecs =", "the book prints"):
        flat = [v for row in numbers(table(at, caption)) for v in row]
        assert flat == pytest.approx(printed, abs=1e-4)
    assert "Matches the book** (section 3.6.2" in successes(at)
    trace = mha_trace(2, 2)
    for h in range(2):
        assert numbers(table(at, f"head {h + 1}")) == rounded(trace.attn_weights[h])
    shapes = table(at, "The shapes after every reshape")
    assert list(shapes["shape"]) == [str(shape) for _, shape in trace.shapes]
    assert "head_dim = d_out / num_heads = 2 / 2 = 1" in words(at)


def test_num_heads_and_d_out_follow_the_core() -> None:
    at = step(4)
    at.number_input(key="multihead.d_out").set_value(4).run()
    assert at.session_state["lab.d_out"] == 4  # shared with the other pages
    assert at.selectbox(key="multihead.num_heads").options == ["1", "2", "4"]
    at.selectbox(key="multihead.num_heads").set_value(4).run()
    trace = mha_trace(4, 4)
    assert numbers(table(at, "context_vecs =")) == rounded(trace.context_vecs)
    assert len([c for c, _ in captioned_tables(at) if c.startswith("head ")]) == 4
    assert not at.success  # not the book's configuration any more
    assert "head_dim = d_out / num_heads = 4 / 4 = 1" in words(at)


def test_a_stored_num_heads_that_does_not_divide_d_out_falls_back() -> None:
    at = step(4, d_out=6, **{"multihead.num_heads": 4})
    assert at.session_state["lab.multihead.num_heads"] == 3
    assert "head_dim = d_out / num_heads = 6 / 3 = 2" in words(at)


def test_weights_seed_changes_the_multihead_output() -> None:
    at = step(4)
    at.number_input(key="multihead.seed").set_value(5).run()
    assert numbers(table(at, "context_vecs =")) == rounded(mha_trace(2, 2, seed=5).context_vecs)
    assert "3.6.2" not in successes(at)


def test_a_long_input_shows_fewer_heads_and_says_so() -> None:
    tokens = tuple(f"t{i}" for i in range(30))
    inputs = tuple((0.01 * i, 0.5, 1 - 0.01 * i) for i in range(30))
    at = step(4, embeddings=(tokens, inputs), d_out=8, **{"multihead.num_heads": 8})
    shown = [c for c, _ in captioned_tables(at) if c.startswith("head ")]
    assert len(shown) == 2 and "the first 2 of 8" in words(at)


# ---- step 5: the wrapper against MultiHeadAttention --------------------------------------


def test_wrapper_and_multihead_side_by_side_at_the_books_sizes() -> None:
    at = step(5)
    assert numbers(table(at, "MultiHeadAttentionWrapper")) == rounded(
        BOOK_PRINTED_MULTIHEAD["wrapper_context_vecs"]
    )
    assert "section 3.6.1" in successes(at) and "section 3.6.2" in successes(at)
    meanings = table(at, "Two meanings of d_out")
    rows = {row.iloc[0]: tuple(row.iloc[1:]) for _, row in meanings.iterrows()}
    assert rows["output columns"] == ("d_out × num_heads = 2 × 2 = 4", "d_out = 2")
    assert rows["trainable parameters"][0].endswith("= 36")
    assert rows["trainable parameters"][1].endswith("= 24")
    text = words(at)
    assert "head_dim = 1: MultiHeadAttention divides its scores by √1 = 1" in text
    assert "here scaling does nothing** (largest change of a score: 0.0000)" in text
    assert "exactly the same (every difference is 0)" in text  # head 1 = step 3's module


def test_one_head_divides_by_the_same_root_in_both() -> None:
    """num_heads = 1: head_dim = d_out, so both classes divide by √d_out; no difference claimed."""
    text = words(step(5, d_out=4, **{"multihead.num_heads": 1}))
    assert (
        "With one head, head_dim = d_out = 4: MultiHeadAttention and the wrapper both divide "
        "by √4 = 2.0000" in text
    )
    assert "largest change of a score" not in text and "not by √" not in text


def test_wrapper_against_multihead_when_heads_have_two_dimensions() -> None:
    at = step(5, d_out=4)
    compared = compare_wrapper_and_multihead(BOOK_INPUTS, 4, 2, 123)
    assert numbers(table(at, "MultiHeadAttention:")) == rounded(compared.mha_out[0])
    assert numbers(table(at, "MultiHeadAttentionWrapper")) == rounded(compared.wrapper_out[0])
    text = words(at)
    assert "head_dim = 4 / 2 = 2 and divide by √2 = 1.4142, not by √4 = 2.0000" in text
    assert f"(largest change of a score: {compared.scaling_gap:.4f})" in text
    assert "scaling does nothing" not in text
    assert f"(context_length = num_tokens) are {sentence_of(compared.first_head_gap)}" in text
    assert not at.success and "both outputs (3.6.1, 3.6.2)" in text
    meanings = table(at, "Two meanings of d_out")
    assert meanings.iloc[5, 1].endswith(f"= {compared.wrapper_parameters:,}")
    assert meanings.iloc[5, 2].endswith(f"= {compared.mha_parameters:,}")


# ---- step 6: the exercises ---------------------------------------------------------------


def test_exercise_32_is_checked_live() -> None:
    at = step(6)
    assert any("Not yet" in i.value and "(2, 6, 4)" in i.value for i in at.info)
    at.number_input(key="multihead.ex32_d_out").set_value(1).run()
    assert any("Solved" in s.value and "(2, 6, 2)" in s.value for s in at.success)
    assert len(table(at, "context_vecs[0] of the wrapper").columns) == 3  # token + 2 columns
    at.number_input(key="multihead.ex32_d_out").set_value(3).run()
    assert any("(2, 6, 6)" in i.value and "6 columns" in i.value for i in at.info)


def test_the_books_answers_appear_when_opened() -> None:
    at = step(6)
    assert "d_out = 1**" not in words(at)
    at.session_state["multihead.ex32_answer"] = True
    at.session_state["multihead.ex33_answer"] = True
    at.run()
    text = words(at)
    assert "**d_out = 1**" in text and "`(2, 6, 2)` ✔" in text
    assert "= **2,360,064**" in text and "the solution prints 2,360,064 ✔" in text
    assert "1,048,576 numbers saved with the model but never trained" in text


def test_the_answer_to_32_is_computed_on_the_current_input() -> None:
    at = step(6, embeddings=(NEW_TOKENS, NEW_INPUTS))
    at.session_state["multihead.ex32_answer"] = True
    at.run()
    assert "(d_in, 1, 4, 0.0, num_heads=2)(batch).shape` = `(2, 4, 2)` ✔" in words(at)


def set_sizes(at: AppTest, d_in: int, d_out: int, heads: int, context: int) -> None:
    for name, value in (("d_in", d_in), ("d_out", d_out), ("num_heads", heads),
                        ("context_length", context)):  # fmt: skip
        at.number_input(key=f"multihead.ex33_{name}").set_value(value).run()


def test_exercise_33_counts_a_gpt2_sized_module() -> None:
    at = step(6)
    assert "trains **24 parameters**" in words(at)
    set_sizes(at, 768, 768, 12, 1024)
    count = count_parameters(768, 768, 1024, 12)
    assert any("GPT-2's sizes" in s.value and "2,360,064" in s.value for s in at.success)
    where = table(at, "Where the numbers sit")
    assert list(where["numbers"]) == [n for *_, n in count.parameters] + [1024 * 1024]
    assert list(where["kind"]) == ["parameter"] * 5 + ["buffer"]
    at.toggle(key="multihead.ex33_bias").set_value(True).run()
    with_bias = count_parameters(768, 768, 1024, 12, qkv_bias=True).total
    assert f"**{with_bias:,} parameters**" in words(at) and "switch qkv_bias off" in words(at)


def test_exercise_33_heads_that_do_not_divide_are_a_message() -> None:
    at = step(6)
    set_sizes(at, 768, 768, 7, 1024)
    assert not at.exception
    (error,) = at.error
    assert "divisible by num_heads (7)" in error.value


# ---- step 7: the code --------------------------------------------------------------------


def test_code_that_ran_is_the_core() -> None:
    at = step(7)
    assert len(at.code) == 1  # the snippet; the sources are built when opened
    for name in ("code_mask", "code_dropout", "code_causal", "code_heads"):
        at.session_state[f"multihead.{name}"] = True
    at.run()
    sources = "\n".join(c.value for c in at.code[1:])
    for name in ("class CausalAttention", "class MultiHeadAttentionWrapper",
                 "class MultiHeadAttention", "def apply_causal_mask", "def dropout_mask",
                 "def count_parameters"):  # fmt: skip
        assert name in sources


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"multihead.book_v2": False, "seeds": (5, 6, 7), "multihead.dropout": 0.2,
         "multihead.context_length": 4, "d_out": 4, "multihead.num_heads": 4, "multihead.seed": 9},
    ],
)  # fmt: skip
def test_snippet_reproduces_the_page(settings: dict) -> None:
    at = step(7, **settings)
    snippet = at.code[0].value
    scope: dict = {}
    with torch.random.fork_rng():
        exec(snippet, scope)  # the student's notebook
    d_out = settings.get("d_out", 2)
    linear = settings.get("multihead.book_v2", True)
    seeds = V2 if linear else settings["seeds"]
    p = settings.get("multihead.dropout", 0.5)
    view = causal(seeds=seeds, linear=linear, d_out=d_out, dropout=p, dropout_seed=123)
    assert rounded(scope["attn_weights"].detach()) == rounded(view.attn_weights)
    assert rounded(scope["dropped"].detach()) == rounded(view.dropped_weights)
    masked = scope["masked"].detach()
    assert torch.equal(torch.isinf(masked), torch.ones(6, 6).triu(1).bool())
    heads = settings.get("multihead.num_heads", 2)
    seed = settings.get("multihead.seed", 123)
    trace = mha_trace(d_out, heads, seed)
    assert rounded(scope["mha_context_vecs"][0].detach()) == rounded(trace.context_vecs)
    assert tuple(scope["wrapper_context_vecs"].shape) == (2, 6, d_out * heads)
    context_length = settings.get("multihead.context_length", 6)
    if context_length >= 6:
        run = run_causal_attention(BOOK_INPUTS, d_out, context_length, seed)
        assert rounded(scope["causal_context_vecs"][0].detach()) == rounded(run.context_vecs[0])
    else:
        assert "causal_context_vecs" not in scope


# ---- the frame: steps, reveal, links, bad input ------------------------------------------


def test_every_step_runs_and_the_picker_moves_between_them() -> None:
    for n in range(1, 8):
        at = step(n)
        assert at.markdown and not at.exception
    at = step(1)
    at.button(key="multihead.next_step").click().run()
    assert at.session_state["lab.multihead.step"] == 2
    assert any(m.value.startswith("## 2 · Dropout") for m in at.markdown)


def test_the_step_picker_and_previous_button() -> None:
    at = step(1)
    at.segmented_control(key="multihead.steps").set_value("5 · Wrapper vs MHA").run()
    assert at.session_state["lab.multihead.step"] == 5
    assert any(m.value.startswith("## 5 · The wrapper") for m in at.markdown)
    at.button(key="multihead.previous_step").click().run()
    assert at.session_state["lab.multihead.step"] == 4


def test_the_shared_d_in_box_reshapes_every_step() -> None:
    at = step(3)
    at.number_input(key="multihead.d_in").set_value(5).run()
    assert not at.exception
    assert "shape **(2, 6, 5)**" in words(at)
    holds = table(at, "What ca holds")
    assert list(holds["shape"])[:3] == ["(2, 5)"] * 3


def test_status_line_follows_the_settings() -> None:
    at = step(1)
    assert "The book's example:" in words(at)
    changed = step(1, **{"multihead.seed": 5, "multihead.num_heads": 1})
    text = words(changed)
    assert "the modules' seed is 5, not 123" in text and "num_heads is 1, not 2" in text


def test_reveal_mode_hides_the_exercise_answers_until_the_last_step() -> None:
    at = run_page(PAGE, reveal=True)
    assert at.segmented_control(key="multihead.steps").options == ["1 · Causal mask"]
    for _ in range(5):
        at.button(key="multihead.next_step").click().run()
    assert at.session_state["lab.multihead.step"] == 6
    assert "appear with the last step" in words(at)
    at.button(key="multihead.next_step").click().run()
    at.session_state["lab.multihead.step"] = 6
    at.run()
    assert "appear with the last step" not in words(at)


def test_settings_from_a_link_apply() -> None:
    at = run_link(PAGE, mh_p="0.2", mh_dropout_seed="7", multihead_step="2")
    view = causal(dropout=0.2, dropout_seed=7)
    assert numbers(table(at, "dropout(attn_weights)")) == rounded(view.dropped_weights)
    assert at.query_params["mh_p"] == "0.2"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"mh_p": "banana"}, "mh_p"),
        ({"mh_heads": "0"}, "mh_heads"),
        ({"mh_context": "1e9"}, "mh_context"),
        ({"mh_seed": "-3"}, "mh_seed"),
        ({"mh_ex33_d_in": "nan"}, "mh_ex33_d_in"),
        ({"mh_v2": "maybe"}, "mh_v2"),
    ],
)
def test_tampered_link_parameters_are_named_and_the_rest_applies(
    params: dict, message: str
) -> None:
    at = run_link(PAGE, **params, mh_dropout_seed="7", multihead_step="2")
    warnings = " ".join(w.value for w in at.warning)
    assert f"`?{message}=" in warnings
    assert at.session_state["lab.multihead.dropout_seed"] == 7  # the valid one still applies


def test_a_bad_sentence_is_a_message_and_keeps_the_input() -> None:
    at = step(1)
    at.text_input(key="multihead.sentence").set_value(" ".join(f"w{i}" for i in range(50))).run()
    assert not at.exception
    assert any("more than this lab shows" in e.value for e in at.error)
    assert "lab.embeddings" not in at.session_state  # the book's sentence stays
    assert numbers(table(at, "attn_weights =")) == rounded(BOOK_PRINTED_CAUSAL["v2_causal_weights"])


def test_a_new_sentence_reaches_every_step() -> None:
    at = step(3)
    at.text_input(key="multihead.sentence").set_value("the cat sat on the mat today").run()
    tokens = at.session_state["lab.embeddings"][0]
    assert len(tokens) == 7
    # context_length follows the number of tokens until the student sets one
    assert "shape **(2, 7, 3)**" in words(at) and not at.error


def test_projector_mode_enlarges_the_tables() -> None:
    at = step(1, projector=True)
    assert all("lab-projector" in element.value for element in at.html if "<table" in element.value)


def test_page_runs_with_many_tokens() -> None:
    tokens = tuple(f"t{i}" for i in range(40))
    inputs = tuple((0.02 * i, 0.3, 0.9 - 0.02 * i) for i in range(40))
    for n in (1, 2, 3, 4, 5):
        at = step(n, embeddings=(tokens, inputs))
        assert not at.exception


# ---- Chromium ----------------------------------------------------------------------------


@pytest.mark.browser
def test_the_page_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}/{URL}")
    assert_no_exception(page)
    assert page.get_by_text("Matches the book").count() == 1  # step 1, section 3.5.1
    tables = page.locator(".lab-table table")
    assert tables.count() >= 6
    # the heatmap is a table: every cell of the causal weights is there, coloured
    weights = page.locator(".lab-table", has_text="attn_weights").first
    assert weights.locator("td[class^='s']").count() == 36


@pytest.mark.browser
def test_a_step_link_opens_its_step_on_a_fresh_server(browser) -> None:
    """The first page run of a new server already knows ``?multihead_step=``."""
    proc, url = start_server()
    try:
        tab = new_tab(browser)
        open_app(tab, f"{url}/{URL}?multihead_step=4&mh_heads=1")
        headings = tab.locator("h2").all_text_contents()
        assert any(h.startswith("4 · Multi-head attention") for h in headings), headings
        assert "head_dim = d_out / num_heads = 2 / 1 = 2" in tab.locator("body").inner_text()
        tab.context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.browser
def test_num_heads_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}/{URL}?multihead_step=4&d_out=4")
    box = page.locator(key_selector("multihead.num_heads"))
    box.click()  # opens the list: no rerun yet
    option = page.get_by_role("option", name="4", exact=True)
    option.wait_for()
    act(page, option.click)
    assert_no_exception(page)
    assert page.locator(".lab-table", has_text="head 4").count() == 1
    assert "mh_heads=4" in page.url


@pytest.mark.browser
def test_context_length_error_in_chromium(server: str, page) -> None:
    open_app(page, f"{server}/{URL}?multihead_step=3")
    box = page.locator(key_selector("multihead.context_length")).locator("input")
    act(page, lambda: (box.fill("4"), box.press("Enter")))
    error = page.locator('[data-testid="stAlertContentError"]')
    error.wait_for()
    assert "must match the size" in error.text_content()
    assert_no_exception(page)


@pytest.mark.browser
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_nothing_is_wider_than_a_phone(server: str, phone, n: int) -> None:
    open_app(phone, f"{server}/{URL}?multihead_step={n}")
    assert_no_exception(phone)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390


def test_the_page_file_reads_as_the_lesson() -> None:
    source = (ROOT / PAGE).read_text(encoding="utf-8")
    for name in ("def step_causal", "def step_dropout", "def step_causal_attention",
                 "def step_multihead", "def step_wrapper", "def step_exercises", "def the_code",
                 "frame.run(lesson)"):  # fmt: skip
        assert name in source
