"""The selection for 组卷 by hand (选题篮): question ids kept in the teacher's session, so ticks survive paging
and changing filters. Nothing about the selection goes into a URL; only questions the teacher may use are
kept, and at most `MAX_BASKET` of them."""

from zhijiao.questions.selectors import visible_questions

SESSION_KEY = "questions_basket"
MAX_BASKET = 200


def basket_ids(session) -> list[int]:
    return [i for i in session.get(SESSION_KEY, []) if isinstance(i, int)]


def basket_update(session, user, *, add: list[int] = (), remove: list[int] = ()) -> list[int]:
    """Add and remove ids (in the order ticked); returns the new selection."""
    ids = [i for i in basket_ids(session) if i not in set(remove)]
    new = [i for i in dict.fromkeys(add) if i not in set(ids)]
    if new:
        allowed = set(visible_questions(user).filter(pk__in=new).values_list("pk", flat=True))
        ids += [i for i in new if i in allowed]
    ids = ids[:MAX_BASKET]
    session[SESSION_KEY] = ids
    return ids


def basket_clear(session) -> None:
    session.pop(SESSION_KEY, None)
