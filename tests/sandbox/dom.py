"""Rendered HTML as an ElementTree, so tests ask what a browser (and a screen reader) would find: the
element with this id, the label for that control, the text of a button."""

from __future__ import annotations

from html.parser import HTMLParser
from xml.etree import ElementTree

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = ElementTree.Element("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = ElementTree.SubElement(
            self.stack[-1], tag, {k: v if v is not None else "" for k, v in attrs}
        )
        if tag == "br":
            element.tail = "\n"
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def parse(html: str) -> ElementTree.Element:
    """The fragment under a `root` element; fails on a tag closed out of order."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], f"unclosed: {[e.tag for e in builder.stack[1:]]}"
    return builder.root


def text_of(element: ElementTree.Element) -> str:
    """The visible text, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


def one(root: ElementTree.Element, path: str) -> ElementTree.Element:
    found = root.findall(path)
    assert len(found) == 1, f"{len(found)} matches for {path}"
    return found[0]


def label_for(root: ElementTree.Element, control: ElementTree.Element) -> str:
    """The text of the `<label for>` naming ``control``."""
    return text_of(one(root, f".//label[@for='{control.get('id')}']"))
