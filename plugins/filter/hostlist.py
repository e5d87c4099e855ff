# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: hostlist_expand.yml and hostlist_compress.yml next to this file.

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.hostlist import compress, expand, reraise_as


@reraise_as(AnsibleFilterError)
def hostlist_expand(expr):
    """``c[1-3]`` -> ``['c1', 'c2', 'c3']``; a list of expressions is expanded as one."""
    if isinstance(expr, (list, tuple)):
        expr = ','.join(expr)
    return expand(expr)


@reraise_as(AnsibleFilterError)
def hostlist_compress(names):
    """``['c1', 'c2', 'c3']`` -> ``c[1-3]``."""
    if isinstance(names, str):
        raise AnsibleFilterError('hostlist_compress expects a list of host names, got the string %r' % names)
    return compress(names)


class FilterModule:
    def filters(self):
        return {'hostlist_expand': hostlist_expand, 'hostlist_compress': hostlist_compress}
