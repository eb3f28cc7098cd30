"""Knowledge tracing models, in plain numpy (no Django): BKT, PFA and Elo.

Each model is fitted on a training set of answer logs and predicts P(correct) for every row of a held-out
set *before* seeing that row's outcome (the student's earlier rows in the held-out set are used as they
come, as the platform would). `bench/mastery.py` compares them; the platform uses `CHOSEN` (see
docs/learning.md for the figures behind the choice) and stores fitted parameters in `ModelParams`.

A log is a tuple of equal-length arrays: student (int codes), skill (int codes), item (int codes),
correct (0/1), already sorted by student, then time.
"""

from dataclasses import dataclass, field
from math import exp

import numpy as np

from zhijiao.learning.tracing import BKT_DEFAULT, CHOSEN, bkt_predict_p, bkt_update, pfa_p  # noqa: F401


@dataclass
class Log:
    student: np.ndarray
    skill: np.ndarray
    item: np.ndarray
    correct: np.ndarray

    def __len__(self) -> int:
        return len(self.correct)

    def take(self, mask) -> "Log":
        return Log(self.student[mask], self.skill[mask], self.item[mask], self.correct[mask])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --- BKT ------------------------------------------------------------------------------------------

BKT_GRID = {
    "l0": np.array([0.05, 0.15, 0.3, 0.5, 0.7, 0.85]),
    "t": np.array([0.01, 0.03, 0.06, 0.1, 0.16, 0.25, 0.35]),
    "g": np.array([0.05, 0.12, 0.2, 0.28]),  # bounded: guess < 0.3
    "s": np.array([0.03, 0.08, 0.14, 0.2, 0.28]),  # bounded: slip < 0.3
}
def _sequences(log: Log, skill: int) -> np.ndarray:
    """Students' answer sequences on one skill, padded with -1: shape (students, max length)."""
    m = log.skill == skill
    st, y = log.student[m], log.correct[m]
    if len(y) == 0:
        return np.zeros((0, 0), dtype=np.int8)
    order = np.argsort(st, kind="stable")
    st, y = st[order], y[order]
    starts = np.flatnonzero(np.r_[True, st[1:] != st[:-1]])
    lengths = np.diff(np.r_[starts, len(st)])
    out = np.full((len(starts), lengths.max()), -1, dtype=np.int8)
    for k, (a, n) in enumerate(zip(starts, lengths, strict=True)):
        out[k, :n] = y[a:a + n]
    return out


def _bkt_loglik(seqs: np.ndarray, l0, t, g, s) -> np.ndarray:
    """Log-likelihood of the sequences under every parameter combination (vectors l0, t, g, s)."""
    n_combo = len(l0)
    p_l = np.broadcast_to(l0[:, None], (n_combo, seqs.shape[0])).copy()
    ll = np.zeros(n_combo)
    for j in range(seqs.shape[1]):
        y = seqs[:, j]
        live = y >= 0
        if not live.any():
            continue
        yy = y[live][None, :]
        pl = p_l[:, live]
        p_c = pl * (1 - s[:, None]) + (1 - pl) * g[:, None]
        p_obs = np.where(yy == 1, p_c, 1 - p_c)
        ll += np.log(np.clip(p_obs, 1e-9, 1)).sum(axis=1)
        post = np.where(yy == 1, pl * (1 - s[:, None]) / p_c, pl * s[:, None] / (1 - p_c))
        p_l[:, live] = post + (1 - post) * t[:, None]
    return ll


def bkt_fit(log: Log, *, min_answers: int = 10) -> dict:
    """Grid search per skill over bounded parameters (guess, slip < 0.3), maximum likelihood.

    Returns {skill: params, None: default params fitted on all skills pooled}."""
    grid = np.array(np.meshgrid(BKT_GRID["l0"], BKT_GRID["t"], BKT_GRID["g"], BKT_GRID["s"], indexing="ij"))
    l0, t, g, s = (grid[i].ravel() for i in range(4))
    params: dict = {}
    total = np.zeros(len(l0))
    for skill in np.unique(log.skill):
        seqs = _sequences(log, skill)
        ll = _bkt_loglik(seqs, l0, t, g, s)
        total += ll
        if (seqs >= 0).sum() >= min_answers:
            k = int(np.argmax(ll))
            params[int(skill)] = {"l0": float(l0[k]), "t": float(t[k]), "g": float(g[k]), "s": float(s[k])}
    k = int(np.argmax(total)) if len(log) else None
    params[None] = ({"l0": float(l0[k]), "t": float(t[k]), "g": float(g[k]), "s": float(s[k])}
                    if k is not None else dict(BKT_DEFAULT))
    return params


def bkt_predict(params: dict, log: Log) -> np.ndarray:
    pred = np.empty(len(log))
    state: dict = {}
    for i in range(len(log)):
        key = (int(log.student[i]), int(log.skill[i]))
        prm = params.get(int(log.skill[i])) or params[None]
        p_l = state.get(key, prm["l0"])
        pred[i] = bkt_predict_p(p_l, prm)
        state[key] = bkt_update(p_l, bool(log.correct[i]), prm)
    return pred


# --- PFA (performance factors analysis, log counts) -----------------------------------------------

def _pfa_counts(log: Log) -> tuple[np.ndarray, np.ndarray]:
    """Prior successes and failures of the same student on the same skill, for every row."""
    succ = np.zeros(len(log))
    fail = np.zeros(len(log))
    seen: dict = {}
    for i in range(len(log)):
        key = (int(log.student[i]), int(log.skill[i]))
        s, f = seen.get(key, (0, 0))
        succ[i], fail[i] = s, f
        seen[key] = (s + 1, f) if log.correct[i] else (s, f + 1)
    return succ, fail


def pfa_features(skill: np.ndarray, succ: np.ndarray, fail: np.ndarray, n_skills: int):
    """Global terms plus per-skill deviations (regularised toward the global terms)."""
    from scipy import sparse

    n = len(skill)
    ls, lf = np.log1p(succ), np.log1p(fail)
    rows = np.arange(n)
    glob = sparse.csr_matrix(np.c_[ls, lf])
    valid = (skill >= 0) & (skill < n_skills)
    r, c = rows[valid], skill[valid]
    one = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n_skills))
    s_k = sparse.csr_matrix((ls[valid], (r, c)), shape=(n, n_skills))
    f_k = sparse.csr_matrix((lf[valid], (r, c)), shape=(n, n_skills))
    return sparse.hstack([glob, one, s_k, f_k]).tocsr()


def pfa_fit(log: Log, *, c: float = 1.0) -> dict:
    from sklearn.linear_model import LogisticRegression

    n_skills = int(log.skill.max()) + 1 if len(log) else 1
    succ, fail = _pfa_counts(log)
    x = pfa_features(log.skill, succ, fail, n_skills)
    model = LogisticRegression(C=c, max_iter=500, solver="lbfgs")
    model.fit(x, log.correct)
    w = model.coef_[0]
    b0 = float(model.intercept_[0])
    gs, gf = float(w[0]), float(w[1])
    beta, gam, rho = w[2:2 + n_skills], w[2 + n_skills:2 + 2 * n_skills], w[2 + 2 * n_skills:]
    params: dict = {None: {"beta": b0, "gamma": gs, "rho": gf}}
    present = set(np.unique(log.skill).tolist())
    for k in range(n_skills):
        if k in present:
            params[k] = {"beta": b0 + float(beta[k]), "gamma": gs + float(gam[k]), "rho": gf + float(rho[k])}
    return params


def pfa_predict(params: dict, log: Log) -> np.ndarray:
    succ, fail = _pfa_counts(log)
    out = np.empty(len(log))
    for i in range(len(log)):
        prm = params.get(int(log.skill[i])) or params[None]
        out[i] = pfa_p(prm, succ[i], fail[i])
    return out


# --- Elo (student ability per skill, item difficulty) ---------------------------------------------

@dataclass
class EloModel:
    a: float = 1.0
    b: float = 0.06
    item_difficulty: dict = field(default_factory=dict)
    item_count: dict = field(default_factory=dict)

    def _k(self, n: int) -> float:
        return self.a / (1 + self.b * n)

    def run(self, log: Log, *, learn_items: bool) -> np.ndarray:
        theta: dict = {}
        theta_n: dict = {}
        delta: dict = {}
        delta_n: dict = {}
        pred = np.empty(len(log))
        for i in range(len(log)):
            st, sk, it, y = int(log.student[i]), int(log.skill[i]), int(log.item[i]), int(log.correct[i])
            th = theta.get(st, 0.0)
            de = delta.get((st, sk), 0.0)
            di = self.item_difficulty.get(it, 0.0)
            p = 1.0 / (1.0 + exp(-(th + de - di)))
            pred[i] = p
            err = y - p
            n_st = theta_n.get(st, 0)
            n_sk = delta_n.get((st, sk), 0)
            theta[st] = th + self._k(n_st) * err
            theta_n[st] = n_st + 1
            delta[(st, sk)] = de + self._k(n_sk) * err
            delta_n[(st, sk)] = n_sk + 1
            if learn_items:
                n_it = self.item_count.get(it, 0)
                self.item_difficulty[it] = di - self._k(n_it) * err
                self.item_count[it] = n_it + 1
        return pred


def elo_fit(log: Log) -> EloModel:
    best, best_ll = None, -np.inf
    for a in (0.4, 0.8, 1.2):
        for b in (0.02, 0.06, 0.15):
            m = EloModel(a=a, b=b)
            p = np.clip(m.run(log, learn_items=True), 1e-6, 1 - 1e-6)
            ll = float(np.sum(log.correct * np.log(p) + (1 - log.correct) * np.log(1 - p)))
            if ll > best_ll:
                best, best_ll = m, ll
    # Re-learn item difficulties with the chosen constants in one clean pass.
    final = EloModel(a=best.a, b=best.b)
    final.run(log, learn_items=True)
    return final


def elo_predict(model: EloModel, log: Log) -> np.ndarray:
    return model.run(log, learn_items=False)


# --- evaluation -----------------------------------------------------------------------------------

def auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if len(np.unique(y)) > 1 else float("nan")


def rmse(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - p) ** 2)))


def split(log: Log, *, by: str = "student", test_share: float = 0.2, seed: int = 7) -> tuple[Log, Log]:
    """Held-out students (`by="student"`), or the last share of each student's rows (`by="time"`)."""
    rng = np.random.default_rng(seed)
    if by == "student":
        students = np.unique(log.student)
        test = set(rng.choice(students, size=max(1, int(len(students) * test_share)), replace=False).tolist())
        mask = np.array([s in test for s in log.student.tolist()])
        return log.take(~mask), log.take(mask)
    if by == "time":
        mask = np.zeros(len(log), dtype=bool)
        starts = np.flatnonzero(np.r_[True, log.student[1:] != log.student[:-1]])
        ends = np.r_[starts[1:], len(log)]
        for a, b in zip(starts, ends, strict=True):
            n_test = int(round((b - a) * test_share))
            if n_test:
                mask[b - n_test:b] = True
        return log.take(~mask), log.take(mask)
    raise ValueError("split must be 'student' or 'time'")


def evaluate_time_split(fit_predict, train: Log, test: Log) -> np.ndarray:
    """For a per-student time split, a student's training rows are their history: predict the test rows
    after replaying the history (the model sees history outcomes, and is scored only on the test rows)."""
    both = Log(*(np.r_[getattr(train, f), getattr(test, f)] for f in ("student", "skill", "item", "correct")))
    is_test = np.r_[np.zeros(len(train), bool), np.ones(len(test), bool)]
    order = np.lexsort((np.arange(len(both)), both.student))  # stable by student: history first
    both = both.take(order)
    is_test = is_test[order]
    pred = fit_predict(both)
    return pred[is_test], both.correct[is_test]


def synthetic(*, students: int = 600, skills: int = 12, items_per_skill: int = 15, answers: int = 60,
              seed: int = 2026) -> Log:
    """A log drawn from a known process: each student learns each skill BKT-style (with per-skill rates) and
    has a general ability; items differ in difficulty. Neither model is exactly the truth."""
    rng = np.random.default_rng(seed)
    p_init = rng.uniform(0.1, 0.6, skills)
    p_learn = rng.uniform(0.05, 0.3, skills)
    guess = rng.uniform(0.1, 0.3, skills)
    slip = rng.uniform(0.05, 0.2, skills)
    item_shift = rng.normal(0, 0.7, (skills, items_per_skill))
    rows = []
    for st in range(students):
        ability = rng.normal(0, 0.8)
        known = rng.random(skills) < np.clip(p_init + 0.1 * ability, 0.02, 0.95)
        order = rng.choice(skills, size=answers)
        order.sort(kind="stable")  # a curriculum: skills in sequence
        for sk in order:
            it = rng.integers(items_per_skill)
            base = (1 - slip[sk]) if known[sk] else guess[sk]
            z = np.log(base / (1 - base)) + 0.6 * ability - item_shift[sk, it]
            y = int(rng.random() < 1 / (1 + np.exp(-z)))
            rows.append((st, sk, sk * items_per_skill + it, y))
            if not known[sk] and rng.random() < p_learn[sk]:
                known[sk] = True
    a = np.array(rows)
    return Log(a[:, 0], a[:, 1], a[:, 2], a[:, 3].astype(float))


MODELS = {
    "bkt": (bkt_fit, bkt_predict),
    "pfa": (pfa_fit, pfa_predict),
    "elo": (elo_fit, elo_predict),
}
