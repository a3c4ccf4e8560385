"""The markdown of report pages: the small subset analysts write around the components.

Headings (#-####), paragraphs, bullet and numbered lists, block quotes (rendered as callouts),
horizontal rules, fenced code, raw HTML lines, and inline **bold**, *italic*, `code` and
[links](other-page.md). Component placeholders (context.py) standing alone in a paragraph become
their HTML (several in a row sit side by side); inline ones are replaced inside the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from sales_warehouse.reports.context import BLOCK_END, BLOCK_START

TOKEN = re.compile(f"{BLOCK_START}(\\d+){BLOCK_END}")
HEADING = re.compile(r"^(#{1,4})\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
Linker = Callable[[str], str | None]
ROW_WIDTH, MIN_WIDTH = 960.0, 440.0  # px a chart alone in its paragraph / at least, side by side


def _inline(text: str, blocks: list[tuple[str | Callable[[float], str], str]], link: Linker) -> str:
    codes: list[str] = []

    def keep_code(match: re.Match[str]) -> str:
        codes.append(f"<code>{escape(match.group(1))}</code>")
        return f"\x01{len(codes) - 1}\x01"

    text = re.sub(r"`([^`]+)`", keep_code, text)
    text = escape(text, quote=False)

    def make_link(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            href = target
        else:
            page, _, anchor = target.partition("#")
            found = link(page)
            if found is None:  # a page left out of this site (a role's build): the text, no link
                return label
            href = found + (f"#{anchor}" if anchor else "")
        return f'<a href="{escape(href)}">{label}</a>'

    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", make_link, text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)
    text = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"<em>\1</em>", text)
    text = re.sub("\x01(\\d+)\x01", lambda match: codes[int(match.group(1))], text)
    return TOKEN.sub(lambda match: _drawn(blocks[int(match.group(1))][0], MIN_WIDTH), text)


def _drawn(block: str | Callable[[float], str], width: float) -> str:
    return block(width) if callable(block) else block


def _paragraph(text: str, blocks: list[tuple[str | Callable[[float], str], str]], link: Linker) -> str:
    """Text becomes <p>; block placeholders become their HTML, several in a row side by side (charts
    are drawn at the width their share of the row gives them)."""
    out: list[str] = []
    row: list[str | Callable[[float], str]] = []
    row_kind = ""

    def flush_row() -> None:
        if row:
            width = ROW_WIDTH if len(row) == 1 else max(MIN_WIDTH, ROW_WIDTH / len(row) - 24)
            drawn = "".join(_drawn(block, width) for block in row)
            out.append(drawn if len(row) == 1 else f'<div class="row">{drawn}</div>')
            row.clear()

    position = 0
    for match in TOKEN.finditer(text):
        html, kind = blocks[int(match.group(1))]
        if kind == "inline":
            continue
        before = text[position : match.start()]
        if before.strip():
            flush_row()
            out.append(f"<p>{_inline(before.strip(), blocks, link)}</p>")
        if kind != row_kind or kind == "wide":
            flush_row()
        row_kind = kind
        row.append(html)
        position = match.end()
    rest = text[position:]
    if rest.strip():
        flush_row()
        out.append(f"<p>{_inline(rest.strip(), blocks, link)}</p>")
    flush_row()
    return "\n".join(out)


def _heading_id(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", TOKEN.sub("", text).lower()).strip("-")


def markdown_to_html(text: str, blocks: list[tuple[str | Callable[[float], str], str]], link: Linker) -> str:
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""
    quote: list[str] = []
    lines = text.splitlines()

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            out.append(_paragraph("\n".join(paragraph), blocks, link))
            paragraph.clear()
        if items:
            rendered = "".join(f"<li>{_inline(item, blocks, link)}</li>" for item in items)
            out.append(f"<{list_tag}>{rendered}</{list_tag}>")
            items.clear()
        if quote:
            out.append(f'<div class="callout">{markdown_to_html(chr(10).join(quote), blocks, link)}</div>')
            quote.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            end = index + 1
            while end < len(lines) and not lines[end].strip().startswith("```"):
                end += 1
            out.append(f"<pre><code>{escape(chr(10).join(lines[index + 1 : end]))}</code></pre>")
            index = end + 1
            continue
        if not stripped:
            flush()
        elif stripped.startswith(">"):
            if paragraph or items:
                flush()
            content = stripped[1:]
            quote.append(content[1:] if content.startswith(" ") else content)
        elif (heading := HEADING.match(stripped)) is not None:
            flush()
            level, title = len(heading.group(1)), heading.group(2)
            out.append(f'<h{level} id="{_heading_id(title)}">{_inline(title, blocks, link)}</h{level}>')
        elif RULE.match(stripped):
            flush()
            out.append("<hr>")
        elif (bullet := BULLET.match(line) or NUMBERED.match(line)) is not None:
            tag = "ul" if BULLET.match(line) else "ol"
            if paragraph or (items and tag != list_tag):
                flush()
            list_tag = tag
            items.append(bullet.group(1))
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + stripped
        elif stripped.startswith("<") and not TOKEN.match(stripped):
            flush()
            out.append(line)
        else:
            if items or quote:
                flush()
            paragraph.append(line)
        index += 1
    flush()
    return "\n".join(out)
