"""Secrets: never in a -vvv converge log, and only readable by their owner on every node.

The log is that of the re-converge of site.yml with -vvv (fixture reconverge, conftest.py).
"""

import base64

import pytest

from conftest import CONTROLLER, NODES
from hpcstack_harness import host

ALL = (CONTROLLER,) + NODES
# (path, owner, mode, hosts that must have it, hosts that must not)
SECRET_FILES = [
    ("/etc/munge/munge.key", "munge", 0o400, ALL, ()),
    ("/etc/slurm/jwt_hs256.key", "slurm", 0o600, (CONTROLLER,), NODES),
    ("/etc/slurm/slurmdbd.conf", "slurm", 0o600, (CONTROLLER,), NODES),
    ("/etc/mysql/hpcstack-slurmdbd.pass", "root", 0o600, (CONTROLLER,), NODES),
]


@pytest.fixture(scope="module")
def log(reconverge):
    with open(reconverge[2], "rb") as handle:
        return handle.read()


def _secret_values():
    """name -> the forms of each secret that must not appear: raw bytes and base64."""
    ctl = host(CONTROLLER)
    munge = base64.b64decode(ctl.check_output("base64 -w0 /etc/munge/munge.key"))
    jwt = base64.b64decode(ctl.check_output("base64 -w0 /etc/slurm/jwt_hs256.key"))
    password = ctl.check_output("sed -n 's/^StoragePass=//p' /etc/slurm/slurmdbd.conf").encode()
    assert len(munge) >= 32 and len(jwt) >= 32 and len(password) >= 8
    return {"munge key": munge, "JWT key": jwt, "database password": password}


def test_the_converge_log_holds_no_secret(log):
    assert b"hpcstack.cluster.munge : Install the cluster munge key" in log, "not a converge log"
    for name, value in _secret_values().items():
        forms = (("raw", value), ("base64", base64.b64encode(value)), ("base64 of a line", base64.b64encode(value + b"\n")))
        for form, text in forms:
            assert text not in log, "the %s (%s) is in the -vvv converge log" % (name, form)


@pytest.mark.parametrize("path, owner, mode, present, absent", SECRET_FILES, ids=[f[0] for f in SECRET_FILES])
def test_secret_files_are_private(path, owner, mode, present, absent):
    for name in present:
        secret = host(name).file(path)
        assert secret.exists, "%s: %s missing" % (name, path)
        assert (secret.user, secret.mode) == (owner, mode), "%s: %s is %s %o" % (name, path, secret.user, secret.mode)
    for name in absent:
        assert not host(name).file(path).exists, "%s must not have %s" % (name, path)
