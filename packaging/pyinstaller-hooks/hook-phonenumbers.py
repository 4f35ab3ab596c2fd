"""phonenumbers for Facet's desktop build (replaces the stock hook, which takes every module).

phonenumbers loads its per-region metadata modules by name. Facet parses,
checks and formats numbers, which needs `data` and `shortdata`; the geocoder,
carrier and time-zone data (~45 MB) are left out.
"""

from PyInstaller.utils.hooks import collect_submodules

_UNUSED = ("phonenumbers.geodata", "phonenumbers.carrierdata", "phonenumbers.tzdata",
           "phonenumbers.geocoder", "phonenumbers.carrier", "phonenumbers.timezone")

hiddenimports = collect_submodules("phonenumbers", filter=lambda name: not name.startswith(_UNUSED))
excludedimports = list(_UNUSED)
