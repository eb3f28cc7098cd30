from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.catalog.models import Book, Chapter, KnowledgePoint
from zhijiao.resources.models import Level, Licence, ResourceType, Sharing


class UploadForm(forms.Form):
    type = forms.ChoiceField(label=_("资源类型"), choices=ResourceType.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    authors = forms.CharField(label=_("作者"), max_length=200, required=False,
                              help_text=_("不填则为上传者本人；多位作者用逗号分隔"))
    level = forms.ChoiceField(label=_("资源级别"), choices=[(Level.SCHOOL, Level.SCHOOL.label),
                                                          (Level.DISTRICT, Level.DISTRICT.label)],
                              help_text=_("校级资源由本校审核，区级资源由区县审核"))
    sharing = forms.ChoiceField(label=_("共享范围"), choices=Sharing.choices, initial=Sharing.DISTRICT,
                                help_text=_("审核通过后谁能看到"))
    licence = forms.ChoiceField(label=_("许可方式"), choices=Licence.choices, initial=Licence.CC_BY_NC)
    chapters = forms.ModelMultipleChoiceField(label=_("章节"), queryset=Chapter.objects.none(), required=False,
                                              widget=forms.SelectMultiple(attrs={"size": 8}))
    knowledge_points = forms.ModelMultipleChoiceField(label=_("知识点"), queryset=KnowledgePoint.objects.none(),
                                                      required=False, widget=forms.SelectMultiple(attrs={"size": 5}))
    tags = forms.CharField(label=_("标签"), max_length=200, required=False, help_text=_("用空格或逗号分隔"))
    external_url = forms.URLField(label=_("外部链接地址"), required=False, assume_scheme="https",
                                  help_text=_("类型为“外部链接”时填写"))
    file = forms.FileField(label=_("文件"), required=False,
                           help_text=_("PDF、Word、PowerPoint、Excel、MP4 视频、MP3 音频、PNG/JPEG 图片"))
    submit_now = forms.BooleanField(label=_("上传后立即提交审核"), required=False, initial=True)

    def __init__(self, *args, book: Book | None = None, allow_national: bool = False, editing: bool = False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        if book is not None:
            self.fields["chapters"].queryset = Chapter.objects.filter(book=book).order_by("path")
            self.fields["chapters"].label_from_instance = lambda c: ("　" * c.depth) + c.title
            self.fields["knowledge_points"].queryset = KnowledgePoint.objects.filter(
                subject_id=book.subject_id, stage_id=book.stage_id).order_by("code")
        else:
            del self.fields["chapters"]
            del self.fields["knowledge_points"]
        if allow_national:
            self.fields["level"].choices = Level.choices
        if editing:
            del self.fields["type"]
            del self.fields["level"]
            del self.fields["submit_now"]
            self.fields["file"].help_text = _("不选择则保留原文件")

    def tag_list(self) -> list[str]:
        raw = self.cleaned_data.get("tags", "") or ""
        return [t for t in raw.replace("，", " ").replace(",", " ").split() if t]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), choices=[("approved", _("通过")), ("changes_requested", _("退回修改")),
                                                           ("rejected", _("不通过"))], widget=forms.RadioSelect)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             help_text=_("退回修改或不通过时必填"))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("发表评论"), widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
                           max_length=1000)
