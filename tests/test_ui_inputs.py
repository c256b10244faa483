"""What students type, and what a link carries, becomes valid settings or a readable message."""

import math

import pytest

from attention.data import BOOK_INPUTS_LIST, BOOK_TOKENS
from ui import keys, settings
from ui.inputs import (
    MAX_TOKENS,
    InputError,
    apply_editor_delta,
    decode_matrix,
    encode_matrix,
    parse_number,
    resize_embeddings,
    sentence_to_embeddings,
    tokenize,
    unique_names,
    validate_embeddings,
)

BOOK = (BOOK_TOKENS, BOOK_INPUTS_LIST)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (None, "empty"),
        ("", "empty"),
        ("abc", "not a number"),
        (float("nan"), "NaN"),
        (float("inf"), "infinite"),
        ("-inf", "infinite"),
        (1e30, "keep values within"),
        (True, "must be a number"),
    ],
)
def test_parse_number_rejects_with_a_message(raw: object, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        parse_number(raw, "cell")


def test_parse_number_accepts_numbers_and_numeric_text() -> None:
    assert parse_number("0.5", "cell") == 0.5
    assert parse_number(-3, "cell") == -3.0
    assert parse_number(1e4, "cell") == 1e4


def test_editing_a_cell_changes_only_that_cell() -> None:
    tokens, inputs = apply_editor_delta(*BOOK, {"edited_rows": {1: {"dim 2": 0.1}}}, seed=123)
    assert tokens == BOOK_TOKENS
    assert inputs[1] == (0.55, 0.1, 0.66)
    assert inputs[0] == BOOK_INPUTS_LIST[0]


def test_added_row_gets_a_seeded_embedding_and_deleted_rows_go() -> None:
    delta = {"added_rows": [{"token": "cat"}], "deleted_rows": [0]}
    tokens, inputs = apply_editor_delta(*BOOK, delta, seed=123)
    assert tokens == (*BOOK_TOKENS[1:], "cat")
    again = apply_editor_delta(*BOOK, delta, seed=123)[1]
    assert inputs == again and all(0 <= v < 1 for v in inputs[-1])


def test_renaming_a_token() -> None:
    tokens, _ = apply_editor_delta(*BOOK, {"edited_rows": {0: {"token": "My"}}}, seed=123)
    assert tokens[0] == "My"


@pytest.mark.parametrize(
    ("delta", "fragment"),
    [
        ({"edited_rows": {0: {"dim 1": None}}}, "empty"),
        ({"edited_rows": {0: {"dim 1": math.nan}}}, "empty or NaN"),
        ({"edited_rows": {0: {"dim 1": math.inf}}}, "infinite"),
        ({"edited_rows": {0: {"dim 1": 1e30}}}, "keep values within"),
        ({"edited_rows": {0: {"token": "step"}}}, "unique"),
        ({"edited_rows": {0: {"token": " "}}}, "no name"),
        ({"deleted_rows": [0, 1, 2, 3, 4, 5]}, "no tokens"),
        (
            {"added_rows": [{"token": f"t{i}"} for i in range(MAX_TOKENS)]},
            "more than this lab shows",
        ),
    ],
)
def test_bad_edits_raise_a_student_message(delta: dict, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        apply_editor_delta(*BOOK, delta, seed=123)


def test_sentence_tokens_keep_book_vectors_and_are_unique() -> None:
    assert tokenize("Hi, you!") == ("Hi", ",", "you", "!")
    assert unique_names(("the", "cat", "the")) == ("the", "cat", "the₂")
    tokens, inputs = sentence_to_embeddings("Your cat and your journey", 3, 123)
    assert tokens == ("Your", "cat", "and", "your", "journey")
    assert inputs[0] == BOOK_INPUTS_LIST[0] and inputs[4] == BOOK_INPUTS_LIST[1]


def test_resize_keeps_existing_columns() -> None:
    wider = resize_embeddings(BOOK_TOKENS, BOOK_INPUTS_LIST, 5, 123)
    assert [row[:3] for row in wider] == list(BOOK_INPUTS_LIST) and len(wider[0]) == 5
    narrower = resize_embeddings(BOOK_TOKENS, BOOK_INPUTS_LIST, 2, 123)
    assert narrower[1] == (0.55, 0.87)


def test_validate_embeddings_rejects_ragged_rows() -> None:
    with pytest.raises(InputError, match="needs 3"):
        validate_embeddings(("a", "b"), ((1, 2, 3), (1, 2)))


def test_matrix_round_trips_through_the_url() -> None:
    assert decode_matrix(encode_matrix(BOOK_INPUTS_LIST), "x") == BOOK_INPUTS_LIST


SHARED = {
    s.name: s
    for s in (settings.EMBEDDINGS, settings.SEEDS, settings.D_OUT, settings.SCALED,
              settings.QUERY, settings.PROJECTOR)
}  # fmt: skip


def to_params(values: dict) -> dict[str, str]:
    """What the URL holds for these values (only what differs from the defaults)."""
    out: dict[str, str] = {}
    for name, value in values.items():
        setting = SHARED[name]
        if value != setting.default:
            out.update(setting.to_params(value))
    return out


def test_default_settings_give_a_clean_url() -> None:
    assert to_params({name: s.default for name, s in SHARED.items()}) == {}


def test_settings_round_trip_through_the_url() -> None:
    values = {
        "embeddings": (("a", "b,c"), ((1.0, 2.0), (3.0, -4.5))),
        "seeds": (1, 2, 3),
        "d_out": 4,
        "scaled": False,
        "query": 0,
        "projector": True,
    }
    result = keys.parse_params(to_params(values), SHARED)
    assert result.errors == ()
    assert result.changes == values


def test_one_seed_is_one_number_in_the_url() -> None:
    assert to_params({"seeds": (7, 7, 7)}) == {"seed": "7"}
    assert keys.parse_params({"seed": "7"}, SHARED).changes == {"seeds": (7, 7, 7)}


def test_tokens_without_numbers_get_their_seeded_embeddings() -> None:
    result = keys.parse_params({"tokens": '["Your","cat"]'}, SHARED)
    tokens, inputs = result.changes["embeddings"]
    assert tokens == ("Your", "cat") and inputs[0] == BOOK_INPUTS_LIST[0] and len(inputs[1]) == 3


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"seed": "banana"}, "seed"),
        ({"seed": "-1"}, "seed"),
        ({"seed": "1,2"}, "seed"),
        ({"d_out": "0"}, "d_out"),
        ({"d_out": "1e9"}, "d_out"),
        ({"scaled": "maybe"}, "scaled"),
        ({"projector": "big"}, "projector"),
        ({"query": "-1"}, "query"),
        ({"x": "1,2;3"}, "x"),
        ({"x": "1,inf;3,4"}, "x"),
        ({"tokens": "not json"}, "tokens"),
        ({"tokens": "[]"}, "tokens"),
        ({"tokens": '["a","a"]', "x": "1;2"}, "tokens"),
    ],
)
def test_tampered_url_parameters_are_reported_and_skipped(params: dict, bad: str) -> None:
    result = keys.parse_params({**params, "d_out": params.get("d_out", "3")}, SHARED)
    assert len(result.errors) == 1 and f"?{bad}=" in result.errors[0]
    if bad != "d_out":
        assert result.changes["d_out"] == 3  # the valid parameter still applies
