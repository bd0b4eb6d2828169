"""`python -m costmodel`: the program entry, a trampoline to the command line (`commands`); never imported."""

import sys

from commands import main

sys.exit(main())
