"""IP addresses and CIDR blocks, parsed with the leniency and the errors of event-ruler.

Only strings that look like an address (dotted quad, or hex digits and colons) are parsed;
anything else is "Nonstandard". Addresses compare by value, so textual IPv6 variants match.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["CidrError", "IpRange", "parse_cidr", "parse_ip"]

_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_INT32 = re.compile(r"[+-]?[0-9]+")

IpRange = tuple[int, int, int]
"""(version, lowest, highest) with both ends included."""


class CidrError(ValueError):
    """A malformed CIDR value; ``str()`` is event-ruler's reason text."""


def parse_ip(text: str) -> tuple[int, int] | None:
    """``(version, address)`` when the text is an IP address literal, else ``None``."""
    if _IPV4.fullmatch(text):
        octets = [int(part) for part in text.split(".")]
        if any(octet > 255 for octet in octets):
            return None
        return 4, int.from_bytes(bytes(octets), "big")
    if _IPV6.fullmatch(text):
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            return None
        mapped = address.ipv4_mapped
        if mapped is not None:  # Java hands IPv4-mapped addresses back as IPv4
            return 4, int(mapped)
        return 6, int(address)
    return None


def parse_cidr(text: str) -> IpRange:
    """The addresses a ``{"cidr": ...}`` value covers; raises ``CidrError``."""
    parts = text.split("/")
    while parts and not parts[-1]:  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        raise CidrError("Malformed CIDR, one '/' required")
    address_text, mask_text = parts
    if not _INT32.fullmatch(mask_text) or not -(2**31) <= int(mask_text) < 2**31:
        raise CidrError("Malformed CIDR, mask bits must be an integer")
    mask = int(mask_text)
    if mask < 0:
        raise CidrError("Malformed CIDR, mask bits must not be negative")
    parsed = _address_for_cidr(address_text)
    version, address = parsed
    width = 32 if version == 4 else 128
    if mask > width - 1:
        raise CidrError(f"IPv{version} mask bits must be < {width}")
    host_bits = (1 << (width - mask)) - 1
    return version, address & ~host_bits, address | host_bits


def _address_for_cidr(text: str) -> tuple[int, int]:
    looks_like_ip = bool(_IPV4.fullmatch(text) or _IPV6.fullmatch(text))
    if not looks_like_ip:
        raise CidrError(f"Nonstandard IP address: {text}")
    parsed = parse_ip(text)
    if parsed is None:
        raise CidrError(f"Invalid IP address: {text}")
    return parsed
