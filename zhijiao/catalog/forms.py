from django import forms
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 10 * 1024 * 1024


class CatalogImportForm(forms.Form):
    file = forms.FileField(label=_("目录文件"), help_text=_("JSON 或 Excel（.xlsx），不超过 10 MB"))
    dry_run = forms.BooleanField(label=_("只检查，不导入（试导入）"), required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".json", ".xlsx")):
            raise forms.ValidationError(_("只支持 .json 或 .xlsx 文件。"))
        if f.size > MAX_BYTES:
            raise forms.ValidationError(_("文件太大：不能超过 10 MB。"))
        return f
