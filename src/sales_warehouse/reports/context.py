"""What a component needs while a page renders: where the page sits in the site (for relative links),
which pages exist, the currency, and the blocks of HTML it has produced.

Components return a placeholder token, not HTML, so the markdown pass never touches chart or table
markup; render.py puts the HTML back after the markdown is converted.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

BLOCK_START, BLOCK_END = "\x02", "\x03"


class ComponentError(ValueError):
    """A component was called wrongly (unknown column, format, option); the message says how."""


@dataclass
class RenderContext:
    page_path: str = "index.html"
    pages: dict[str, str] = field(default_factory=dict)  # page key ('reps/3') -> file ('reps/3.html')
    currency: str = "¥"
    strict_links: bool = True  # a link to a page that is not built is an error (not in a role's site)
    # (html, kind); a chart's html is a function of the width it is drawn at
    blocks: list[tuple[str | Callable[[float], str], str]] = field(default_factory=list)

    def place(self, html: str | Callable[[float], str], kind: str = "wide") -> str:
        """kind: 'inline' (inside text), 'card' and 'chart' (side by side with their own kind when
        written next to each other) or 'wide' (a table: a line of its own)."""
        self.blocks.append((html, kind))
        return f"{BLOCK_START}{len(self.blocks) - 1}{BLOCK_END}"

    def href(self, key: str) -> str | None:
        """The relative link from this page to the page with `key`, or None if no such page was built."""
        key = key.removesuffix(".html").removesuffix(".md")
        if key.startswith(("./", "../")):  # relative to this page; otherwise from the site's root
            key = posixpath.normpath(posixpath.join(posixpath.dirname(self.page_path), key))
        key = key.strip("/")
        target = self.pages.get(key) or self.pages.get(f"{key}/index")
        if target is None:
            return None
        return posixpath.relpath(target, posixpath.dirname(self.page_path) or ".")

    def page_link(self, target: str) -> str | None:
        """A markdown link's href; a page that does not exist fails (or, in a role's site, where
        pages are left out, gives None: the link's text stays without a link)."""
        href = self.href(target)
        if href is None and self.strict_links:
            raise ComponentError(f"link to {target!r}: no such page in reports/")
        return href

    def asset(self, name: str) -> str:
        return posixpath.relpath(f"assets/{name}", posixpath.dirname(self.page_path) or ".")
