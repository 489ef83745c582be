"""Answers of the server-rendered pages, each with the same security headers."""

from __future__ import annotations

from chalice.app import Response

# Scripts, styles and images only from this site, no inline code; no framing (clickjacking).
# form-action stays open: the pay form is answered with a redirect to Mollie's checkout.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
HTML = "text/html; charset=utf-8"


def cookie(name: str, value: str, *, max_age: int, path: str = "/") -> str:
    """A cookie the page's JavaScript cannot read, sent only over HTTPS and not with cross-site
    posts (SameSite=Lax still lets the link in an e-mail open the page)."""
    return f"{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; Secure; SameSite=Lax"


def page(body: str, status: int = 200, cookies: list[str] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {**SECURITY_HEADERS, "Content-Type": HTML}
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
