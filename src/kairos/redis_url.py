"""``KAIROS_REDIS_URL`` read when the settings are: a URL the Redis client cannot read stops the
start in one line naming the variable, before anything runs (it raised from the Redis client once
``kairos serve`` had migrated the database and was starting its app, a traceback and exit 3)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator


def checked(url: str) -> str:
    """``url`` if the Redis client can read it; else ValueError saying why (its password hidden).

    >>> checked("redis://localhost:6379/0")
    'redis://localhost:6379/0'
    >>> checked("localhost:6379")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'localhost:6379' is not a Redis URL: give one such as redis://localhost:6379/0 ...
    """
    if not url:  # unset: the in-process bus
        return url
    shown = re.sub(r"(?<=:)[^:@/]*(?=@)", "***", url)[:80]
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError(
            f"{shown!r} is not a Redis URL: give one such as redis://localhost:6379/0 "
            "(rediss:// for TLS, unix:// for a socket)"
        )
    try:
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise ValueError(f"{shown!r} has a port that is not a number from 0 to 65535") from None
    return url


#: A setting's Redis URL, read as :func:`checked` says (``KAIROS_REDIS_URL``).
RedisUrl = Annotated[str, AfterValidator(checked)]
