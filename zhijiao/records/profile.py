"""The platform's own xAPI profile (docs/xapi-profile.jsonld), built from `vocabulary.py`.

`uv run python -m zhijiao.records.profile > docs/xapi-profile.jsonld` regenerates the file; a test
checks the committed file matches, so the documented vocabulary cannot drift from the code.
"""

import json

from zhijiao.records.vocabulary import ACTIVITY_TYPES, VERBS, ZJ, activity_id

PROFILE_ID = f"{ZJ}profile"
VERSION_ID = f"{ZJ}profile/v1"

VERB_LABELS = {
    "logged-in": ("登录", "Signed in to the platform."),
    "logged-out": ("退出", "Signed out of the platform."),
    "login-failed": ("登录失败", "A sign-in attempt failed (the actor is the account tried, if it exists)."),
    "imported": ("导入", "Imported a roster or a batch of items."),
    "created": ("创建", "Created an object (class, account, resource, question, ...)."),
    "updated": ("修改", "Changed an object."),
    "deleted": ("删除", "Deleted or revoked an object."),
    "reset-password": ("重置密码", "An administrator reset a person's password."),
    "viewed": ("浏览", "Opened a resource or page."),
    "downloaded": ("下载", "Downloaded a resource file."),
    "favourited": ("收藏", "Added a resource to favourites."),
    "rated": ("评分", "Rated a resource."),
    "commented": ("评论", "Commented on a resource."),
    "shared": ("分享", "Shared a resource."),
    "submitted": ("提交", "Submitted homework or a contribution for review."),
    "answered": ("作答", "Answered a question; result carries success/score."),
    "asked": ("提问", "Asked a question (答疑)."),
    "responded": ("回复", "Responded to a question or discussion."),
    "completed": ("完成", "Completed an activity (homework, practice, lesson)."),
    "scored": ("得分", "Received a score."),
    "assigned": ("布置", "A teacher assigned homework to classes or groups."),
    "graded": ("批改", "A teacher graded a submission."),
    "approved": ("审核通过", "A reviewer approved a contribution (凡进必审)."),
    "rejected": ("审核退回", "A reviewer rejected a contribution."),
    "posted": ("发帖", "Posted in a teaching-research group."),
    "searched": ("搜索", "Searched the resource library."),
}

TYPE_LABELS = {
    "platform": ("平台", "The platform itself (sign-in, sign-out)."),
    "user": ("账号", "A platform account."),
    "org-node": ("组织节点", "A node of the org tree: district, school, campus, grade or class."),
    "roster-import": ("花名册导入", "One roster import run."),
    "resource": ("资源", "A resource of the resource library."),
    "question": ("题目", "A question of the question bank."),
    "assessment": ("试卷/测验", "A paper or quiz."),
    "homework": ("作业", "A homework assignment."),
    "search": ("搜索", "A search query."),
}

# Context extensions every platform statement may carry (values are ids, never names).
EXTENSIONS = [
    (activity_id("org-node", "school"), "学校", "Id of the school (org node) the action happened in.", "integer"),
    (activity_id("org-node", "class"), "班级", "Id of the class (org node) the action is about.", "integer"),
    (activity_id("user", "role"), "角色", "The role the actor acted in: student, head_teacher, subject_teacher, "
     "teacher, parent, school_admin, cio, district_admin, supervisor.", "string"),
    (f"{ZJ}extensions/role", "授予的角色", "The role kind granted or revoked (accounts).", "string"),
    (f"{ZJ}extensions/change", "变更", "What an administrator changed (accounts).", "object"),
    (f"{ZJ}ext/homework", "作业", "Id of the homework assignment.", "integer"),
    (f"{ZJ}ext/student", "学生", "Id of the student a teacher's action is about.", "integer"),
    (f"{ZJ}ext/students", "学生人数", "Number of students an assignment went to.", "integer"),
    (f"{ZJ}ext/composite", "所属复合题", "Id of the composite question whose part the answered or graded "
     "question is.", "integer"),
    (f"{ZJ}ext/context", "场景", "Where in the platform the action happened, e.g. wrong-notebook.", "string"),
]


def profile() -> dict:
    concepts = []
    for key, iri in VERBS.items():
        if not iri.startswith(ZJ):
            continue
        zh, en = VERB_LABELS[key]
        concepts.append({"id": iri, "type": "Verb", "inScheme": VERSION_ID,
                         "prefLabel": {"zh-CN": zh, "en": key}, "definition": {"en": en}})
    for key, iri in ACTIVITY_TYPES.items():
        if not iri.startswith(ZJ):
            continue
        zh, en = TYPE_LABELS[key]
        concepts.append({"id": iri, "type": "ActivityType", "inScheme": VERSION_ID,
                         "prefLabel": {"zh-CN": zh, "en": key}, "definition": {"en": en}})
    for iri, zh, en, json_type in EXTENSIONS:
        concepts.append({"id": iri, "type": "ContextExtension", "inScheme": VERSION_ID,
                         "prefLabel": {"zh-CN": zh}, "definition": {"en": en},
                         "inlineSchema": json.dumps({"type": json_type})})
    return {
        "@context": "https://w3id.org/xapi/profiles/context",
        "id": PROFILE_ID,
        "type": "Profile",
        "conformsTo": "https://w3id.org/xapi/profiles#1.0",
        "prefLabel": {"zh-CN": "智教平台事件轨迹", "en": "zhijiao platform event trail"},
        "definition": {"en": "Verbs, activity types and context extensions of the statements the zhijiao "
                             "platform records for its own users' actions (see docs/xapi-profile.md). Verbs and "
                             "types reused from ADL and TinCan vocabularies are listed in seeAlso."},
        "seeAlso": "https://zhijiao.example.org/docs/xapi-profile.md",
        "author": {"type": "Organization", "name": "zhijiao"},
        "versions": [{"id": VERSION_ID, "generatedAtTime": "2026-11-23T00:00:00Z"}],
        "concepts": concepts,
    }


def render() -> str:
    return json.dumps(profile(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    print(render(), end="")
