# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Check every host's variables against the argument specs of the collection's roles.

The preflight play calls this once, on the controller, for every host of the inventory: a bad value
in one host's host_vars stops the run before any host is contacted. Only variables a host
actually has are checked (role defaults are the roles' own business); a value several hosts share
(a group variable) is reported once, with the hosts compressed into a hostlist.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping

import jinja2
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import ArgumentTypeError

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import variable_rules
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.variable_rules import ROLES_DIR
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.hostlist import compress

# Option keys of meta/argument_specs.yml that the validator does not know.
DOC_KEYS = ('description', 'version_added')
PORT_SUFFIX = '_port'


def _strip_docs(options: Mapping) -> dict:
    spec = {}
    for name, option in options.items():
        option = {key: value for key, value in option.items() if key not in DOC_KEYS}
        if isinstance(option.get('options'), Mapping):
            option['options'] = _strip_docs(option['options'])
        spec[name] = option
    return spec


@functools.lru_cache(maxsize=None)
def role_specs(roles_dir: str = ROLES_DIR) -> dict[str, dict]:
    """Variable -> ``{'role': 'lmod', 'spec': {...}}`` for every option of every entry point of every role."""
    specs: dict[str, dict] = {}
    for role in sorted(os.listdir(roles_dir)):
        path = os.path.join(roles_dir, role, 'meta', 'argument_specs.yml')
        if not os.path.isfile(path):
            continue
        with open(path, encoding='utf-8') as handle:
            entry_points = (yaml.safe_load(handle) or {}).get('argument_specs') or {}
        for entry_point, spec in entry_points.items():
            for name, option in _strip_docs(spec.get('options') or {}).items():
                where = role if entry_point == 'main' else '%s/%s' % (role, entry_point)
                specs.setdefault(name, {'role': where, 'spec': option})
    return specs


def _value_problems(name: str, option: Mapping, value) -> list[str]:
    result = ArgumentSpecValidator({name: option}).validate({name: value})
    problems = []
    for error in result.errors:
        if isinstance(error, ArgumentTypeError) and error.error_message.startswith("argument '%s' is of type" % name):
            # Ansible's text lists the valid booleans in set order, which changes from run to run.
            problems.append('must be of type %s, got %r' % (option.get('type', 'str'), value))
        else:
            problems.append(error.error_message)
    if not problems and option.get('type') == 'int' and name.endswith(PORT_SUFFIX):
        port = result.validated_parameters[name]
        if port is not None and not 1 <= port <= 65535:
            problems.append('must be a port number from 1 to 65535, got %d' % port)
    return problems


def _is_template(value) -> bool:
    if isinstance(value, str):
        return '{{' in value or '{%' in value
    if isinstance(value, Mapping):
        return any(_is_template(key) or _is_template(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_is_template(item) for item in value)
    return False


class HostVariables(Mapping):
    """One host's variables for the checks: literal values as they are, templates rendered on access.

    ``raw`` is the host's untemplated variables, ``render(name)`` renders one of them in the host's
    context. A template that cannot be rendered on the controller yet (it needs facts, or another
    host's variables) reads as missing: the role's own argument spec checks it when it runs.
    """

    def __init__(self, raw: Mapping, render: Callable[[str], object]):
        self.raw = raw
        self.render = render
        self.rendered: dict[str, object] = {}

    def is_template(self, name: str) -> bool:
        return _is_template(self.raw[name])

    def __getitem__(self, name: str):
        if not self.is_template(name):
            return self.raw[name]
        if name not in self.rendered:
            try:
                value = self.render(name)
            except Exception:  # pylint: disable=broad-except  # not renderable here: left to the role
                value = _UNRENDERED
            self.rendered[name] = _UNRENDERED if isinstance(value, jinja2.Undefined) else value
        if self.rendered[name] is _UNRENDERED:
            raise KeyError(name)
        return self.rendered[name]

    def __contains__(self, name) -> bool:
        try:
            self[name]
        except KeyError:
            return False
        return True

    def __iter__(self):
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


_UNRENDERED = object()


def host_variable_problems(hosts: Iterable[str], variables_of: Callable[[str], HostVariables],
                           specs: Mapping[str, Mapping] | None = None, context: Mapping | None = None) -> list[str]:
    """Messages for the variables of ``hosts`` that do not fit their role's argument spec or a rule of
    :mod:`variable_rules`, each as ``HOSTS: MESSAGE`` with the hosts that share it compressed.

    ``variables_of(host)`` returns the host's :class:`HostVariables`; only names the specs and rules
    know are read from it. ``context`` is passed to the rules (the model's
    ``accounting_database_host`` and the ``inventory_hosts``).
    """
    specs = role_specs() if specs is None else specs
    found: dict[str, list[str]] = {}                # message -> hosts
    checked: dict[tuple[str, str], list[str]] = {}  # a literal group variable is checked once, not once per host
    for host in hosts:
        variables = variables_of(host)
        for name in sorted(specs.keys() & set(variables.raw.keys())):
            if name not in variables:
                continue
            value = variables[name]
            key = (name, repr(value))
            if key not in checked:
                checked[key] = _value_problems(name, specs[name]['spec'], value)
            for problem in checked[key]:
                found.setdefault('%s (role %s): %s' % (name, specs[name]['role'], problem), []).append(host)
        for problem in variable_rules.rule_problems(variables, context or {}):
            found.setdefault(problem, []).append(host)
    return ['%s: %s' % (compress(members), message) for message, members in found.items()]
