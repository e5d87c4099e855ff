# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sacctmgr: read accounting entities and plan batched changes (standard library only).

Reading costs one ``sacctmgr show`` per entity type. Planning compares what the caller wants
with what was read and groups entities needing the same change into one command, since
sacctmgr takes comma-separated names (``add user name=a,b,c account=x``). A plan is a list of
argv lists; ``Sacctmgr.apply`` runs them (or, in check mode, only records them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import OrderedDict, namedtuple
from typing import Any, Iterable, List, Mapping, Optional

try:
    from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
    from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_cmd import (
        SlurmCommand, SlurmCommandError)
except ImportError:  # used outside Ansible (benchmarks)
    import _slurm_data as data  # noqa
    from _slurm_cmd import SlurmCommand, SlurmCommandError  # noqa

BASE_ARGS = ["--immediate", "--parsable2", "--noheader"]
BATCH_SIZE = 500

_ERRORS = (
    ("Connection refused", "slurmdbd is not reachable (is slurmdbd running, AccountingStorageHost right?)"),
    ("failed to open persistent connection", "slurmdbd is not reachable (is slurmdbd running?)"),
    ("You gave a bad qos", "unknown QOS (create it with slurm_qos first)"),
    ("parent account", "unknown parent account (list parents before children, or create them first)"),
    ("No account", "unknown account (create it with slurm_account first)"),
    ("account '", "unknown account (create it with slurm_account first)"),
    ("Nothing new added", "already exists (created since it was read?)"),
    ("Already existing", "already exists (created since it was read?)"),
)
_NOOP_MARKERS = ("Nothing modified", "didn't affect anything", "Nothing deleted")

# kind: int | str | lower | set | iset (case-insensitive set) | duration | tres | float
Field = namedtuple("Field", "option set_name show_name kind empty")


def _f(option, set_name, show_name, kind, empty="-1"):
    return Field(option, set_name, show_name, kind, empty)


ASSOC_LIMITS = (
    _f("grp_jobs", "GrpJobs", "GrpJobs", "int"),
    _f("grp_submit_jobs", "GrpSubmitJobs", "GrpSubmit", "int"),
    _f("grp_tres", "GrpTRES", "GrpTRES", "tres"),
    _f("grp_tres_mins", "GrpTRESMins", "GrpTRESMins", "tres"),
    _f("grp_wall", "GrpWall", "GrpWall", "duration"),
    _f("max_jobs", "MaxJobs", "MaxJobs", "int"),
    _f("max_submit_jobs", "MaxSubmitJobs", "MaxSubmit", "int"),
    _f("max_tres_per_job", "MaxTRES", "MaxTRES", "tres"),
    _f("max_tres_per_node", "MaxTRESPerNode", "MaxTRESPerNode", "tres"),
    _f("max_tres_mins_per_job", "MaxTRESMins", "MaxTRESMins", "tres"),
    _f("max_wall", "MaxWall", "MaxWall", "duration"),
)
ASSOC_SETTINGS = (
    _f("fairshare", "Fairshare", "Share", "lower"),
    _f("default_qos", "DefaultQOS", "DefaultQOS", "str", ""),
    _f("qos", "QOS", "QOS", "set", ""),
)
ASSOC_KEYS = (_f("cluster", None, "Cluster", "str"), _f("account", None, "Account", "str"),
              _f("user", None, "User", "str"), _f("partition", None, "Partition", "str"),
              _f("parent", "Parent", "ParentName", "str"))
# sacctmgr stores account descriptions and organizations in lower case.
ACCOUNT_FIELDS = (_f("name", None, "Account", "str"), _f("description", "Description", "Descr", "lower"),
                  _f("organization", "Organization", "Org", "lower"))
USER_FIELDS = (_f("name", None, "User", "str"), _f("default_account", "DefaultAccount", "DefaultAccount", "str"),
               _f("admin_level", "AdminLevel", "Admin", "lower"))
QOS_FIELDS = (
    _f("name", None, "Name", "str"),
    _f("description", "Description", "Description", "str"),
    _f("priority", "Priority", "Priority", "int"),
    _f("flags", "Flags", "Flags", "iset"),
    _f("preempt", "Preempt", "Preempt", "set", ""),
    _f("preempt_mode", "PreemptMode", "PreemptMode", "lower"),
    _f("usage_factor", "UsageFactor", "UsageFactor", "float"),
    _f("grace_time", None, "GraceTime", "duration"),
    _f("grp_tres", "GrpTRES", "GrpTRES", "tres"),
    _f("grp_jobs", "GrpJobs", "GrpJobs", "int"),
    _f("grp_submit_jobs", "GrpSubmitJobs", "GrpSubmit", "int"),
    _f("grp_wall", "GrpWall", "GrpWall", "duration"),
    _f("max_tres_per_job", "MaxTRES", "MaxTRES", "tres"),
    _f("max_tres_per_node", "MaxTRESPerNode", "MaxTRESPerNode", "tres"),
    _f("max_wall", "MaxWall", "MaxWall", "duration"),
    _f("max_tres_per_user", "MaxTRESPerUser", "MaxTRESPU", "tres"),
    _f("max_jobs_per_user", "MaxJobsPerUser", "MaxJobsPU", "int"),
    _f("max_submit_jobs_per_user", "MaxSubmitJobsPerUser", "MaxSubmitPU", "int"),
    _f("max_tres_per_account", "MaxTRESPerAccount", "MaxTRESPA", "tres"),
    _f("max_jobs_per_account", "MaxJobsPerAccount", "MaxJobsPA", "int"),
    _f("min_tres_per_job", "MinTRESPerJob", "MinTRES", "tres"),
)
# What check_entries validates per kind: the fields, and the keys naming one entry.
CHECKED = {
    "qos": (QOS_FIELDS, ("name",)),
    "account": (ASSOC_SETTINGS + ASSOC_LIMITS, ("name",)),
    "user": (ASSOC_SETTINGS + ASSOC_LIMITS, ("name", "account", "partition")),
}
CLUSTER_FIELDS = (_f("name", None, "Cluster", "str"), _f("host", None, "ControlHost", "str"),
                  _f("port", None, "ControlPort", "str"), _f("rpc", None, "RPC", "str"))
ADMIN_LEVELS = {"none": "None", "operator": "Operator", "administrator": "Administrator"}


# Slurm's time formats (sacctmgr MaxWall/GrpWall) and TRES lists (cpu=8,mem=64G,gres/gpu:a100=2).
_TIME = re.compile(r"^\d+(:\d+){0,2}$|^\d+-\d+(:\d+){0,2}$")
_TRES_NAME = re.compile(r"^[a-z][a-z0-9_]*(/[a-z0-9_.:-]+)?$", re.IGNORECASE)
_TRES_COUNT = re.compile(r"^(-1|\d+(\.\d+)?[KMGTP]?)$", re.IGNORECASE)
_COUNT = re.compile(r"^(-1|\d+)$")
_CLEAR_WORDS = ("-1", "unlimited", "infinite")
TIME_FORMATS = ("minutes, minutes:seconds, [days-]hours:minutes:seconds, days-hours[:minutes], "
                "or -1/unlimited to clear")
TRES_FORMAT = "name=count[,name=count...], e.g. cpu=8,mem=64G,gres/gpu=2; a count of -1 clears that TRES"


def limit_problem(field: Field, value: Any) -> Optional[str]:
    """Why ``value`` is not valid for ``field`` (None when it is); called before any command."""
    text = str(value).strip()
    if field.kind == "int":
        if not _COUNT.match(text):
            return "is not a count (a whole number, or -1 to clear)"
    elif field.kind == "duration":
        if text.lower() not in _CLEAR_WORDS and not _TIME.match(text):
            return "is not a Slurm time (%s)" % TIME_FORMATS
    elif field.kind == "tres" and text.lower() not in _CLEAR_WORDS:
        for item in text.split(","):
            name, sep, count = item.partition("=")
            if not sep or not _TRES_NAME.match(name.strip()):
                return "is not a TRES list: %r is not name=count (%s)" % (item, TRES_FORMAT)
            if not _TRES_COUNT.match(count.strip()):
                return "is not a TRES list: %r has no count such as 8, 64G or -1 (%s)" % (item, TRES_FORMAT)
    elif field.option == "fairshare" and text.lower() != "parent" and not text.isdigit():
        return "is not a fair-share value (a whole number of shares, or parent)"
    return None


def check_entries(what: str, entries: Iterable[Mapping]) -> List[str]:
    """Messages naming the object and the field for every malformed value in ``entries``.

    ``what`` is ``qos``, ``account`` or ``user`` (the modules' entry lists); values may sit at the
    top level or in a ``limits`` dict (then the field is named ``limits.FIELD``). One message
    looks like ``qos normal: max_wall 'abc' is not a Slurm time (...)``.
    """
    fields, label_keys = CHECKED[what]
    problems = []
    for entry in entries:
        label = "/".join(str(entry[k]) for k in label_keys if entry.get(k))
        for prefix, values in (("", entry), ("limits.", entry.get("limits") or {})):
            for field in fields:
                value = values.get(field.option)
                problem = None if value is None else limit_problem(field, value)
                if problem:
                    problems.append("%s %s: %s%s %r %s" % (what, label, prefix, field.option, value, problem))
    return problems


def _as_list(value):
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return data.split_list(value)


def normalise(kind, value):
    """A comparable form of a wanted value or of sacctmgr's text for it."""
    if kind == "int":
        if value in (None, ""):
            return None
        value = int(value)
        return None if value < 0 else value
    if kind == "float":
        return None if value in (None, "") else round(float(value), 6)
    if kind == "duration":
        return data.parse_duration(value)
    if kind == "tres":
        return data.parse_tres(value)
    if kind == "set":
        return sorted(set(_as_list(value)))
    if kind == "iset":
        return sorted(set(v.lower() for v in _as_list(value)) - set(["-1"]))
    if kind == "lower":
        return str(value if value is not None else "").lower()
    return "" if value is None else str(value)


def differs(kind, want, have):
    """True when setting ``want`` would change ``have`` (sacctmgr text)."""
    if kind == "tres":  # sacctmgr merges TRES limits: only the named TRES change
        want_d = data.parse_tres(want)
        have_d = data.parse_tres(have)
        cleared = [k for k in _tres_keys(want) if k not in want_d]
        return any(have_d.get(k) != v for k, v in want_d.items()) or any(k in have_d for k in cleared)
    return normalise(kind, want) != normalise(kind, have)


def _tres_keys(value):
    if isinstance(value, dict):
        return [k.lower() for k in value]
    return [item.split("=", 1)[0].strip().lower() for item in str(value or "").split(",") if "=" in item]


def render(field, value):
    """The text after ``Name=`` on a sacctmgr command line."""
    if field.kind in ("set", "iset"):
        items = _as_list(value)
        return ",".join(items) if items else field.empty
    if field.kind == "tres" and isinstance(value, dict):
        return ",".join("%s=%s" % kv for kv in sorted(value.items()))
    if field.option == "admin_level":
        return ADMIN_LEVELS.get(str(value).lower(), value)
    return str(value)


def settings_for(fields, want, have=None):
    """``Name=value`` for each field set in ``want`` that differs from ``have`` (all if None)."""
    result = []
    for field in fields:
        value = want.get(field.option)
        if value is None or field.set_name is None:
            continue
        if have is not None and not differs(field.kind, value, have.get(field.show_name, "")):
            continue
        result.append("%s=%s" % (field.set_name, render(field, value)))
    return tuple(result)


def chunks(names, size):
    for start in range(0, len(names), size):
        yield names[start:start + size]


class Plan(object):
    """Commands (argv lists, without the binary) plus before/after views for diff mode."""

    def __init__(self, batch_size=BATCH_SIZE):
        self.commands = []
        self.before = OrderedDict()
        self.after = OrderedDict()
        self.batch_size = batch_size
        self._groups = OrderedDict()

    def group(self, phase, head, settings, name, tail=()):
        """Collect ``name`` into the command ``head name=<names> tail settings`` of ``phase``."""
        self._groups.setdefault((phase, tuple(head), tuple(tail), tuple(settings)), OrderedDict())[name] = True

    def build(self):
        for (phase, head, tail, settings), names in sorted(self._groups.items(), key=lambda kv: kv[0][0]):
            for part in chunks(list(names), self.batch_size):
                args = list(head) + ["name=%s" % ",".join(part)] + list(tail)
                if settings and head[0] == "modify":
                    args.append("set")
                self.commands.append(args + list(settings))
        self._groups.clear()
        return self

    def note(self, key, before, after):
        self.before[key] = before
        if after is not None:
            self.after[key] = after


class Sacctmgr(SlurmCommand):
    def __init__(self, run, binary="sacctmgr"):
        super(Sacctmgr, self).__init__(run, binary, _ERRORS)

    def show(self, entity, fields, where=()):
        """``sacctmgr show ENTITY [where ...] format=...`` as dicts keyed by field show names."""
        names = [f.show_name for f in fields]
        args = BASE_ARGS + ["show", entity] + (["where"] + list(where) if where else [])
        out = self.execute(args + ["format=" + ",".join(names)])
        rows = []
        for line in out.splitlines():
            if not line.strip():
                continue
            values = line.split("|")
            rows.append(dict(zip(names, values + [""] * (len(names) - len(values)))))
        return rows

    def accounts(self):
        return OrderedDict((r["Account"], r) for r in self.show("account", ACCOUNT_FIELDS))

    def users(self):
        return OrderedDict((r["User"], r) for r in self.show("user", USER_FIELDS))

    def qos(self):
        return OrderedDict((r["Name"], r) for r in self.show("qos", QOS_FIELDS))

    def clusters(self):
        return OrderedDict((r["Cluster"], r) for r in self.show("cluster", CLUSTER_FIELDS))

    def associations(self, cluster=None, users=False):
        """{(account, user, partition): row}; only account associations unless ``users``."""
        where = ["cluster=%s" % cluster] if cluster else []
        rows = self.show("association", ASSOC_KEYS + ASSOC_SETTINGS + ASSOC_LIMITS, where)
        return OrderedDict(((r["Account"], r["User"], r["Partition"]), r) for r in rows
                           if users or not r["User"])

    def apply(self, plan, check_mode=False):
        """Record every command of ``plan``; run them unless ``check_mode``."""
        for args in plan.commands:
            if check_mode:
                self.commands.append(self.line(BASE_ARGS + list(args)))
                continue
            try:
                self.execute(BASE_ARGS + args, change=True)
            except SlurmCommandError as exc:  # "nothing to do" is not a failure
                text = exc.stdout + exc.stderr
                if not (args[0] in ("modify", "delete") and any(m in text for m in _NOOP_MARKERS)):
                    raise


def _flatten(entry):
    """An entry with a ``limits`` dict, flattened to one level."""
    flat = dict((k, v) for k, v in entry.items() if k != "limits")
    flat.update(entry.get("limits") or {})
    return flat


def _view(fields, row):
    return dict((f.option, row.get(f.show_name, "")) for f in fields if f.set_name)


def _want_view(fields, want):
    return dict((f.option, want[f.option]) for f in fields if f.set_name and want.get(f.option) is not None)


def _cluster_where(cluster):
    return ["cluster=%s" % cluster] if cluster else []


def plan_accounts(wanted, accounts, assocs, state="present", cluster=None, batch_size=BATCH_SIZE):
    """Commands making ``wanted`` (list of account dicts) present/absent; parents before children."""
    plan = Plan(batch_size)
    assoc_fields = ASSOC_SETTINGS + ASSOC_LIMITS + ASSOC_KEYS[4:]
    if state == "absent":
        for want in wanted:
            if want["name"] in accounts:
                plan.group(0, ["delete", "account", "where"], (), want["name"], _cluster_where(cluster))
                plan.note(want["name"], _view(ACCOUNT_FIELDS, accounts[want["name"]]), None)
        return plan.build()
    existing = set(a for (a, u, p) in assocs if not u)
    new = dict((w["name"], w) for w in wanted if w["name"] not in existing)

    def level(name, seen=()):
        parent = new[name].get("parent")
        if parent in new and parent not in seen:
            return 1 + level(parent, seen + (name,))
        return 0

    for want in wanted:
        flat = _flatten(want)
        name = want["name"]
        if name in new:
            settings = settings_for(ACCOUNT_FIELDS + assoc_fields, flat)
            plan.group(level(name), ["add", "account"], settings, name, ["cluster=%s" % cluster] if cluster else [])
            plan.note(name, {}, _want_view(ACCOUNT_FIELDS + assoc_fields, flat))
            continue
        have = dict(accounts.get(name, {}))
        have.update(assocs[(name, "", "")])
        acct = settings_for(ACCOUNT_FIELDS, flat, have)
        assoc = settings_for(assoc_fields, flat, have)
        if acct:
            plan.group(100, ["modify", "account", "where"], acct, name)
        if assoc:
            plan.group(101, ["modify", "account", "where"], assoc, name, _cluster_where(cluster))
        if acct or assoc:
            fields = ACCOUNT_FIELDS + assoc_fields
            changed = set(s.split("=", 1)[0] for s in acct + assoc)
            before = dict((f.option, have.get(f.show_name, "")) for f in fields if f.set_name in changed)
            after = dict((f.option, flat[f.option]) for f in fields if f.set_name in changed)
            plan.note(name, before, after)
    return plan.build()


def plan_users(wanted, users, assocs, state="present", cluster=None, batch_size=BATCH_SIZE):
    """Commands making ``wanted`` (list of user dicts: name, account, partition, ...) true.

    Phases: create users (with default account and admin level), add further associations,
    modify associations, modify user-level settings, delete.
    """
    plan = Plan(batch_size)
    where_cluster = _cluster_where(cluster)
    assoc_fields = ASSOC_SETTINGS + ASSOC_LIMITS
    if state == "absent":
        for want in wanted:
            name, account = want["name"], want.get("account")
            if account:
                key = (account, name, want.get("partition") or "")
                if key in assocs:
                    tail = ["account=%s" % account] + (["partition=%s" % key[2]] if key[2] else []) + where_cluster
                    plan.group(0, ["delete", "user", "where"], (), name, tail)
                    plan.note("%s/%s" % (name, account), _view(assoc_fields, assocs[key]), None)
            elif name in users:
                plan.group(0, ["delete", "user", "where"], (), name, where_cluster)
                plan.note(name, _view(USER_FIELDS, users[name]), None)
        return plan.build()
    default = {}  # new user -> its default account: the first one given, else its first account
    creator = {}  # new user -> index of the entry that creates it (the one of its default account)
    for want in wanted:
        if want["name"] not in users:
            default.setdefault(want["name"], want.get("default_account"))
    for index, want in enumerate(wanted):
        name = want["name"]
        if name in default and (want["account"], name, want.get("partition") or "") not in assocs:
            if name not in creator or want["account"] == default[name]:
                creator[name] = index
    for index, want in enumerate(wanted):
        flat = _flatten(want)
        name, account, partition = want["name"], want["account"], want.get("partition") or ""
        key = (account, name, partition)
        label = "%s/%s%s" % (name, account, "/" + partition if partition else "")
        where = ["account=%s" % account] + (["partition=%s" % partition] if partition else [])
        if key not in assocs:
            tail = where + (["cluster=%s" % cluster] if cluster else [])
            if creator.get(name) == index:
                user_settings = settings_for(USER_FIELDS, dict(flat, default_account=default[name] or account))
                plan.group(0, ["add", "user"], user_settings + settings_for(assoc_fields, flat), name, tail)
            else:
                plan.group(1, ["add", "user"], settings_for(assoc_fields, flat), name, tail)
            plan.note(label, {}, _want_view(USER_FIELDS + assoc_fields, flat))
            continue
        changes = settings_for(assoc_fields, flat, assocs[key])
        if changes:
            plan.group(2, ["modify", "user", "where"], changes, name, where + where_cluster)
        user_changes = ()
        if name in users:
            user_changes = settings_for(USER_FIELDS, flat, users[name])
            if user_changes:
                plan.group(3, ["modify", "user", "where"], user_changes, name)
        if changes or user_changes:
            have = dict(users.get(name, {}))
            have.update(assocs[key])
            fields = USER_FIELDS + assoc_fields
            changed = set(s.split("=", 1)[0] for s in changes + user_changes)
            plan.note(label, dict((f.option, have.get(f.show_name, "")) for f in fields if f.set_name in changed),
                      dict((f.option, flat[f.option]) for f in fields if f.set_name in changed))
    return plan.build()


def plan_qos(wanted, qos, state="present", batch_size=BATCH_SIZE):
    """Commands for QOS entries; new QOS get their Preempt list afterwards (it may name new QOS)."""
    plan = Plan(batch_size)
    if state == "absent":
        for want in wanted:
            if want["name"] in qos:
                plan.group(0, ["delete", "qos", "where"], (), want["name"])
                plan.note(want["name"], _view(QOS_FIELDS, qos[want["name"]]), None)
        return plan.build()
    without_preempt = tuple(f for f in QOS_FIELDS if f.option != "preempt")
    for want in wanted:
        name = want["name"]
        if name not in qos:
            plan.group(0, ["add", "qos"], settings_for(without_preempt, want), name)
            preempt = settings_for([f for f in QOS_FIELDS if f.option == "preempt"], want, {})
            if preempt and _as_list(want.get("preempt")):
                plan.group(1, ["modify", "qos", "where"], preempt, name)
            plan.note(name, {}, _want_view(QOS_FIELDS, want))
            continue
        changes = settings_for(QOS_FIELDS, want, qos[name])
        if changes:
            plan.group(1, ["modify", "qos", "where"], changes, name)
            changed = set(s.split("=", 1)[0] for s in changes)
            plan.note(name, dict((f.option, qos[name].get(f.show_name, "")) for f in QOS_FIELDS if f.set_name in changed),
                      dict((f.option, want[f.option]) for f in QOS_FIELDS if f.set_name in changed))
    return plan.build()


def plan_clusters(names, clusters, state="present"):
    plan = Plan()
    for name in names:
        if state == "present" and name not in clusters:
            plan.group(0, ["add", "cluster"], (), name)
            plan.note(name, {}, {"name": name})
        elif state == "absent" and name in clusters:
            plan.group(0, ["delete", "cluster", "where"], (), name)
            plan.note(name, {"name": name}, None)
    return plan.build()
