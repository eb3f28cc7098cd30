"""Client credentials for the learning record store (/xapi/): district admins register and revoke them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.records.actions import lrs_client_create, lrs_client_revoke
from zhijiao.records.forms import ClientForm
from zhijiao.records.selectors import can_manage_clients, lrs_clients


@login_required
def clients(request):
    if not can_manage_clients(request.user):
        raise Http404
    form = ClientForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issued = lrs_client_create(actor=request.user, name=form.cleaned_data["name"],
                                           scopes=form.cleaned_data["scopes"])
            except ValueError as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                form = ClientForm()
        else:
            status = 400
    return render(request, "records/clients.html",
                  {"form": form, "issued": issued, "clients": lrs_clients(request.user),
                   "endpoint": request.build_absolute_uri("/xapi/")}, status=status)


@login_required
@require_POST
def client_revoke(request, client_id: int):
    client = lrs_clients(request.user).filter(pk=client_id).first()
    if client is None:
        raise Http404
    lrs_client_revoke(actor=request.user, client=client)
    messages.success(request, _("已吊销客户端「%(name)s」。") % {"name": client.name})
    return redirect("records:clients")
