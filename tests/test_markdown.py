"""User Markdown is rendered, and anything that could run or load is removed."""
from __future__ import annotations

import pytest

from html.parser import HTMLParser

from hub.markdown import ALLOWED_TAGS, render_markdown


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(html: str):
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "![tracker](https://tracker.example/pixel.gif)",
    '<a href="https://x.example" onclick="alert(1)">x</a>',
    "<iframe src='https://evil.example'></iframe>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
])
def test_nothing_that_runs_or_loads_survives(source):
    html = str(render_markdown(source))
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS - {"img"}, (source, html)
        assert not any(name.startswith("on") for name in attrs), (source, html)
        assert attrs.get("href", "https:").split(":")[0] in ("https", "http", "mailto"), (source, html)


def test_markdown_is_rendered_and_links_are_marked_as_user_content():
    html = str(render_markdown("# Title\n\n*Emphasis* and [a link](https://museum.example)."))
    assert "<h3>Title</h3>" in html  # the page owns h1 and h2
    assert "<em>Emphasis</em>" in html
    assert 'href="https://museum.example"' in html and "ugc" in html


def test_empty_text_gives_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""
