"""Links in plain text: made clickable, and never a way to put markup or script in a page."""

import pytest
from bs4 import BeautifulSoup, NavigableString, Tag
from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import Markup

from server.campaigns.text import linkify

REL = "nofollow noopener noreferrer ugc"


def parsed(text: str) -> Tag:
    """What a page's parser makes of linkify's output. Inside <pre>, as comments are shown
    with their spaces and line breaks kept (Beautiful Soup would otherwise merge the spaces
    between two links)."""
    found = BeautifulSoup(f"<pre>{linkify(text)}</pre>", "html.parser").pre
    assert isinstance(found, Tag)
    return found


def links(text: str) -> list[tuple[str, str]]:
    """(href, words) of every link linkify makes in `text`."""
    return [(str(a["href"]), a.get_text()) for a in parsed(text).find_all("a")]


def check_safe(text: str) -> None:
    """Only text and links to http(s) addresses; the words are exactly what was typed."""
    soup = parsed(text)
    assert soup.parent is not None and len(soup.parent.contents) == 1  # nothing escaped <pre>
    for node in soup.descendants:
        if isinstance(node, Tag):
            assert node.name == "a", node
            assert set(node.attrs) == {"href", "rel"}
            assert " ".join(node["rel"]) == REL
            href = str(node["href"])
            assert href.startswith(("http://", "https://")), href
            # The link goes where its words say.
            shown = node.get_text()
            assert href in (shown, "https://" + shown) or (
                href.split("://", 1)[1] == shown.split("://", 1)[1]), (href, shown)
            assert all(isinstance(child, NavigableString) for child in node.children)
        else:
            assert isinstance(node, NavigableString)
            assert type(node) is NavigableString, type(node)  # no comments, doctypes, CDATA
    assert soup.get_text() == text


def test_it_is_markup_that_jinja_will_not_escape_again():
    result = linkify("a & b")
    assert isinstance(result, Markup)
    assert str(result) == "a &amp; b"


@pytest.mark.parametrize(("text", "expected"), [
    ("see https://example.org/bus", [("https://example.org/bus", "https://example.org/bus")]),
    ("http://example.org", [("http://example.org", "http://example.org")]),
    ("go to www.example.org/timetable now",
     [("https://www.example.org/timetable", "www.example.org/timetable")]),
    ("HTTPS://Example.org/A", [("https://Example.org/A", "HTTPS://Example.org/A")]),
    ("two: https://a.example and http://b.example/x?y=1&z=2#top",
     [("https://a.example", "https://a.example"),
      ("http://b.example/x?y=1&z=2#top", "http://b.example/x?y=1&z=2#top")]),
    ("line one\nhttps://example.org\nline three",
     [("https://example.org", "https://example.org")]),
    ("Café: https://例え.jp/パス", [("https://例え.jp/パス", "https://例え.jp/パス")]),
])
def test_web_addresses_become_links(text, expected):
    assert links(text) == expected
    check_safe(text)


@pytest.mark.parametrize(("text", "address"), [
    ("Look at https://example.org.", "https://example.org"),
    ("https://example.org, then", "https://example.org"),
    ("Really? https://example.org?!", "https://example.org"),
    ("Done: https://example.org/a;", "https://example.org/a"),
    ("(see https://example.org/page)", "https://example.org/page"),
    ("(see https://en.wikipedia.org/wiki/Bus_(disambiguation))",
     "https://en.wikipedia.org/wiki/Bus_(disambiguation)"),
    ("https://en.wikipedia.org/wiki/Bus_(disambiguation).",
     "https://en.wikipedia.org/wiki/Bus_(disambiguation)"),
    ("'https://example.org'", "https://example.org"),
    ("[https://example.org/x]", "https://example.org/x"),
    ("https://example.org/a:", "https://example.org/a"),
])
def test_punctuation_after_an_address_stays_outside_the_link(text, address):
    assert [shown for _, shown in links(text)] == [address]
    check_safe(text)


@pytest.mark.parametrize("text", [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "ftp://example.org/file",
    "mailto:someone@example.org",
    "file:///etc/passwd",
    "//example.org/no-scheme",
    "https://",
    "https:// example.org",
    "http://.",
    "https://-",
    "https://_underscore",
    "http://(nothing)",
    "www.",
    "www..example.org",
    "xhttps://example.org",
    "someone@www.example.org",
    "/path/https://example.org",
    "example.org",
])
def test_nothing_else_is_ever_linked(text):
    assert links(text) == []
    check_safe(text)


@pytest.mark.parametrize(("text", "href"), [
    ('https://example.org/"onmouseover="alert(1)', "https://example.org/"),
    ("https://example.org/'onmouseover='alert(1)", "https://example.org/'onmouseover='alert(1)"),
    ("https://example.org/<script>alert(1)</script>", "https://example.org/"),
    ("https://example.org/&quot;onclick=alert(1)",
     "https://example.org/&quot;onclick=alert(1)"),
    ("https://example.org/\x00<b>", "https://example.org/"),
    ("https://example.org/\u2028x", "https://example.org/"),
])
def test_quotes_and_angle_brackets_never_break_out_of_the_link(text, href):
    assert [found for found, _ in links(text)] == [href]
    check_safe(text)


def test_markup_in_text_is_shown_as_typed():
    text = '<script>alert("hi")</script><img src=x onerror=alert(1)> &amp; &lt;b&gt;'
    result = str(linkify(text))
    assert "<script" not in result and "<img" not in result
    assert result == ("&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt;&lt;img src=x "
                      "onerror=alert(1)&gt; &amp;amp; &amp;lt;b&amp;gt;")
    check_safe(text)


def test_the_link_markup_is_exactly_this():
    assert str(linkify("a https://example.org/?q=1&r=2 b")) == (
        'a <a href="https://example.org/?q=1&amp;r=2" rel="nofollow noopener noreferrer ugc">'
        "https://example.org/?q=1&amp;r=2</a> b")


# Text that is mostly the characters that matter here, with addresses in it.
PIECES = st.sampled_from([
    "http://", "https://", "HTTPS://", "www.", "javascript:", "data:", "example.org", "/",
    "(", ")", "[", "]", ".", ",", ";", ":", "!", "?", "'", '"', "<", ">", "&", "&amp;", "&#0;",
    "<a href='x'>", "</a>", "<!--", "-->", "<![CDATA[", "\n", " ", "\t", "\r", "\x00", "\u00a0",
    "é", "例", "😀", "@", "#", "=", "%20",
])
TEXTS = st.one_of(st.text(), st.lists(PIECES | st.text(max_size=3)).map("".join))


@given(TEXTS)
@example("https://x.org/a_(b)).")
@example("<https://x.org>")
@example('"https://x.org"')
@example("www.x.org/a'b'")
@example("https://x.org/\r\nhttps://y.org")
def test_any_text_is_only_text_and_safe_links(text):
    check_safe(text)
