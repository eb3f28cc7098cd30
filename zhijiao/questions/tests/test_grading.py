"""Automatic grading of every objective type, and the documented partial-credit rules."""

import pytest

from zhijiao.questions.grading import fingerprint, grade, response_key


@pytest.mark.parametrize("response,fraction", [("B", 1.0), ("b", 1.0), ("A", 0.0), ("", 0.0), (None, 0.0)])
def test_single_choice(response, fraction):
    assert grade("single", "B", response).fraction == fraction


@pytest.mark.parametrize("response,fraction,correct", [
    (["A", "C"], 1.0, True),    # all right
    (["C", "A"], 1.0, True),    # order does not matter
    (["A"], 0.5, False),        # 少选: half
    (["A", "B"], 0.0, False),   # 错选: nothing
    (["A", "B", "C"], 0.0, False),
    ([], 0.0, False),
])
def test_multiple_choice_partial_rule(response, fraction, correct):
    g = grade("multiple", ["A", "C"], response)
    assert (g.fraction, g.correct) == (fraction, correct)


@pytest.mark.parametrize("response,ok", [(True, True), ("对", True), ("√", True), (False, False), ("错", False),
                                         (None, False)])
def test_true_false(response, ok):
    assert grade("truefalse", True, response).correct is ok


def test_fill_in_blanks_alternatives_and_partial():
    answer = [["3", "三"], ["60"]]
    assert grade("fill", answer, ["三", "60"]).fraction == 1.0
    assert grade("fill", answer, [" 3 ", "６０"]).correct is True  # spaces and full-width digits
    g = grade("fill", answer, ["4", "60"])
    assert (g.fraction, g.correct, g.blanks) == (0.5, False, (False, True))
    assert grade("fill", answer, ["3"]).fraction == 0.5  # a missing blank is wrong
    assert grade("fill", [["0.5"]], ["1/2"]).correct is True  # numbers match by value
    assert grade("fill", [["red"]], ["Red."]).correct is True  # case and trailing full stop


def test_subjective_types_wait_for_teacher():
    assert grade("short", "参考答案", "我的答案").fraction is None
    assert grade("essay", "", "作文").correct is None


def test_duplicate_fingerprint_ignores_punctuation_and_width():
    a = fingerprint("1 时 =（  ）分", [])
    b = fingerprint("1时=(  )分。", [])
    assert a == b
    assert fingerprint("1 时 = ( ) 秒", []) != a


def test_response_key_groups_wrong_answers():
    assert response_key("multiple", ["C", "A"]) == "AC"
    assert response_key("truefalse", False) == "错"
