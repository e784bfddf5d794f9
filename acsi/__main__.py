"""``python -m acsi``: the same as the ``acsi`` command."""

from __future__ import annotations

import sys

from acsi.cli import main

if __name__ == "__main__":
    sys.exit(main())
