"""``python -m r2pgraph.cli``: the ``r2pgraph`` command."""

import sys

from r2pgraph.cli import main

if __name__ == "__main__":
    sys.exit(main())
