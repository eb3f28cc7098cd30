"""The per-answer arithmetic of the mastery models, in plain Python (no numpy): what the platform runs on
every graded answer. Fitting and evaluation live in `kt.py`."""

from math import exp, log

CHOSEN = "bkt"  # default until `zhijiao learning-fit` chooses on the platform's own answers (docs/learning.md)

BKT_DEFAULT = {"l0": 0.3, "t": 0.1, "g": 0.2, "s": 0.1}


def bkt_update(p_l: float, correct: bool, prm: dict) -> float:
    """Posterior of knowing after one observed answer, then the learning transition."""
    g, s, t = prm["g"], prm["s"], prm["t"]
    if correct:
        post = p_l * (1 - s) / (p_l * (1 - s) + (1 - p_l) * g)
    else:
        post = p_l * s / (p_l * s + (1 - p_l) * (1 - g))
    return post + (1 - post) * t


def bkt_predict_p(p_l: float, prm: dict) -> float:
    return p_l * (1 - prm["s"]) + (1 - p_l) * prm["g"]


def pfa_p(prm: dict, succ: float, fail: float) -> float:
    z = prm["beta"] + prm["gamma"] * log(1 + succ) + prm["rho"] * log(1 + fail)
    return 1.0 / (1.0 + exp(-z))
