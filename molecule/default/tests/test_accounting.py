"""Accounting (slurmdbd + MariaDB) and the REST API (slurmrestd with JWT) of the converged cluster.

site.yml created, from the lab's inventory (slurm_accounting_* in inventories/lab/group_vars/all/lab.yml),
QOS "short" (MaxWall 1 minute, DenyOnLimit), account "physics" and the lab user alice in it.
"""

import json
import re
import time

import pytest

from conftest import slurm_conf_text
from hpcstack_harness import run_playbook, skip_without_directory, wait_for

NO_UID = 4294967294  # Slurm's NO_VAL: the name did not resolve when slurmctld read the association

# Ask slurmrestd from the login node, as a client would: prints "<status> <body>".
REST_CLIENT = r"""
import sys, urllib.request, urllib.error
request = urllib.request.Request(sys.argv[1])
if len(sys.argv) > 2:
    request.add_header("X-SLURM-USER-NAME", "alice")
    request.add_header("X-SLURM-USER-TOKEN", sys.argv[2])
try:
    with urllib.request.urlopen(request, timeout=20) as answer:
        print(answer.status, answer.read().decode())
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode(errors="replace"))
"""


@pytest.fixture(scope="module")
def api_version(login):
    version = login.check_output("sinfo --version").split()[1]
    major, minor = (int(part) for part in version.split(".")[:2])
    if (major, minor) < (23, 2):
        return "v0.0.38"
    return "v0.0.42" if (major, minor) >= (24, 11) else "v0.0.40"


@pytest.fixture(scope="module")
def completed_job(login, as_user):
    """A batch job of alice that ran to completion."""
    job = as_user(login, "sbatch --wait --parsable --nodes=1 --time=1 --output=/dev/null --wrap=true")
    assert job.rc == 0, job.stderr
    return job.stdout.strip()


def rest(host, url, token=None):
    command = "python3 -c %s %s" + (" %s" if token else "")
    args = [REST_CLIENT, url] + ([token] if token else [])
    status, _separator, body = host.check_output(command, *args).partition(" ")
    return int(status), body


@pytest.mark.parametrize("path, owner, mode", [
    ("/etc/slurm/slurmdbd.conf", "slurm", 0o600),
    ("/etc/slurm/jwt_hs256.key", "slurm", 0o600),
    ("/etc/mysql/hpcstack-slurmdbd.pass", "root", 0o600),
])
def test_accounting_secrets_are_private_on_the_controller(controller, path, owner, mode):
    secret = controller.file(path)
    assert secret.exists, path
    assert (secret.user, secret.group, secret.mode) == (owner, owner, mode)


def test_jwt_key_is_long_enough(controller):
    assert controller.file("/etc/slurm/jwt_hs256.key").size >= 32


def test_jwt_key_is_only_where_tokens_are_checked(computes, login):
    for host in computes + [login]:
        assert not host.file("/etc/slurm/jwt_hs256.key").exists


def test_mariadb_has_the_settings_slurm_recommends(controller):
    values = controller.check_output(
        "mariadb --batch --skip-column-names -e 'SELECT @@innodb_lock_wait_timeout, @@innodb_log_file_size'"
    ).split()
    assert values == ["900", str(64 * 1024 * 1024)]


def test_mariadb_has_snapshot_isolation_off(controller):
    """MariaDB 11.6.2+ defaults it to ON, which makes slurmdbd stop on a write conflict; older servers lack it."""
    answer = controller.check_output(
        "mariadb --batch --skip-column-names -e \"SHOW VARIABLES LIKE 'innodb_snapshot_isolation'\"").split()
    assert answer in ([], ["innodb_snapshot_isolation", "OFF"]), answer


def test_slurm_conf_uses_slurmdbd_and_jwt(login):
    conf = slurm_conf_text(login)
    assert "AccountingStorageType=accounting_storage/slurmdbd" in conf
    assert "AccountingStorageHost=ctl1" in conf
    assert "AccountingStorageEnforce=associations,limits,qos" in conf
    assert "AuthAltTypes=auth/jwt" in conf
    assert "JobAcctGatherType=jobacct_gather/linux" in conf


def test_slurmctld_starts_after_its_local_slurmdbd(controller):
    assert "slurmdbd.service" in controller.check_output("systemctl show --property=After slurmctld.service").split("=", 1)[1].split()


def test_cluster_is_registered_in_slurmdbd(controller):
    assert controller.check_output("sacctmgr --noheader --parsable2 show cluster format=cluster") == "lab"


def test_completed_job_is_accounted_to_the_users_account(login, completed_job):
    deadline = time.time() + 60
    while True:
        record = login.check_output(
            "sacct --noheader --allocations --parsable2 --format=State,Account,User --jobs=%s", completed_job
        )
        if record == "COMPLETED|physics|alice" or time.time() > deadline:
            break
        time.sleep(2)
    assert record == "COMPLETED|physics|alice"


def test_job_over_the_qos_time_limit_is_rejected(login, as_user):
    result = as_user(login, "sbatch --parsable --qos=short --time=5 --output=/dev/null --wrap=true")
    assert result.rc != 0
    assert "QOSMaxWallDurationPerJobLimit" in result.stderr or "policy" in result.stderr, result.stderr


def test_job_within_the_qos_time_limit_is_accepted(login, as_user):
    result = as_user(login, "sbatch --wait --parsable --qos=short --time=1 --output=/dev/null --wrap=true")
    assert result.rc == 0, result.stderr


def test_slurmrestd_runs_unprivileged(controller):
    users = set(controller.check_output("ps -o user= -C slurmrestd").split())
    assert users == {"slurmrestd"}
    assert controller.user("slurmrestd").uid == 64032


def test_rest_api_without_token_is_refused(login, api_version):
    assert rest(login, "http://ctl1:6820/slurm/%s/ping" % api_version)[0] == 401


def test_rest_api_with_token_lists_jobs_and_nodes(login, as_user, api_version, completed_job):
    token = as_user(login, "scontrol token lifespan=300")
    assert token.rc == 0, token.stderr
    token = token.stdout.strip().split("=", 1)[1]
    base = "http://ctl1:6820/slurm/%s/" % api_version

    assert rest(login, base + "ping", token)[0] == 200

    status, body = rest(login, base + "jobs", token)
    assert status == 200, body
    assert completed_job in {str(job["job_id"]) for job in json.loads(body)["jobs"]}

    status, body = rest(login, base + "nodes", token)
    assert status == 200, body
    assert sorted(node["name"] for node in json.loads(body)["nodes"]) == ["c1", "c2"]


def test_rest_api_serves_the_accounting_database(login, as_user, api_version):
    token = as_user(login, "scontrol token lifespan=300")
    assert token.rc == 0, token.stderr
    status, body = rest(login, "http://ctl1:6820/slurmdb/%s/accounts" % api_version, token.stdout.strip().split("=", 1)[1])
    assert status == 200, body
    assert "physics" in {account["name"] for account in json.loads(body)["accounts"]}


def _uid_in_slurmctld(controller, user):
    match = re.search(r"UserName=%s\((\d+)\)" % user, controller.check_output("scontrol show assoc_mgr flags=assoc"))
    return int(match.group(1)) if match else None


@pytest.mark.converges
def test_site_yml_mends_a_controller_that_read_the_associations_without_the_directory(controller, login, as_user):
    """A cold start of the cluster: slurmctld read the associations before sssd reached LDAP, so the LDAP user
    bob has no uid there and stays so after sssd is back; his jobs are refused (roles/slurm_accounting)."""
    skip_without_directory(controller)

    def submit_as_bob():
        return as_user(login, "sbatch --wait --time=1 --output=/dev/null --wrap=true", user="bob")

    try:
        # sssd stopped, with its memory cache gone: bob (LDAP only) does not resolve on the controller.
        controller.check_output("systemctl stop sssd && rm -f /var/lib/sss/mc/passwd /var/lib/sss/mc/group"
                                " /var/lib/sss/mc/initgroups")
        assert controller.run("getent passwd bob").rc == 2
        controller.check_output("scontrol reconfigure")
        wait_for("slurmctld re-read bob without a uid", lambda: _uid_in_slurmctld(controller, "bob") == NO_UID, 60)
    finally:
        controller.check_output("systemctl start sssd")
    wait_for("bob resolves on the controller", lambda: controller.run("getent passwd bob").rc == 0, 60)
    refused = submit_as_bob()
    assert refused.rc != 0 and "Invalid account" in refused.stderr, (refused.rc, refused.stderr)
    output = run_playbook("site.yml", "--tags", "slurm_accounting")[0].stdout
    assert re.search(r"TASK \[hpcstack\.cluster\.slurm_accounting : Make slurmctld read the associations again\]"
                     r" \*+\nchanged: \[ctl1\]", output), output[-3000:]
    assert _uid_in_slurmctld(controller, "bob") == int(controller.check_output("id -u bob"))
    job = submit_as_bob()
    assert job.rc == 0, job.stderr
