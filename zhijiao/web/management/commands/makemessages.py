"""makemessages for zhijiao: also extracts `_lazy("…")` (gettext_lazy imported as _lazy beside gettext as _)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = makemessages.Command.xgettext_options + ["--keyword=_lazy"]
