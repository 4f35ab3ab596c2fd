"""Entry script of the desktop build (build.spec): the same as the `pos-app` console script."""

import sys

from pos_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
