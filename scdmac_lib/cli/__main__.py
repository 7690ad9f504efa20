"""``python -m scdmac_lib.cli`` is the ``scdmac`` command."""

import sys

from scdmac_lib.cli import main

sys.exit(main())
