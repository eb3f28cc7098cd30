"""The resource page shows a PDF in an <iframe> of our own page: the file may be framed by the same origin —
X-Frame-Options: DENY used to leave that frame blank — and by no other site (issue 11, security headers)."""


def _policy(resp) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in resp["Content-Security-Policy"].split(";"))}


def test_a_pdf_may_be_framed_by_our_own_resource_page_only(lib, client_as):
    r = lib.make(title="勾股定理", file=("勾股定理.pdf", lib.samples.pdf("勾股定理")))
    f = r.files.get()
    client = client_as(r.contributor)
    page = client.get(f"/resources/{r.pk}/")
    assert f'src="/resources/{r.pk}/files/{f.pk}/"' in page.content.decode()  # the viewer <iframe>
    assert _policy(page)["frame-ancestors"] == ["'none'"] and page["X-Frame-Options"] == "DENY"

    resp = client.get(f"/resources/{r.pk}/files/{f.pk}/")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp["X-Frame-Options"] == "SAMEORIGIN"
    csp = _policy(resp)
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["object-src"] == ["'none'"]  # the rest of the site's policy
