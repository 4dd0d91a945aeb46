"""Hostile text in an upload or in the index's metadata is shown as text, in HTML and in SVG.

Project names cannot carry markup (the name normaliser refuses it), so the payloads ride where
the syntax allows any characters: an uploaded file's name, an arbitrary-equality specifier
(`===` takes any text without spaces), a marker's string on an input line, and a marker in the
Requires-Dist of a project on the index. Each report is made through the form and the real
engine (`run.run_report`, as the worker runs it) against a test index, and every page and
fragment of it is read back: no element, attribute or script from a payload may appear.
"""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conflicts.jobs import run
from conflicts.models import Report, Status
from tests.support.fixtures import UNIVERSE
from tests.support.universe import build_index

pytestmark = pytest.mark.django_db

FORM = {"python_version": "3.11", "platform": "manylinux_2_28_x86_64", "index": "test index"}
FILE_NAME = "<img src=x onerror=alert(1)>.in"
SPECIFIER = "===\"'><script>xss=2<"  # no '/' or spaces: the line must parse as a requirement
LINE_MARKER = "<img src=x onerror=alert(3)>"
INDEX_MARKER = '"><svg onload=alert(4)>'
SVG = "{http://www.w3.org/2000/svg}"
DRAWN = {"svg", "g", "title", "a", "path", "polygon", "polyline", "ellipse", "text", "defs", "style"}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)


def assert_inert(body: str) -> None:
    """No payload became markup: only the app's own scripts, no <img>/<svg onload>, no on* handler."""
    parser = Elements()
    parser.feed(body)
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), attrs
        assert tag != "img", attrs
    assert parser.script_text == []
    for raw in ("<script>xss", "<img src=x", "<svg onload"):
        assert raw not in body


def escaped(text: str) -> list[str]:
    """The forms an escaped text may take (Django escapes ' as &#x27;, Graphviz as &#39;)."""
    once = html.escape(text, quote=True)
    return [once, once.replace("&#x27;", "&#39;"), html.escape(text, quote=False)]


def shown(text: str, body: str) -> bool:
    return any(form in body for form in escaped(text))


def submit(client, name: str, text: str) -> Report:
    response = client.post("/", {**FORM, "upload": [SimpleUploadedFile(name, text.encode())]})
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get(id=response["Location"].split("/")[2])
    run.run_report(report.id)  # the worker's job, through the real engine
    report.refresh_from_db()
    return report


def pages(client, report: Report, nodes: list[str]) -> dict[str, str]:
    urls = [f"/r/{report.id}/", f"/r/{report.id}/tree/", f"/r/{report.id}/progress/"]
    urls += [f"/r/{report.id}/node/{node}/" for node in nodes]
    answers = {}
    for url in urls:
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(url, **headers)
            assert response.status_code in (200, 286, 302), url  # 286: htmx stops polling
            if response.status_code != 302:
                answers[url + (" (htmx)" if headers else "")] = response.content.decode()
    return answers


def test_upload_name_specifier_and_marker_are_text_in_every_page_and_the_svg(client, test_index) -> None:
    text = f'djangocms-blog\ndjango{SPECIFIER}\nwagtail ; platform_release != "{LINE_MARKER}"\n'
    report = submit(client, FILE_NAME, text)
    assert report.status == Status.CONFLICT, report.error
    answers = pages(client, report, ["django", "djangocms-blog", "wagtail"])
    for body in answers.values():
        assert_inert(body)
    page = answers[f"/r/{report.id}/"]
    # The payloads are there, as text: the file name, the specifier and the marker typed.
    assert shown(FILE_NAME, page) and shown(SPECIFIER, page) and shown(LINE_MARKER, page)

    response = client.get(f"/r/{report.id}/graph.svg")
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert_svg_inert(svg)
    root = ElementTree.fromstring(svg)
    texts = " ".join(el.text or "" for el in root.iter(f"{SVG}text"))
    assert FILE_NAME in texts and SPECIFIER in texts  # drawn, as the characters typed

    status = client.get(f"/r/{report.id}/status.json")
    assert status["Content-Type"] == "application/json"
    assert FILE_NAME in json.loads(status.content)["summary"]


def assert_svg_inert(svg: str) -> None:
    root = ElementTree.fromstring(svg)  # well-formed: nothing broke out of a text or an attribute
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= DRAWN
    for el in root.iter():
        assert not any(name.rsplit("}", 1)[-1].startswith("on") for name in el.attrib), el.attrib
        for name, value in el.attrib.items():
            if name.endswith("href"):
                assert value.startswith(("/r/", "#")), value  # only the app's own links
    assert "<script" not in svg and "<img" not in svg and "<svg onload" not in svg


def test_a_marker_from_the_index_metadata_is_text(client, tmp_path: Path, settings) -> None:
    universe = {
        **UNIVERSE,
        "hostile-deps": {"1.0": {"requires": [f"asgiref>=3 ; platform_release != '{INDEX_MARKER}'"]}},
    }
    settings.RESOLVER_INDEXES = [("test index", build_index(tmp_path / "index", universe).as_uri() + "/")]
    report = submit(client, "requirements.in", "hostile-deps\nwagtail\n")
    assert report.status == Status.RESOLVED, report.error
    assert report.result["pins"]["asgiref"] == "3.8.1"
    answers = pages(client, report, ["asgiref", "hostile-deps"])
    for body in answers.values():
        assert_inert(body)
    assert any(shown(INDEX_MARKER, body) for body in answers.values()), "the marker is shown somewhere"
    graph = client.get(f"/r/{report.id}/graph.svg?focus=all").content.decode()
    assert_svg_inert(graph)
