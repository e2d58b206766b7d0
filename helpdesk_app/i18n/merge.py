"""Join a language's per-area catalogs into one dict, refusing a key defined twice."""

from __future__ import annotations

from types import ModuleType


def merge(*areas: ModuleType) -> dict[str, str]:
    catalog: dict[str, str] = {}
    for area in areas:
        twice = catalog.keys() & area.CATALOG.keys()
        if twice:
            raise ValueError(f"{area.__name__} redefines {sorted(twice)}")
        catalog.update(area.CATALOG)
    return catalog
