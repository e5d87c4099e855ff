# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of hpcstack.cluster.program: build a host program into a zipapp here, copy it there."""

from __future__ import annotations

import os
import shutil
import tempfile

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import _zipapp

ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "dest": {"type": "path", "required": True},
    "interpreter": {"type": "str", "default": "/usr/bin/python3"},
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "mode": {"type": "raw", "default": "0755"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            data, names = _zipapp.build(args["name"], args["interpreter"])
        except _zipapp.ZipappError as exc:
            raise AnsibleActionFail("cannot build the program %s: %s" % (args["name"], exc)) from None
        local_tempdir = tempfile.mkdtemp(dir=C.DEFAULT_LOCAL_TMP)
        try:
            source = os.path.join(local_tempdir, os.path.basename(args["dest"]))
            with open(source, "wb") as handle:
                handle.write(data)
            copy_task = self._task.copy()
            copy_task.args = {"src": source, "dest": args["dest"], "mode": args["mode"]}
            copy_task.args.update({k: args[k] for k in ("owner", "group") if args[k] is not None})
            copy_action = self._shared_loader_obj.action_loader.get(
                "ansible.legacy.copy", task=copy_task, connection=self._connection, play_context=self._play_context,
                loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
            result.update(copy_action.run(task_vars=task_vars))
        finally:
            shutil.rmtree(local_tempdir, ignore_errors=True)
            self._remove_tmp_path(self._connection._shell.tmpdir)
        result["files"] = len(names)
        return result
