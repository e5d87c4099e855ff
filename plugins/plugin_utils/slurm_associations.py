# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The associations slurmctld enforces against the ones in the accounting database.

A slurmctld that started while slurmdbd was down runs on the associations of its state files, at times
for minutes after slurmdbd is back; one that read them while a user's name did not resolve keeps that user
without a uid (4294967294). Either way jobs are refused with "Invalid account or account/partition
combination specified" until slurmctld reads the associations again (``scontrol reconfigure``).
"""

from __future__ import annotations

import re

NO_UID = 4294967294  # Slurm's NO_VAL: the user's name did not resolve when slurmctld read the association

_ASSOC_MGR = re.compile(
    r"^ClusterName=(?P<cluster>\S*) Account=(?P<account>\S*) UserName=(?P<user>[^\s(]*)(?:\((?P<uid>\d+)\))?"
    r" Partition=(?P<partition>\S*) ")


def _label(account, user, partition):
    return "account=%s%s%s" % (account, " user=%s" % user if user else "", " partition=%s" % partition if partition else "")


def controller_associations(text, cluster):
    """``scontrol show assoc_mgr flags=assoc`` -> {(account, user, partition): uid or None}."""
    found = {}
    for line in text.splitlines():
        match = _ASSOC_MGR.match(line)
        if match and match.group("cluster") == cluster:
            uid = match.group("uid")
            found[(match.group("account"), match.group("user"), match.group("partition"))] = (
                int(uid) if uid is not None else None)
    return found


def database_associations(text, cluster):
    """``sacctmgr --noheader --parsable2 show assoc format=cluster,account,user,partition`` -> set of keys."""
    found = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) < 4:
            raise ValueError("expected cluster|account|user|partition, got %r" % line)
        if fields[0] == cluster:
            found.add((fields[1], fields[2], fields[3]))
    return found


def stale_associations(assoc_mgr_text, sacctmgr_text, cluster):
    """What slurmctld lacks: associations of the database it does not have, and users it has without a uid."""
    controller = controller_associations(assoc_mgr_text, cluster)
    database = database_associations(sacctmgr_text, cluster)
    missing = sorted(_label(*key) for key in database - set(controller))
    unresolved = sorted({key[1] for key, uid in controller.items() if key[1] and uid == NO_UID})
    return {"missing": missing, "unresolved_users": unresolved}
