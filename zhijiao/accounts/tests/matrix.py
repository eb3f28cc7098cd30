from tests.matrix import Case

STUDENT_FORBIDDEN = frozenset({401, 403, 404})

CASES = [
    Case("web:home", lambda w: "/", allowed="xuesheng", denied=None, note="any signed-in user"),
    Case("accounts:password_change", lambda w: "/accounts/password/", allowed="jiazhang", denied=None),
    Case("GET /api/v1/auth/me", lambda w: "/api/v1/auth/me", allowed="laoshi", denied=None, api=True),
    Case("GET /api/v1/org/classes", lambda w: "/api/v1/org/classes", allowed="xuesheng", denied=None, api=True),
    Case("GET /api/v1/org/schools", lambda w: "/api/v1/org/schools", allowed="qu_admin", denied=None, api=True),
    Case("GET /api/v1/org/classes/{class_id}/students",
         lambda w: f"/api/v1/org/classes/{w.class_of('xuesheng').pk}/students",
         allowed="laoshi", denied="xuesheng", api=True, note="roster: teachers yes, classmates no"),
    Case("GET /api/v1/org/classes/{class_id}/students",
         lambda w: f"/api/v1/org/classes/{w.other_school_class().pk}/students",
         allowed="qu_admin", denied="xiao_admin", api=True, note="another school's class"),
    Case("GET /api/v1/org/students/{student_id}",
         lambda w: f"/api/v1/org/students/{w.user('xuesheng').pk}",
         allowed="jiazhang", denied="s0000002", api=True, note="parent yes; a classmate no"),
]

# Endpoints with no per-role rule: public by design.
EXEMPT = {
    "healthz": "liveness probe, no data",
    "accounts:login": "the login form is public",
    "accounts:logout": "POST-only; logs out whoever asks",
    "POST /api/v1/auth/token": "token login, public by design (credentials checked)",
}
