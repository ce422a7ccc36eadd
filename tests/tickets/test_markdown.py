"""The markdown filter renders what customers and agents write, and never runs script."""

from html.parser import HTMLParser

import pytest

from tickets.templatetags.ticket_tags import markdown


def test_lists_code_emphasis_and_links_render():
    html = markdown(
        "Steps:\n\n1. Open *Invoices*\n2. Press **Post**\n\n- one\n- two\n\n"
        "Run `ledger --check` or:\n\n```\nSELECT 1;\n```\n\n"
        "See [the manual](https://docs.example/post) or <https://docs.example/x>."
    )
    assert "<ol>" in html and "<li>Open <em>Invoices</em></li>" in html
    assert "<strong>Post</strong>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<code>ledger --check</code>" in html
    assert "<pre><code>SELECT 1;\n</code></pre>" in html
    assert '<a href="https://docs.example/post" rel="noopener noreferrer nofollow">' in html
    assert '<a href="https://docs.example/x"' in html
    assert_harmless(html)


def test_tables_render():
    html = markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "<td>1</td>" in html


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


SAFE_TAGS = {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "br"}


def assert_harmless(html: str) -> None:
    for tag, attributes in Elements(html).found:
        assert tag in SAFE_TAGS, html
        assert not any(name.startswith("on") or name == "style" for name in attributes), html
        href = attributes.get("href", "").strip().lower()
        assert not href or href.startswith(("https:", "http:", "mailto:")), html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Hello <script>alert(1)</script> world",
        "<img src=x onerror=alert(1)>",
        '<a href="https://ok.example" onclick="alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<svg onload=alert(1)>",
    ],
)
def test_raw_html_is_shown_as_text_never_as_markup(text):
    html = markdown(text)
    assert_harmless(html)
    assert [tag for tag, _ in Elements(html).found] == ["p"]
    assert "&lt;" in html  # what was typed is kept, as text


def test_script_is_escaped_text():
    assert markdown("<script>alert(1)</script>").strip() == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](<javascript:alert(1)>)",
        "[click](java&#x73;cript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "[ref]\n\n[ref]: javascript:alert(1)",
        '[click](https://ok.example "title" onmouseover="alert(1)")',
        "![x](javascript:alert(1))",
    ],
)
def test_dangerous_links_never_become_links(text):
    html = markdown(text)
    assert_harmless(html)
    assert "javascript:" not in [attrs.get("href") for _, attrs in Elements(html).found]


def test_mail_links_are_kept():
    assert '<a href="mailto:ops@acme.example"' in markdown("[ops](mailto:ops@acme.example)")


def test_empty_text_renders_nothing():
    assert markdown("") == "" and markdown(None) == ""
