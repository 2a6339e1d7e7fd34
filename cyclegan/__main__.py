"""``python -m cyclegan``: the same command line as the ``cyclegan`` script."""

import sys

from cyclegan.cli import main

sys.exit(main())
