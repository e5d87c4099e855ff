# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m`` and zipapp entry point (relative import: the package may sit at any path in a zipapp)."""

import sys

from .cli import main

sys.exit(main())
