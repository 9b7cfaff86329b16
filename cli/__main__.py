"""``python -m cli``: the same as the ``ipqa`` script."""

import sys

from cli.main import main

sys.exit(main())
