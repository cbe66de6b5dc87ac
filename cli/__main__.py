"""``python -m cli``: the same as the ``clusterbridge`` command."""

import sys

from . import main

sys.exit(main())
