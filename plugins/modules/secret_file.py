#!/usr/bin/python
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: secret_file
short_description: Write a binary secret (munge key, JWT key) to a file without ever showing it
version_added: 0.1.0
description:
  - Writes bytes given in base64 to a file, atomically, only when the file's content differs.
  - The content is never returned, logged or shown in a diff; the diff shows SHA-256 digests only.
  - Checks the decoded size against bounds before touching the file, so a truncated or wrong key
    fails with a clear message instead of breaking the service that reads it.
options:
  path:
    description: File to write.
    type: path
    required: true
  content_base64:
    description: The secret, base64-encoded.
    type: str
    required: true
  min_size:
    description: Smallest accepted size of the decoded secret, in bytes.
    type: int
    default: 1
  max_size:
    description: Largest accepted size of the decoded secret, in bytes.
    type: int
    default: 1048576
extends_documentation_fragment:
  - ansible.builtin.files
  - hpcstack.cluster.attributes
notes:
  - The diff shows the SHA-256 digest of the old and the new content, never the content.
  - I(mode) defaults to C(0600) when the file is created and no mode is given.
author:
  - hpcstack developers (@hpcstack)
"""

EXAMPLES = r"""
- name: Install the munge key
  hpcstack.cluster.secret_file:
    path: /etc/munge/munge.key
    content_base64: "{{ munge_key }}"
    min_size: 32
    max_size: 1024
    owner: munge
    group: munge
    mode: "0400"
  no_log: true
"""

RETURN = r"""
path:
  description: The file written.
  returned: always
  type: str
  sample: /etc/munge/munge.key
size:
  description: Size of the secret in bytes.
  returned: always
  type: int
  sample: 1024
"""

import base64
import binascii
import hashlib
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule


def _digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest() if data is not None else "(absent)"


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            content_base64=dict(type="str", required=True, no_log=True),
            min_size=dict(type="int", default=1),
            max_size=dict(type="int", default=1048576),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    path = module.params["path"]
    try:
        secret = base64.b64decode(module.params["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        module.fail_json(msg="content_base64 for %s is not valid base64" % path)
    if not module.params["min_size"] <= len(secret) <= module.params["max_size"]:
        module.fail_json(
            msg="the secret for %s is %d bytes; it must be between %d and %d bytes"
            % (path, len(secret), module.params["min_size"], module.params["max_size"])
        )

    current = _read(path)
    changed = current != secret
    result = dict(path=path, size=len(secret), changed=changed)
    if module._diff:
        result["diff"] = dict(before=_digest(current) + "\n", after=_digest(secret) + "\n")

    if changed and not module.check_mode:
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            module.fail_json(msg="directory %s does not exist" % directory)
        handle, tmp = tempfile.mkstemp(dir=directory, prefix=".secret_file.")
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, secret)
        finally:
            os.close(handle)
        module.atomic_move(tmp, path)

    file_args = module.load_file_common_arguments(module.params)
    if file_args.get("mode") is None:
        file_args["mode"] = "0600"
    if os.path.exists(path):
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
