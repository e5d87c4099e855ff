# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running Slurm client commands (standard library only).

A runner is any callable ``run(argv) -> (rc, stdout, stderr)``: ``AnsibleModule.run_command`` in
modules, ``subprocess`` or ``docker exec`` in benchmarks, a fake in tests. ``SlurmCommand`` keeps
the exact command lines it ran in ``commands`` (what modules return).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex

# (substring of the output, clear message); the first match wins.
_COMMON_ERRORS = (
    ("Unable to contact slurm controller",
     "slurmctld is not reachable (is it running, and is slurm.conf/munge correct on this host?)"),
    ("Connection refused", "the Slurm daemon refused the connection (is slurmdbd/slurmctld running?)"),
    ("Problem talking to the database",
     "slurmdbd cannot reach its database (is MariaDB/MySQL running and StoragePass right?)"),
    ("Access/permission denied", "permission denied: run as root or a Slurm administrator"),
    ("Only admins/operators/coordinators", "permission denied: run as root or a Slurm administrator"),
)


class SlurmCommandError(Exception):
    """A Slurm command failed; ``message`` is the readable cause, ``cmd``/``rc``/``stderr`` the facts."""

    def __init__(self, message, cmd=None, rc=None, stdout="", stderr=""):
        super(SlurmCommandError, self).__init__(message)
        self.message = message
        self.cmd = cmd
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


def command_line(argv):
    """A shell-quoted string for an argv list, as shown to users."""
    return " ".join(shlex.quote(str(a)) for a in argv)


class SlurmCommand(object):
    """Base for the sacctmgr/scontrol wrappers: run, record, classify errors."""

    def __init__(self, run, binary, known_errors=()):
        self._run = run
        self.binary = binary
        self.commands = []  # command lines run that change state
        self.calls = 0  # every invocation, reads included
        self._known_errors = tuple(known_errors) + _COMMON_ERRORS

    def line(self, args):
        """The command line ``args`` would run, for check mode."""
        return command_line([self.binary] + list(args))

    def execute(self, args, change=False, ok_rc=(0,)):
        """Run ``binary args``; returns stdout. Raises SlurmCommandError with a clear message."""
        argv = [self.binary] + list(args)
        self.calls += 1
        if change:
            self.commands.append(command_line(argv))
        rc, out, err = self._run(argv)
        if rc not in ok_rc:
            raise SlurmCommandError(self.explain(out, err, rc), command_line(argv), rc, out, err)
        return out

    def explain(self, out, err, rc):
        text = "%s\n%s" % (err or "", out or "")
        for needle, message in self._known_errors:
            if needle.lower() in text.lower():
                detail = " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
                return "%s [%s]" % (message, detail)
        detail = (err or out or "").strip() or "no output"
        return "%s failed (rc=%s): %s" % (self.binary, rc, detail)
