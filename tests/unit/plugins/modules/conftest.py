# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() with arguments and a fake ``run_command``; return its JSON result."""

from __future__ import annotations

import json
import os
import sys
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slurm"))


@pytest.fixture
def run_module(capsys):
    def run(module, args, runner, check_mode=False, diff=False):
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(args), \
                mock.patch.object(basic.AnsibleModule, "run_command", lambda self, argv, **kw: runner(argv)), \
                pytest.raises(SystemExit):
            module.main()
        return json.loads(capsys.readouterr().out)
    return run
