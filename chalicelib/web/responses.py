"""Answers of the server-rendered pages, each with the same security headers."""

from __future__ import annotations

from chalice.app import Response

# Scripts, styles and images only from this site, no inline code; no framing (clickjacking).
# Forms post only to this site, plus the origins a page names (default-src does not cover
# form-action): Mollie's checkout, which the pay form is redirected to, and the bucket a proof
# upload form posts to.
CSP = "default-src 'self'; form-action 'self'{targets}; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP.format(targets=""),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
HTML = "text/html; charset=utf-8"


def cookie(name: str, value: str, *, max_age: int, path: str = "/") -> str:
    """A cookie the page's JavaScript cannot read, sent only over HTTPS and not with cross-site
    posts (SameSite=Lax still lets the link in an e-mail open the page)."""
    return f"{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; Secure; SameSite=Lax"


def security_headers(form_targets: tuple[str, ...] = ()) -> dict[str, str]:
    targets = "".join(f" {t}" for t in dict.fromkeys(form_targets) if t)
    return {**SECURITY_HEADERS, "Content-Security-Policy": CSP.format(targets=targets)}


def page(
    body: str, status: int = 200, cookies: list[str] | None = None, form_targets: tuple[str, ...] = ()
) -> Response:
    headers: dict[str, str | list[str]] = {**security_headers(form_targets), "Content-Type": HTML}
    if cookies:
        headers["Set-Cookie"] = cookies
    return Response(body=body, status_code=status, headers=headers)


def redirect(location: str, cookies: list[str] | None = None) -> Response:
    """303: after a form post the browser fetches the result with GET (post-redirect-get), so a
    reload never posts twice."""
    headers: dict[str, str | list[str]] = {**SECURITY_HEADERS, "Location": location}
    if cookies:
        headers["Set-Cookie"] = cookies
    return Response(body="", status_code=303, headers=headers)


def asset(body: str, content_type: str) -> Response:
    """A static file of the pages (the stylesheet): cacheable, it holds nothing personal."""
    headers: dict[str, str | list[str]] = {
        **SECURITY_HEADERS,
        "Content-Type": content_type,
        "Cache-Control": "public, max-age=86400",
    }
    return Response(body=body, status_code=200, headers=headers)
