"""One page of a longer list, as every list of the hub shows it."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(value, last: int = 10_000) -> int:
    """A page number from a URL argument: anything that is not a positive whole number is page 1."""
    text = str(value or "1").strip()
    return min(max(int(text), 1), last) if text.isascii() and text.isdigit() and len(text) < 7 else 1
