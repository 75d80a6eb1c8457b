"""Incident keys written before IPv4-mapped IPv6 addresses were keyed as IPv4.

`::ffff:198.18.0.5` (a dual-stack server's log of an IPv4 client) used to be
keyed as Python 3.11 writes it, `::ffff:c612:5`, alone (an address key) or in
brackets (a URL key's host); it is now keyed `198.18.0.5`. Keys already stored
in the old form are rewritten once (incidents migration 0009), so the next
report of the same scanner or site joins its incident instead of opening
another. Only whole addresses are rewritten: `2001:db8::ffff:c612:5` is not
a mapped address and keeps its key.
"""

from __future__ import annotations

import ipaddress
import re

# An address key, or a URL key's bracketed host, that may be IPv4-mapped.
_MAPPED = re.compile(r"^::ffff:[0-9a-f.:]+$|\[::ffff:[0-9a-f.:]+\]", re.IGNORECASE)


def _as_ipv4(text: str) -> str:
    bare = text.strip("[]")
    try:
        address = ipaddress.IPv6Address(bare)
    except ValueError:
        return text
    return str(address.ipv4_mapped) if address.ipv4_mapped is not None else text


def rekeyed(key: str) -> str:
    """`key` with an IPv4-mapped address in it written as the IPv4 address."""
    return _MAPPED.sub(lambda match: _as_ipv4(match.group(0)), key)
