"""Tables that fit a terminal: light borders, and every column wraps instead of cutting its text
("anony..."), so an 80-column terminal shows every character."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.table import Table


def table(
    *columns: str, title: str | None = None, right: Iterable[str] = (), show_header: bool = True
) -> Table:
    """A table with these columns (those named in ``right`` right-aligned), folding long cells.

    >>> import io
    >>> from rich.console import Console
    >>> t = table("who", "what", right=("what",))
    >>> t.add_row("anonymous-client-with-a-long-name", "42")
    >>> console = Console(width=20, file=io.StringIO())
    >>> console.print(t)
    >>> text = console.file.getvalue()
    >>> "anonymous-c" in text and "a-long-name" in text and "…" not in text
    True
    """
    aligned = set(right)
    out = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_header=show_header,
        title_justify="left",
    )
    for name in columns:
        out.add_column(name, justify="right" if name in aligned else "left", overflow="fold")
    return out
