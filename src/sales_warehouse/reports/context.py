"""What a component needs while a page renders: where the page sits in the site (for relative links),
which pages exist, the currency, and the blocks of HTML it has produced.

Components return a placeholder token, not HTML, so the markdown pass never touches chart or table
markup; render.py puts the HTML back after the markdown is converted.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

BLOCK_START, BLOCK_END = "\x02", "\x03"


class ComponentError(ValueError):
    """A component was called wrongly (unknown column, format, option); the message says how."""


@dataclass
class RenderContext:
    page_path: str = "index.html"
    pages: dict[str, str] = field(default_factory=dict)  # page key ('reps/3') -> file ('reps/3.html')
    currency: str = "¥"
    blocks: list[tuple[str, bool]] = field(default_factory=list)  # (html, is_block)

    def place(self, html: str, block: bool = True) -> str:
        self.blocks.append((html, block))
        return f"{BLOCK_START}{len(self.blocks) - 1}{BLOCK_END}"

    def href(self, key: str) -> str | None:
        """The relative link from this page to the page with `key`, or None if no such page was built."""
        key = key.strip("/").removesuffix(".html").removesuffix(".md")
        target = self.pages.get(key) or self.pages.get(f"{key}/index")
        if target is None:
            return None
        return posixpath.relpath(target, posixpath.dirname(self.page_path) or ".")

    def asset(self, name: str) -> str:
        return posixpath.relpath(f"assets/{name}", posixpath.dirname(self.page_path) or ".")
