"""`python -m costmodel`: the command line."""

import sys

from costmodel.cli import main

sys.exit(main())
