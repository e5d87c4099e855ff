# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m`` and zipapp entry point."""

import sys

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.cli import main

if __name__ == "__main__":
    sys.exit(main())
