"""The chat page of the preview: static files, the files the bot sent, and a small JSON API.

GET  /                 the page
GET  /static/<file>    its script, style and the Khmer font (shipped with the app, not fetched)
GET  /files/<file_id>  a photo, audio, voice or document the bot sent (or a person's voice)
GET  /api/state?after=N  everything to draw, when it has changed since version N (long poll)
GET  /api/words   the page's own words, per language (content/<lang>/preview.po)
POST /api/send    {"persona", "text"}
POST /api/press   {"persona", "message_id", "data"}
POST /api/voice   {"persona", "mime_type", "data"}: a recording (base64) sent as a voice message
POST /api/advance {"step": "hour" | "day" | "week"}

The POSTs need the header ``X-Preview: 1``: a web page of another origin cannot send it without
a CORS preflight, which this server never grants, so other sites cannot drive the preview.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tornado.web

from preview.session import Preview, PreviewError

STATIC_DIR = Path(__file__).resolve().parent / "static"
LONG_POLL_SECONDS = 20.0


def font_path() -> Path:
    """Noto Sans Khmer from its PyPI package (the same font the report charts use)."""
    from fontpkg_noto_sans_khmer import ROOT

    return next((Path(ROOT) / "files").glob("NotoSansKhmer*.ttf"))


class _Base(tornado.web.RequestHandler):
    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def set_default_headers(self) -> None:
        # Everything the page needs is served from here; nothing may be fetched from elsewhere.
        self.set_header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; media-src 'self'; "
            "style-src 'self'; script-src 'self'; font-src 'self'",
        )
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-store")


class PageHandler(_Base):
    """The chat page."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((STATIC_DIR / "index.html").read_bytes())


class FontHandler(_Base):
    """The Khmer web font."""

    def get(self) -> None:
        self.set_header("Content-Type", "font/ttf")
        self.set_header("Cache-Control", "max-age=86400")
        self.finish(font_path().read_bytes())


class FileHandler(_Base):
    """A file the bot sent (photo, audio, document)."""

    def get(self, file_id: str) -> None:
        stored = self.preview.telegram.files.get(file_id)
        if stored is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", stored.mime_type)
        if file_id.startswith("document-"):
            name = stored.name.replace('"', "")
            self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish(stored.content)


class StateHandler(_Base):
    """Everything to draw, as soon as it differs from the page's version."""

    async def get(self) -> None:
        try:
            after = int(self.get_query_argument("after", "-1"))
        except ValueError:
            after = -1
        await self.preview.telegram.wait_for_change(after, LONG_POLL_SECONDS)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(self.preview.state(), ensure_ascii=False))


class WordsHandler(_Base):
    """The page's own words in every language (from content/<lang>/preview.po)."""

    def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(self.preview.words(), ensure_ascii=False))


class ActionHandler(_Base):
    """One thing a person did on the page."""

    def post(self, action: str) -> None:
        if self.request.headers.get("X-Preview") != "1":
            raise tornado.web.HTTPError(403)
        try:
            body: Any = json.loads(self.request.body or b"{}")
            if not isinstance(body, dict):
                raise PreviewError("expected an object")
            if action == "send":
                self.preview.send(body.get("persona"), body.get("text"))
            elif action == "press":
                self.preview.press(body.get("persona"), body.get("message_id"), body.get("data"))
            elif action == "advance":
                self.preview.advance(body.get("step"))
            elif action == "voice":
                persona, data = body.get("persona"), body.get("data")
                self.preview.send_voice(persona, data, body.get("mime_type"))
            else:
                raise tornado.web.HTTPError(404)
        except (ValueError, PreviewError) as error:
            self.set_status(400)
            self.finish({"ok": False, "error": str(error)})
            return
        self.finish({"ok": True})


def page_routes(preview: Preview) -> list[Any]:
    """The page's URL patterns, for a tornado ``Application``."""
    args = {"preview": preview}
    return [
        (r"/", PageHandler, args),
        (r"/static/khmer.ttf", FontHandler, args),
        (r"/static/(app\.js|style\.css)", tornado.web.StaticFileHandler, {"path": STATIC_DIR}),
        (r"/files/([\w-]+)", FileHandler, args),
        (r"/api/state", StateHandler, args),
        (r"/api/words", WordsHandler, args),
        (r"/api/(send|press|advance|voice)", ActionHandler, args),
    ]
