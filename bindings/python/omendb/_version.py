"""Version of the omendb Python package and the C library version it needs.

The version lives in one place, ``include/omendb.h`` (OMENDB_VERSION_STRING):
setup.py writes it into the installed package's metadata, read here; a source
tree that is not installed reads the header itself.
"""

import os
import re
from importlib import metadata


def _version() -> str:
    bindings = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    header = os.path.join(os.path.dirname(bindings), "include", "omendb.h")
    if os.path.basename(bindings) == "bindings" and os.path.exists(header):  # a checkout: the header is the truth
        with open(header, encoding="utf-8") as file:
            match = re.search(r'^#define OMENDB_VERSION_STRING "([^"]+)"', file.read(), re.M)
        if match:
            return match.group(1)
    try:
        return metadata.version("omendb")
    except metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = _version()

#: The library major (ABI) version this package is written against: the major
#: of its own version. The shared library's SONAME is ``libomendb.so.<major>``;
#: a library with another major version is refused at load time.
EXPECTED_LIBRARY_MAJOR = int(__version__.split(".")[0]) if __version__[0].isdigit() else 0
