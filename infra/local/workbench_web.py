"""The workbench's control page and JSON API, on its own port of 127.0.0.1 (never packaged).

  GET  /                      the control page: the clock, the contact window, forms to move time
  GET  /clock                 {"now", "local", "contact_window", "dossiers"}
  POST /clock                 {"advance": "1d"} or {"to": ISO}: moves the clock, answers what ran
  GET  /outbox                every e-mail, SMS and letter the stack sent
  GET  /outbox.json           the same as JSON (e-mails with text and HTML)
  GET  /outbox/<id>.html|.txt|.pdf   one message as it went out
  POST /outbox/<id>/bounce    an SES permanent bounce of that e-mail, through `ses_feedback`
  POST /outbox/<id>/complaint an SES complaint of that e-mail, through `ses_feedback`

A malformed request gets a 4xx with {"message": ...}; the pages post forms and get pages back.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html import escape
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from infra.local.outbox import OutboxEntry
from infra.local.workbench import Workbench
from infra.local.workbench_clock import ClockRefused, target_of

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_ENTRY = re.compile(r"^/outbox/([a-z]+-[A-Za-z0-9_.-]+?)(\.html|\.txt|\.pdf|/bounce|/complaint)$")
_STATUS = {
    200: "200 OK",
    303: "303 See Other",
    400: "400 Bad Request",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
}
_MAX_BODY = 64 * 1024


class Answer:
    def __init__(
        self, status: int, body: bytes, content_type: str, headers: list[tuple[str, str]] | None = None
    ):
        self.status, self.body, self.content_type = status, body, content_type
        self.headers = headers or []


def _json(status: int, data: Any) -> Answer:
    return Answer(status, json.dumps(data, indent=2, ensure_ascii=False).encode(), "application/json")


def _refused(status: int, message: str) -> Answer:
    return _json(status, {"message": message})


def _page(title: str, body: str) -> Answer:
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.3em;text-align:left;vertical-align:top}}
.note{{background:#fff4d6;padding:.6em;border-left:4px solid #e0a800}}.ok{{background:#e8f6e8;padding:.6em}}
form{{display:inline}}pre{{background:#f6f6f6;padding:.6em;white-space:pre-wrap}}</style></head>
<body><p><a href="/">Clock</a> · <a href="/outbox">Outbox</a> · <a href="/outbox.json">outbox.json</a></p>{body}</body></html>"""
    return Answer(200, html.encode(), "text/html; charset=utf-8")


class WorkbenchApp:
    """A WSGI application over a running Workbench."""

    def __init__(self, workbench: Workbench) -> None:
        self.workbench = workbench

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            answer = self._route(environ)
        except ClockRefused as error:
            answer = _refused(400, str(error))
        headers = [
            ("Content-Type", answer.content_type),
            ("Content-Length", str(len(answer.body))),
            *answer.headers,
        ]
        start_response(_STATUS.get(answer.status, f"{answer.status} Error"), headers)
        return [answer.body]

    def _route(self, environ: dict[str, Any]) -> Answer:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        if path == "/" and method == "GET":
            return self._control_page()
        if path == "/clock":
            if method == "GET":
                return _json(200, self.workbench.status())
            if method == "POST":
                return self._move(environ)
            return _refused(405, "use GET or POST on /clock")
        if path == "/outbox" and method == "GET":
            return self._outbox_page()
        if path == "/outbox.json" and method == "GET":
            return _json(200, [e.as_json() for e in self.workbench.outbox_entries()])
        match = _ENTRY.match(path)
        if match:
            return self._entry(method, match.group(1), match.group(2), environ)
        return _refused(404, f"no page {path}; see / for the clock and /outbox for what was sent")

    # --- the clock --------------------------------------------------------------------------------

    def _move(self, environ: dict[str, Any]) -> Answer:
        form, request = _body(environ)
        target = target_of(request, self.workbench.clock())
        outcome = self.workbench.move(target)
        return self._control_page(outcome) if form else _json(200, outcome)

    def _control_page(self, moved: dict[str, Any] | None = None) -> Answer:
        status = self.workbench.status()
        window = status["contact_window"]
        counts = ", ".join(f"{n} {state}" for state, n in status["dossiers"].items()) or "none yet"
        buttons = "".join(
            f'<form method="post" action="/clock"><input type="hidden" name="advance" value="{step}">'
            f"<button>+{step}</button></form> "
            for step in ("15m", "1h", "1d", "7d", "14d", "30d")
        )
        body = f"""<h1>Debtflow workbench</h1>
<p>The stack's clock: <strong>{escape(status["local"])}</strong> Amsterdam ({escape(status["now"])})</p>
<p class="{"ok" if window["open"] else "note"}">{escape(window["note"])}</p>
<p>Dossiers: {escape(counts)}</p>
<p>Advance: {buttons}</p>
<form method="post" action="/clock">Move to <input name="to" placeholder="2026-12-01T08:30+01:00" size="28">
<button>Go</button></form>
<p>API: <code>curl -X POST -d '{{"advance": "1d"}}' http://HOST/clock</code>; <code>GET /outbox.json</code>.</p>"""
        if moved is not None:
            body += _what_happened(moved)
        return _page("Debtflow workbench", body)

    # --- the outbox -------------------------------------------------------------------------------

    def _outbox_page(self) -> Answer:
        rows = "".join(_outbox_row(e) for e in reversed(self.workbench.outbox_entries()))
        body = f"""<h1>Outbox</h1><p>Every message the local stack sent, newest first.</p>
<table><tr><th>sent</th><th>channel</th><th>client / dossier</th><th>to</th><th>subject / text</th><th></th></tr>{rows}</table>"""
        return _page("Debtflow outbox", body)

    def _entry(self, method: str, entry_id: str, what: str, environ: dict[str, Any]) -> Answer:
        if what in ("/bounce", "/complaint"):
            if method != "POST":
                return _refused(405, f"POST to {what} sends the feedback")
            form, _ = _body(environ, allow_empty=True)
            try:
                outcome = self.workbench.feedback(entry_id, what.lstrip("/"))
            except LookupError as error:
                return _refused(404, str(error.args[0]))
            if form:
                return Answer(303, b"", "text/plain", [("Location", "/outbox")])
            return _json(200, outcome)
        entry = self.workbench.outbox.find(entry_id)
        if entry is None:
            return _refused(404, f"no message {entry_id!r} in the outbox")
        if what == ".pdf" and entry.channel == "letter":
            return Answer(200, self.workbench.outbox.letter_pdf(entry), "application/pdf")
        if what == ".html" and entry.channel == "email":
            # The message's own HTML, shown as the debtor's mail program would, scripts off.
            return Answer(
                200, entry.html.encode(), "text/html; charset=utf-8", [("Content-Security-Policy", "sandbox")]
            )
        if what == ".txt" and entry.channel in ("email", "sms"):
            return Answer(200, entry.text.encode(), "text/plain; charset=utf-8")
        return _refused(404, f"a {entry.channel} has no {what} version")


def _body(environ: dict[str, Any], allow_empty: bool = False) -> tuple[bool, Any]:
    """(sent by a form?, the request): JSON bodies for the API, form fields for the pages."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ClockRefused("a request body needs a valid Content-Length") from None
    if length > _MAX_BODY:
        raise ClockRefused("the request body is too large")
    raw = environ["wsgi.input"].read(length) if length else b""
    # `curl -d '{"advance": "1d"}'` labels its JSON as a form: the body decides, not the label.
    is_form = environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
    if is_form and not raw.lstrip().startswith((b"{", b"[")):
        fields = parse_qs(raw.decode("utf-8", "replace"))
        return True, {name: values[0] for name, values in fields.items() if values and values[0]}
    if not raw and allow_empty:
        return False, {}
    try:
        return False, json.loads(raw)
    except ValueError:
        raise ClockRefused('the body must be JSON, e.g. {"advance": "1d"}') from None


def _what_happened(moved: dict[str, Any]) -> str:
    runs = (
        "".join(
            f"<li>{escape(r['local'])}: {escape(', '.join(r['ran']) or 'queues drained')}, {r['handled']} messages handled</li>"
            for r in moved["runs"]
        )
        or "<li>nothing was due</li>"
    )
    sent = (
        "".join(
            f"<li>{escape(s['channel'])} to {escape(s['to'])} ({escape(str(s['debtor_name'] or ''))}): "
            f"{escape(str(s['template'] or s['subject']))}</li>"
            for s in moved["sent"]
        )
        or "<li>no messages</li>"
    )
    stuck = "".join(
        f"<li>{escape(s['dossier'])} stays due at {escape(s['due'])}</li>" for s in moved["stuck"]
    )
    return f"""<h2>What happened</h2><p>From {escape(moved["from"])} to {escape(moved["to"])}.</p>
<ul>{runs}</ul><h3>Sent</h3><ul>{sent}</ul>{f"<h3>Stuck</h3><ul>{stuck}</ul>" if stuck else ""}"""


def _outbox_row(entry: OutboxEntry) -> str:
    s = entry.summary()
    who = f"{s['client_id']} / {s['debtor_id']} {s['debtor_name']}" if entry.recipient else "(no dossier)"
    links = {
        "email": f'<a href="/outbox/{entry.id}.txt">text</a> <a href="/outbox/{entry.id}.html">HTML</a>',
        "sms": f'<a href="/outbox/{entry.id}.txt">text</a>',
        "letter": f'<a href="/outbox/{entry.id}.pdf">PDF</a>',
    }[entry.channel]
    if entry.channel == "email":
        links += "".join(
            f' <form method="post" action="/outbox/{entry.id}/{kind}"><button>{kind}</button></form>'
            for kind in ("bounce", "complaint")
        )
    what = entry.subject if entry.channel == "email" else entry.text[:160]
    feedback = f" <em>({escape(s['feedback'])})</em>" if s["feedback"] else ""
    return (
        f"<tr><td>{escape(s['sent_at'] or '')}</td><td>{entry.channel}</td><td>{escape(who)}</td>"
        f"<td>{escape(entry.to)}</td><td>{escape(what)}{feedback}</td><td>{links}</td></tr>"
    )


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def serving(workbench: Workbench, port: int = 0) -> Iterator[str]:
    """Serve the workbench on 127.0.0.1 only; yields its base URL."""
    server = make_server(
        "127.0.0.1", port, WorkbenchApp(workbench), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="workbench", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
