"""Secrets: never in a -vvv converge log, and only readable by their owner on every node.

The log is the one test_1_jobs_survive.py wrote while re-converging site.yml with -vvv.
"""

import base64
import os

import pytest

from conftest import CONTROLLER, CONVERGE_LOG, NODES, host

ALL = (CONTROLLER,) + NODES
# (path, owner, mode, hosts that must have it, hosts that must not)
SECRET_FILES = [
    ("/etc/munge/munge.key", "munge", 0o400, ALL, ()),
    ("/etc/slurm/jwt_hs256.key", "slurm", 0o600, (CONTROLLER,), NODES),
    ("/etc/slurm/slurmdbd.conf", "slurm", 0o600, (CONTROLLER,), NODES),
    ("/etc/mysql/hpcstack-slurmdbd.pass", "root", 0o600, (CONTROLLER,), NODES),
]


@pytest.fixture(scope="module")
def log():
    # A missing log fails (it used to skip, and so pass): the secrets check would have read nothing.
    assert os.path.exists(CONVERGE_LOG), (
        "no -vvv converge log %s: test_1_jobs_survive.py::test_job_survives_a_full_reconverge did not run "
        "or did not write it" % CONVERGE_LOG)
    with open(CONVERGE_LOG, "rb") as handle:
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
            assert text not in log, "the %s (%s) is in %s" % (name, form, CONVERGE_LOG)


@pytest.mark.parametrize("path, owner, mode, present, absent", SECRET_FILES, ids=[f[0] for f in SECRET_FILES])
def test_secret_files_are_private(path, owner, mode, present, absent):
    for name in present:
        secret = host(name).file(path)
        assert secret.exists, "%s: %s missing" % (name, path)
        assert (secret.user, secret.mode) == (owner, mode), "%s: %s is %s %o" % (name, path, secret.user, secret.mode)
    for name in absent:
        assert not host(name).file(path).exists, "%s must not have %s" % (name, path)
