"""Pagination for the shelf catalogue: how many pages a listing fills and what is on each."""

from shelf.listing import pages
from shelf.paging import page_count, page_of

__all__ = ["page_count", "page_of", "pages"]
