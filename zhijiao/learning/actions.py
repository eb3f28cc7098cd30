"""The only writers of learning status: mastery updates, model refits, the wrong-question notebook, Q&A
(which notifies through `core.actions.notify`), and pushing targeted practice."""

import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.accounts.selectors import class_teachers, scope_of
from zhijiao.core.actions import notify
from zhijiao.core.files import append_row, new_workbook, workbook_bytes
from zhijiao.learning import tracing as kt
from zhijiao.learning.models import Mastery, ModelParams, Reply, Thread, WrongItem
from zhijiao.records.actions import record_event

_PARAMS_CACHE: dict = {}
_CACHE_SECONDS = 60  # other processes pick up a refit within a minute
CHOICE = "choice"  # the ModelParams row recording which model `learning-fit` chose on held-out answers


def _expire() -> None:
    now = time.monotonic()
    if now - _PARAMS_CACHE.get("_at", now) > _CACHE_SECONDS:
        _PARAMS_CACHE.clear()
    _PARAMS_CACHE.setdefault("_at", now)


def reset_params_cache() -> None:
    _PARAMS_CACHE.clear()


def current_model() -> str:
    _expire()
    if CHOICE not in _PARAMS_CACHE:
        row = ModelParams.objects.filter(model=CHOICE, knowledge_point__isnull=True).first()
        _PARAMS_CACHE[CHOICE] = (row.params.get("model") if row else None) or kt.CHOSEN
    return _PARAMS_CACHE[CHOICE]


def _params(model: str, kp_id: int | None) -> dict:
    """Fitted parameters for a knowledge point, falling back to the default row, then built-in values."""
    _expire()
    key = (model, kp_id)
    if key not in _PARAMS_CACHE:
        row = (ModelParams.objects.filter(model=model, knowledge_point_id=kp_id).first()
               or ModelParams.objects.filter(model=model, knowledge_point__isnull=True).first())
        _PARAMS_CACHE[key] = row.params if row else DEFAULTS[model]
    return _PARAMS_CACHE[key]


DEFAULTS = {
    # Used until `zhijiao learning-fit` has fitted parameters from real answers.
    "pfa": {"beta": -0.35, "gamma": 0.75, "rho": -0.25},
    "bkt": dict(kt.BKT_DEFAULT),
}


def mastery_value(kp_id: int | None, state: dict, model: str | None = None) -> float:
    """Mastery shown to people: P(knows) under BKT; P(right on a typical item) under PFA."""
    model = model or current_model()
    prm = _params(model, kp_id)
    if model == "pfa":
        return kt.pfa_p(prm, state.get("s", 0), state.get("f", 0))
    return state.get("p_l", prm["l0"])


def _advance(kp_id: int | None, state: dict, correct: bool) -> dict:
    """Both models' state advance on every answer, so switching model only recomputes the shown value."""
    state = dict(state or {})
    state["s" if correct else "f"] = state.get("s" if correct else "f", 0) + 1
    bkt = _params("bkt", kp_id)
    state["p_l"] = round(kt.bkt_update(state.get("p_l", bkt["l0"]), correct, bkt), 6)
    return state


@transaction.atomic
def mastery_observe(*, student, kp_ids, correct: bool) -> list[Mastery]:
    """Update the student's mastery of each knowledge point of one graded answer (knowledge tracing)."""
    out = []
    for kp_id in kp_ids:
        m, _created = Mastery.objects.select_for_update().get_or_create(student=student, knowledge_point_id=kp_id)
        m.state = _advance(kp_id, m.state, correct)
        m.attempts += 1
        m.correct += int(correct)
        m.p_mastery = round(mastery_value(kp_id, m.state), 4)
        m.save(update_fields=["state", "attempts", "correct", "p_mastery", "updated_at"])
        out.append(m)
    return out


@transaction.atomic
def mastery_observe_many(*, student, observations: list[tuple[list[int], bool]]) -> None:
    """Several graded answers of one student at once (one submission), in order: one read, bulk writes."""
    kp_ids = {k for kps, _c in observations for k in kps}
    if not kp_ids:
        return
    rows = {m.knowledge_point_id: m for m in
            Mastery.objects.select_for_update().filter(student=student, knowledge_point_id__in=kp_ids)}
    new = {}
    for kps, correct in observations:
        for kp_id in kps:
            m = rows.get(kp_id) or new.get(kp_id)
            if m is None:
                m = new[kp_id] = Mastery(student=student, knowledge_point_id=kp_id, state={}, attempts=0, correct=0)
            m.state = _advance(kp_id, m.state, correct)
            m.attempts += 1
            m.correct += int(correct)
            m.p_mastery = round(mastery_value(kp_id, m.state), 4)
    if new:
        Mastery.objects.bulk_create(list(new.values()))
    if rows:
        now = timezone.now()
        for m in rows.values():
            m.updated_at = now
        Mastery.objects.bulk_update(list(rows.values()), ["state", "attempts", "correct", "p_mastery", "updated_at"])


@transaction.atomic
def params_fit(*, min_answers: int = 30, test_share: float = 0.2) -> dict:
    """Refit BKT and PFA from the platform's own graded answers, compare them (and Elo) on held-out
    students, keep the better of BKT/PFA for the platform, then replay every student's history."""
    from zhijiao.learning.selectors import answer_log

    log, kp_of_code = answer_log(with_codes=True)
    report: dict = {"answers": len(log), "models": {}}
    if len(log) < min_answers:
        report["chosen"] = current_model()
        return report
    from zhijiao.learning import kt as ktfit

    train, test = ktfit.split(log, by="student", test_share=test_share)
    for name, (fit, predict) in ktfit.MODELS.items():
        if len(train) and len(test):
            p = predict(fit(train), test)
            report["models"][name] = {"auc": ktfit.auc(test.correct, p), "rmse": ktfit.rmse(test.correct, p)}
    usable = {k: v for k, v in report["models"].items() if k in DEFAULTS and v["auc"] == v["auc"]}
    chosen = (max(usable, key=lambda k: (usable[k]["auc"], -usable[k]["rmse"])) if usable else kt.CHOSEN)
    ModelParams.objects.filter(model__in=list(DEFAULTS) + [CHOICE]).delete()
    rows = [ModelParams(model=CHOICE, params={"model": chosen, "evaluation": report["models"]},
                        n_answers=len(log))]
    for name in DEFAULTS:
        fit, _predict = ktfit.MODELS[name]
        params = fit(log)  # final parameters from every answer
        rows.append(ModelParams(model=name, knowledge_point_id=None, params=params[None], n_answers=len(log)))
        for code, prm in params.items():
            if code is not None:
                rows.append(ModelParams(model=name, knowledge_point_id=kp_of_code[code], params=prm,
                                        n_answers=int((log.skill == code).sum())))
    ModelParams.objects.bulk_create(rows)
    _PARAMS_CACHE.clear()
    # Replay each student's answers per knowledge point with the new parameters.
    states: dict = {}
    for i in range(len(log)):
        key = (int(log.student[i]), kp_of_code[int(log.skill[i])])
        states[key] = _advance(key[1], states.get(key, {}), bool(log.correct[i]))
    changed = []
    for m in Mastery.objects.all().iterator():
        state = states.get((m.student_id, m.knowledge_point_id), m.state or {})
        m.state = state
        m.p_mastery = round(mastery_value(m.knowledge_point_id, state, chosen), 4)
        changed.append(m)
    Mastery.objects.bulk_update(changed, ["state", "p_mastery"], batch_size=2000)
    report["chosen"] = chosen
    report["fitted_points"] = sum(1 for r in rows if r.knowledge_point_id)
    return report


# --- wrong-question notebook -------------------------------------------------------------------------

def notebook_record_many(*, student, wrongs: list[tuple]) -> None:
    """Wrong answers (question, response) of one submission enter the student's notebook (or come back)."""
    if not wrongs:
        return
    existing = {w.question_id: w for w in WrongItem.objects.filter(student=student,
                                                                   question_id__in=[q.pk for q, _r in wrongs])}
    new = []
    now = timezone.now()
    for q, response in wrongs:
        item = existing.get(q.pk)
        if item is None:
            new.append(WrongItem(student=student, question=q, last_response=response))
        else:
            item.times_wrong += 1
            item.last_response = response
            item.resolved = False
            item.last_wrong_at = now
    WrongItem.objects.bulk_create(new)
    if existing:
        WrongItem.objects.bulk_update(list(existing.values()), ["times_wrong", "last_response", "resolved",
                                                                "last_wrong_at"])


def notebook_record(*, student, question, response, correct: bool) -> None:
    """Called inside the grading transaction: a wrong answer enters the notebook; nothing else changes."""
    if correct:
        return
    item, created = WrongItem.objects.get_or_create(student=student, question=question,
                                                    defaults={"last_response": response})
    if not created:
        item.times_wrong += 1
        item.last_response = response
        item.resolved = False
        item.last_wrong_at = timezone.now()
        item.save(update_fields=["times_wrong", "last_response", "resolved", "last_wrong_at"])


@dataclass(frozen=True)
class PracticeResult:
    correct: bool | None
    fraction: float | None


@transaction.atomic
def notebook_practise(*, student, item: WrongItem, response) -> PracticeResult:
    """Re-practice a wrong question: graded at once; right clears it from the notebook; mastery updates."""
    from zhijiao.questions.grading import grade

    if item.student_id != student.pk:
        raise PermissionError
    q = item.question
    g = grade(q.qtype, q.answer, response)
    item.times_practised += 1
    if g.correct:
        item.resolved = True
    else:
        item.times_wrong += 1
        item.last_response = response
        item.last_wrong_at = timezone.now()
    item.save()
    if g.correct is not None:
        mastery_observe(student=student, kp_ids=list(q.knowledge_points.values_list("pk", flat=True)),
                        correct=bool(g.correct))
    record_event(actor=student, verb="answered", object_kind="question", object_key=q.pk, actor_role="student",
                 result={"success": bool(g.correct), "score": {"scaled": g.fraction or 0}},
                 extensions={"https://zhijiao.example.org/xapi/ext/context": "wrong-notebook"})
    return PracticeResult(g.correct, g.fraction)


# --- Q&A ------------------------------------------------------------------------------------------

class QAError(Exception):
    pass


@transaction.atomic
def thread_ask(*, student, title: str, body: str, subject: str = "", image=None, about_kind: str = "",
               about_id: int | None = None) -> Thread:
    from django.urls import reverse

    from zhijiao.questions.actions import check_image

    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("请写一个标题。")
    if not body:
        errors["body"] = _("请描述你的问题。")
    if msg := check_image(image):
        errors["image"] = msg
    if about_kind not in ("", "resource", "question", "assignment"):
        errors["about_kind"] = _("提问对象无效。")
    if errors:
        raise QAError(errors)
    scope = scope_of(student)
    class_ids = sorted(scope.own_class_ids)
    if not class_ids:
        raise QAError({"title": _("只有学生可以提问。")})
    from zhijiao.core.models import OrgNode

    klass = OrgNode.objects.get(pk=class_ids[0])
    t = Thread.objects.create(asker=student, klass=klass, subject=(subject or "")[:20], title=title[:120],
                              body=body, about_kind=about_kind, about_id=about_id)
    if image:
        t.image = image
        t.save(update_fields=["image"])
    # The class's teachers of that subject; with no subject (or nobody teaching it), all its teachers.
    roles = list(class_teachers(klass))
    teachers = {r.user for r in roles if t.subject and r.subject == t.subject}
    if not teachers:
        teachers = {r.user for r in roles}
    url = reverse("learning:qa_detail", args=[t.pk])
    notify(users=teachers, kind="qa_asked", title=_("学生提问：%(t)s") % {"t": t.title}, url=url)
    record_event(actor=student, verb="asked", object_kind="question", object_key=f"qa-{t.pk}",
                 actor_role="student", klass=klass, school=klass.school())
    return t


@transaction.atomic
def thread_reply(*, user, thread: Thread, body: str, image=None) -> Reply:
    from django.urls import reverse

    from zhijiao.questions.actions import check_image

    body = (body or "").strip()
    if not body:
        raise QAError({"body": _("回答不能为空。")})
    if msg := check_image(image):
        raise QAError({"image": msg})
    is_teacher = thread.klass_id in scope_of(user).taught_class_ids
    r = Reply.objects.create(thread=thread, author=user, body=body, is_teacher=is_teacher)
    if image:
        r.image = image
        r.save(update_fields=["image"])
    if user.pk != thread.asker_id:
        notify(users=[thread.asker], kind="qa_answered", title=_("你的提问有了新回答：%(t)s") % {"t": thread.title},
               url=reverse("learning:qa_detail", args=[thread.pk]))
    record_event(actor=user, verb="responded", object_kind="question", object_key=f"qa-{thread.pk}",
                 actor_role="teacher" if is_teacher else "student", klass=thread.klass)
    return r


@transaction.atomic
def thread_resolve(*, user, thread: Thread) -> Thread:
    thread.resolved = True
    thread.save(update_fields=["resolved"])
    record_event(actor=user, verb="completed", object_kind="question", object_key=f"qa-{thread.pk}",
                 klass=thread.klass)
    return thread


def reply_publish(*, teacher, reply: Reply):
    """Turn a teacher's good answer into a shared resource (答疑精选): an .xlsx 学案 with the question and the
    answer, created through the resources app's own action, so it goes through review (凡进必审)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhijiao.resources.actions import ResourceError, resource_create

    thread = reply.thread
    if thread.klass_id not in scope_of(teacher).taught_class_ids or reply.author_id != teacher.pk:
        raise QAError({"reply": _("只能把自己在任教班级的回答分享为资源。")})
    if reply.published_resource_id:
        raise QAError({"reply": _("这条回答已经分享过了。")})
    wb = new_workbook()
    ws = wb.active
    ws.title = "答疑"
    for row in ((_("问题"), thread.title), (_("描述"), thread.body), (_("解答"), reply.body),
                (_("学科"), thread.subject)):
        append_row(ws, row)
    upload = SimpleUploadedFile(f"qa-{thread.pk}.xlsx", workbook_bytes(wb),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    chapters, kps = [], []
    if thread.about_kind == "question" and thread.about_id:
        from zhijiao.questions.models import Question

        q = Question.objects.filter(pk=thread.about_id).first()
        if q is not None:
            chapters, kps = list(q.chapters.all()), list(q.knowledge_points.all())
    try:
        with transaction.atomic():
            resource = resource_create(
                contributor=teacher, type="study_plan", title=_("答疑精选：%(t)s") % {"t": thread.title},
                description=reply.body[:2000], level="school", sharing="district", chapters=chapters,
                knowledge_points=kps, tags=[_("答疑"), thread.subject] if thread.subject else [_("答疑")],
                upload=upload, upload_name=upload.name)
            reply.published_resource_id = resource.pk
            reply.save(update_fields=["published_resource_id"])
    except ResourceError as exc:
        raise QAError({"reply": str(exc)}) from exc
    return resource
