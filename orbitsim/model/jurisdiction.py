"""Jurisdictions: which countries' ground stations a tenant's data may land in.

Alliances are named sets of ISO 3166-1 alpha-2 country codes. A tenant lists countries and/or
alliances; a station is allowed for the tenant when its country is in the union.

Sources: "Pax Silica" — the US-led trusted AI/semiconductor supply-chain alliance as described
in the project brief (USA, Japan, South Korea, Australia, UK, Israel, UAE, India); Five Eyes
(UKUSA agreement); EU member states (europa.eu, 2025); GCC (gcc-sg.org).
"""

from __future__ import annotations

from collections.abc import Iterable

ALLIANCES: dict[str, frozenset[str]] = {
    "pax-silica": frozenset({"US", "JP", "KR", "AU", "GB", "IL", "AE", "IN"}),
    "five-eyes": frozenset({"US", "GB", "CA", "AU", "NZ"}),
    "eu": frozenset({"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
                     "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES",
                     "SE"}),
    "gcc": frozenset({"AE", "SA", "QA", "KW", "BH", "OM"}),
    # A multi-vector Central Asian stance: data may land at home or with either bloc's partners
    # that Kazakhstan has data agreements with (an assumption for the scenario, not a treaty).
    "kz-multivector": frozenset({"KZ", "AE", "TR", "KR", "JP", "CN", "RU"}),
}


def allowed_countries(countries: Iterable[str] = (), alliances: Iterable[str] = ()) -> frozenset:
    """Union of explicit country codes and the members of the named alliances.

    >>> sorted(allowed_countries(["KZ"], ["gcc"]))
    ['AE', 'BH', 'KW', 'KZ', 'OM', 'QA', 'SA']
    """
    out = {c.upper() for c in countries}
    for name in alliances:
        if name not in ALLIANCES:
            raise ValueError(f"unknown alliance {name!r}; known: {', '.join(sorted(ALLIANCES))}")
        out |= ALLIANCES[name]
    return frozenset(out)
