"""HTML pages of the resource centre: thin — parse input, call one selector or action, render."""

from functools import wraps

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from zhijiao.catalog.models import Book, Chapter, Subject
from zhijiao.catalog.selectors import browse_context, school_path_of, user_grades
from zhijiao.resources import actions, selectors
from zhijiao.resources.cards import CARD_STAMP, card_counters, cards_stamp, rendered_cards, resource_stamp
from zhijiao.resources.forms import CommentForm, ReviewForm, UploadForm
from zhijiao.resources.models import (
    Comment,
    CommentStatus,
    Level,
    ResourceType,
    Status,
    SubscriptionKind,
)
from zhijiao.resources.serving import file_response
from zhijiao.web.shared_pages import render_shared

PAGE_SIZE = 24


def _render(request, template: str, active: str, ctx: dict):
    """Render with what the resource centre's tabs need (role-dependent tabs; the unread count of the
    "通知" tab comes from the shell's context processor, as `inbox_unread`)."""
    user = request.user
    ctx.update(active=active, res_is_contributor=selectors.is_contributor(user),
               res_is_reviewer=selectors.is_reviewer(user))
    return render(request, template, ctx)


def _render_shared(request, template: str, active: str, context, *, key: str, live: dict | None = None):
    """`_render` of a page that is the same for everyone whose `key` (what it lists) and resource-centre
    tabs are the same: rendered once and shared from the cache, with the personal parts filled in per
    request (`web.shared_pages`)."""
    user = request.user
    contributor, reviewer = selectors.is_contributor(user), selectors.is_reviewer(user)

    def full_context():
        return {**context(), "active": active, "res_is_contributor": contributor, "res_is_reviewer": reviewer}

    return render_shared(request, template, full_context, key=f"{key}:{contributor:d}{reviewer:d}", live=live)


def _card_page(request, qs, resource_of=lambda row: row) -> dict:
    """`_page` with the rendered card of each row's resource (`cards`, from the cache where seen before)."""
    page = _page(request, qs)
    page["cards"] = rendered_cards(resource_of(row) for row in page["items"])
    return page


def _resource_card_page(request, qs) -> dict:
    """`_card_page` of a resource query that reads only what names each card in the cache, and the whole
    rows of the cards not cached yet (a second query, only then)."""
    page = _page(request, qs.values_list(*CARD_STAMP, named=True))
    page["cards"] = rendered_cards(page["items"], load=lambda pks: qs.filter(pk__in=pks))
    return page


def _page(request, qs, size: int = PAGE_SIZE) -> dict:
    """Offset paging without COUNT(*): fetch one extra row to know whether a next page exists."""
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    rows = list(qs[(page - 1) * size: page * size + 1])
    params = request.GET.copy()
    params.pop("page", None)
    return {"items": rows[:size], "page": page, "has_next": len(rows) > size, "has_prev": page > 1,
            "query": params.urlencode()}


def contributor_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.is_contributor(request.user):
            raise PermissionDenied(_("只有教师和管理员可以上传和管理资源。"))
        return view(request, *args, **kwargs)
    return wrapper


def reviewer_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.is_reviewer(request.user):
            raise PermissionDenied(_("只有学校和区县的审核人可以审核资源。"))
        return view(request, *args, **kwargs)
    return wrapper


# --- browse and detail ----------------------------------------------------------------------------------

@login_required
def browse(request):
    """Section → stage → subject → edition → grade/volume → chapter tree (the catalog's browse component)."""
    g = request.GET
    nav = browse_context(g, base_url=request.path, school_path=school_path_of(request.user),
                         grades=user_grades(request.user))
    rtype = g.get("type", "") if g.get("type", "") in ResourceType.values else ""
    level = g.get("level", "") if g.get("level", "") in Level.values else ""
    section = nav.section if nav.section is not None and not nav.uses_textbooks else None
    qs = selectors.browse_resources(request.user, chapter_ids=nav.chapter_ids, book=nav.book, stage=nav.stage,
                                    subject=nav.subject, edition=nav.edition, section=section, type=rtype,
                                    level=level, linked_chapter_ids=nav.linked_chapter_ids)
    # The page shows the navigation, the cards of the rows the user may see and links that depend on the kinds
    # of role: the same page for everyone who gets the same rows (whatever their school), cached under them.
    # The cards' counters change with every counted view: filled in per request, not keying the page.
    page = _page(request, qs.values_list(*CARD_STAMP, named=True))

    def context():
        page["cards"] = rendered_cards(page["items"], load=lambda pks: qs.filter(pk__in=pks), holes=True)
        return {"nav": nav, "page": page, "types": ResourceType.choices, "levels": Level.choices, "type": rtype,
                "level": level}

    return _render_shared(request, "resources/browse.html", "browse", context, live=card_counters(page["items"]),
                          key=f"browse:{nav.cache_key}:{cards_stamp(page['items'])}:{page['has_next']:d}")


@login_required
def detail(request, pk: int):
    user = request.user
    resource = selectors.access_resource(user, pk, mine=True)
    actions.resource_view(user=user, resource=resource)
    comments = list(selectors.resource_comments(user, resource)[:100])
    can_review, can_moderate = selectors.can_review(user, resource), selectors.can_moderate(user, resource)
    is_owner = resource.contributor_id == user.pk

    def context():
        sheet = selectors.resource_sheet(resource)
        return {
            "r": resource,
            "files": sheet.files,
            "main_file": sheet.files[0] if sheet.files else None,
            "chapters": sheet.chapters,
            "knowledge_points": sheet.knowledge_points,
            "is_favourite": resource.is_favourite,
            "my_rating": resource.my_rating,
            "comments": comments,
            "reviews": selectors.resource_reviews(user, resource),
            "can_review": can_review,
            "can_moderate": can_moderate,
            "can_edit": selectors.can_edit(user, resource),
            "is_owner": is_owner,
            "review_form": ReviewForm(),
            "comment_form": CommentForm(),
            "scores": range(1, 6),
        }

    # The counters change with every counted view: filled in per request rather than keying the page.
    live = {"views": str(resource.view_count), "downloads": str(resource.download_count),
            "favourites": str(resource.favourite_count), "ratings": str(resource.rating_count),
            "ratingavg": str(localize(resource.rating_average))}
    if is_owner or can_review or can_moderate or resource.my_pending_comment:
        return _render(request, "resources/detail.html", "browse", {**context(), "live": live})
    # Anyone else sees the item, its files and visible comments as everyone else does, but for their own
    # favourite and rating: the page is shared by everyone with the same two, keyed by all it shows.
    return _render_shared(request, "resources/detail.html", "browse", context, live=live,
                          key=f"detail:{resource_stamp(resource)}:{resource.is_favourite:d}:{resource.my_rating}:"
                              + ",".join(f"{c.pk}.{c.status}.{c.author.display_name}" for c in comments))


@login_required
@xframe_options_sameorigin  # the detail page shows a PDF in an <iframe>; no other site may frame it
@csp_replace({"frame-ancestors": [SELF]})
def file(request, pk: int, file_id: int):
    resource = selectors.access_resource(request.user, pk)
    rf = get_object_or_404(resource.files, pk=file_id)
    download = request.GET.get("download") == "1"
    if download:
        actions.resource_download(user=request.user, resource=resource, file=rf)
    return file_response(request, rf, attachment=download)


# --- contribution and review ------------------------------------------------------------------------------

def _book_for(request, resource=None) -> Book | None:
    code = request.GET.get("book") or request.POST.get("book")
    if code:
        return Book.objects.filter(code=code).first()
    chapter_id = request.GET.get("chapter")
    if chapter_id and chapter_id.isdigit():
        chapter = Chapter.objects.filter(pk=chapter_id).select_related("book").first()
        return chapter.book if chapter else None
    if resource is not None:
        first = resource.chapters.select_related("book").first()
        return first.book if first else None
    return None


def _add_error(form, exc: actions.ResourceError):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@contributor_required
def upload(request):
    book = _book_for(request)
    initial = {}
    if request.GET.get("chapter", "").isdigit():
        initial["chapters"] = [int(request.GET["chapter"])]
    allow_national = selectors.is_district_reviewer(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, book=book, allow_national=allow_national,
                      initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload_file = d.get("file")
        try:
            resource = actions.resource_create(
                contributor=request.user, type=d["type"], title=d["title"], description=d["description"],
                authors=d["authors"], level=d["level"], sharing=d["sharing"], licence=d["licence"],
                chapters=d.get("chapters") or [], knowledge_points=d.get("knowledge_points") or [],
                tags=form.tag_list(), external_url=d.get("external_url") or "", upload=upload_file,
                upload_name=upload_file.name if upload_file else "", submit=d.get("submit_now", False))
        except actions.ResourceError as exc:
            _add_error(form, exc)
        else:
            if resource.status == Status.DRAFT:
                messages.success(request, _("已保存为草稿。确认无误后请提交审核。"))
            else:
                messages.success(request, _("上传成功，已提交%(who)s审核。审核通过后其他老师和学生才能看到。") % {
                    "who": _("学校") if resource.status == Status.PENDING_SCHOOL else _("区县")})
            return redirect("resources:detail", pk=resource.pk)
    books = Book.objects.select_related("stage", "subject", "edition")
    return _render(request, "resources/upload.html", "upload", {"form": form, "book": book, "books": books, "editing": None})


@contributor_required
def edit(request, pk: int):
    resource = selectors.access_resource(request.user, pk)
    if not selectors.can_edit(request.user, resource):
        raise Http404("not editable")
    book = _book_for(request, resource)
    initial = {"title": resource.title, "description": resource.description, "authors": resource.authors,
               "sharing": resource.sharing, "licence": resource.licence, "tags": " ".join(resource.tags or []),
               "external_url": resource.external_url, "chapters": list(resource.chapters.values_list("pk", flat=True)),
               "knowledge_points": list(resource.knowledge_points.values_list("pk", flat=True))}
    form = UploadForm(request.POST or None, request.FILES or None, book=book, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload_file = d.get("file")
        try:
            actions.resource_update(
                actor=request.user, resource=resource, title=d["title"], description=d["description"],
                authors=d["authors"], sharing=d["sharing"], licence=d["licence"],
                chapters=d.get("chapters") if "chapters" in form.fields else None,
                knowledge_points=d.get("knowledge_points") if "knowledge_points" in form.fields else None,
                tags=form.tag_list(), external_url=d.get("external_url") or "", upload=upload_file,
                upload_name=upload_file.name if upload_file else "")
            if request.POST.get("resubmit"):
                actions.resource_submit(actor=request.user, resource=resource)
        except actions.ResourceError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已重新提交审核。") if request.POST.get("resubmit") else _("已保存。"))
            return redirect("resources:detail", pk=resource.pk)
    books = Book.objects.select_related("stage", "subject", "edition")
    return _render(request, "resources/upload.html", "upload", {"form": form, "book": book, "books": books, "editing": resource})


@contributor_required
@require_POST
def submit(request, pk: int):
    resource = selectors.access_resource(request.user, pk)
    try:
        actions.resource_submit(actor=request.user, resource=resource)
        messages.success(request, _("已提交审核。"))
    except actions.ResourceError as exc:
        messages.error(request, exc.message)
    return redirect("resources:detail", pk=pk)


@contributor_required
@require_POST
def withdraw(request, pk: int):
    resource = selectors.access_resource(request.user, pk)
    try:
        actions.resource_withdraw(actor=request.user, resource=resource)
        messages.success(request, _("已撤回。修改后可以重新提交审核。"))
    except actions.ResourceError as exc:
        messages.error(request, exc.message)
    return redirect("resources:detail", pk=pk)


@reviewer_required
@require_POST
def review(request, pk: int):
    resource = selectors.access_resource(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结论。"))
        return redirect("resources:detail", pk=pk)
    try:
        actions.resource_review(reviewer=request.user, resource=resource, decision=form.cleaned_data["decision"],
                                reason=form.cleaned_data["reason"])
    except actions.ResourceError as exc:
        messages.error(request, exc.message)
        return redirect("resources:detail", pk=pk)
    messages.success(request, _("已处理《%(t)s》。") % {"t": resource.title})
    return redirect("resources:review_queue")


@reviewer_required
def review_queue(request):
    tab = request.GET.get("tab", "resources")
    ctx = {"tab": tab}
    if tab == "comments":
        ctx["page"] = _page(request, selectors.pending_comments(request.user).order_by("created_at", "pk"))
    else:
        ctx["page"] = _page(request, selectors.review_queue(request.user))
    return _render(request, "resources/review_queue.html", "review", ctx)


# --- use ------------------------------------------------------------------------------------------------

@login_required
@require_POST
def favourite(request, pk: int):
    resource = selectors.access_resource(request.user, pk)
    try:
        if request.POST.get("remove"):
            actions.favourite_remove(user=request.user, resource=resource)
            messages.info(request, _("已取消收藏。"))
        else:
            actions.favourite_add(user=request.user, resource=resource)
            messages.success(request, _("已收藏。"))
    except actions.ResourceError as exc:
        messages.error(request, exc.message)
    return redirect("resources:detail", pk=pk)


@login_required
@require_POST
def rate(request, pk: int):
    resource = selectors.access_resource(request.user, pk)
    raw = request.POST.get("score", "")
    try:
        actions.rating_set(user=request.user, resource=resource, score=int(raw) if raw.isdigit() else 0)
        messages.success(request, _("感谢评分！"))
    except actions.ResourceError as exc:
        messages.error(request, exc.message)
    return redirect("resources:detail", pk=pk)


@login_required
@require_POST
def comment(request, pk: int):
    resource = selectors.access_resource(request.user, pk)
    try:
        c = actions.comment_add(user=request.user, resource=resource, body=request.POST.get("body", ""))
        if c.status == CommentStatus.PENDING:
            messages.success(request, _("评论已提交，审核后显示。"))
        else:
            messages.success(request, _("评论已发表。"))
    except actions.ResourceError as exc:
        messages.error(request, exc.message)
    return redirect(f"/resources/{pk}/#comments")


@reviewer_required
@require_POST
def comment_moderate(request, comment_id: int):
    c = get_object_or_404(Comment.objects.select_related("resource"), pk=comment_id)
    if not selectors.can_moderate(request.user, c.resource):
        raise Http404("not found")
    try:
        actions.comment_moderate(moderator=request.user, comment=c, status=request.POST.get("status", ""))
        messages.success(request, _("评论已处理。"))
    except actions.ResourceError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/resources/") else "resources:review_queue")


# --- mine ---------------------------------------------------------------------------------------------

@contributor_required
def mine(request):
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    return _render(request, "resources/mine.html", "mine", {
        "page": _page(request, selectors.my_uploads(request.user, status=status or None)),
        "status": status, "statuses": Status.choices,
    })


@login_required
def favourites(request):
    tab = request.GET.get("tab", "favourites")
    qs = selectors.user_history(request.user) if tab == "history" else selectors.user_favourites(request.user)
    return _render(request, "resources/favourites.html", "favourites",
                   {"tab": tab, "page": _card_page(request, qs, lambda row: row.resource)})


@contributor_required
def points(request):
    return _render(request, "resources/points.html", "points", {
        "balance": selectors.points_balance(request.user),
        "page": _page(request, selectors.points_ledger(request.user), size=50),
    })


@login_required
def subscriptions(request):
    user = request.user
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            chapter = subject = author = None
            grade = None
            if kind == SubscriptionKind.CHAPTER:
                cid = request.POST.get("chapter", "")
                chapter = Chapter.objects.filter(pk=cid).first() if cid.isdigit() else None
            elif kind == SubscriptionKind.SUBJECT_GRADE:
                sid = request.POST.get("subject", "")
                subject = Subject.objects.filter(pk=sid).first() if sid.isdigit() else None
                g = request.POST.get("grade", "")
                grade = int(g) if g.isdigit() and 1 <= int(g) <= 12 else None
            elif kind == SubscriptionKind.AUTHOR:
                aid = request.POST.get("author", "")
                r = selectors.published_resources(user).filter(contributor_id=aid).first() if aid.isdigit() else None
                author = r.contributor if r else None
            actions.subscription_create(user=user, kind=kind, chapter=chapter, subject=subject, grade_level=grade,
                                        author=author, query=request.POST.get("query", ""))
            messages.success(request, _("订阅成功。有新资源时会出现在“为我推荐”。"))
        except actions.ResourceError as exc:
            messages.error(request, exc.message)
        nxt = request.POST.get("next", "")
        return redirect(nxt if nxt.startswith("/resources/") else "resources:subscriptions")
    unseen = selectors.feed_unseen_count(user)
    ctx = {
        "subs": selectors.user_subscriptions(user),
        "page": _resource_card_page(request, selectors.subscription_feed(user)),
        "unseen": unseen,
        "subjects": Subject.objects.all(),
        "grades": range(1, 13),
    }
    if unseen:
        actions.feed_mark_seen(user=user)
    return _render(request, "resources/subscriptions.html", "subscriptions", ctx)


@login_required
@require_POST
def subscription_delete(request, sub_id: int):
    actions.subscription_delete(user=request.user, subscription_id=sub_id)
    messages.info(request, _("已取消订阅。"))
    return redirect("resources:subscriptions")


@login_required
def notifications(request):
    """The old inbox address: notifications now live in the one inbox."""
    return redirect("web:inbox")
