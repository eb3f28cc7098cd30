"""Learning-status API: a student's mastery; a class's mastery map."""

from ninja import Router

from zhijiao.learning import selectors

router = Router(tags=["learning 学情"])


@router.get("/students/{student_id}/mastery", summary="学生知识点掌握度")
def student_mastery(request, student_id: int):
    st, rows = selectors.student_mastery(request.auth, student_id)
    return [{"knowledge_point": m.knowledge_point.code, "name": m.knowledge_point.name,
             "mastery": m.p_mastery, "attempts": m.attempts, "correct": m.correct} for m in rows]


@router.get("/classes/{class_id}/mastery", summary="班级掌握图")
def class_mastery(request, class_id: int, subject: str = ""):
    klass = selectors.access_class_staff(request.auth, class_id)
    data = selectors.mastery_map(klass, selectors.class_kps(klass, subject))
    return {
        "knowledge_points": [{"code": m["kp"].code, "name": m["kp"].name, "mean": m["mean"], "below": m["below"]}
                             for m in data["means"]],
        "attention": [{"student_id": a["student"].pk, "mean": a["mean"]} for a in data["attention"]],
    }
