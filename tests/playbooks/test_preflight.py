"""Bad input stops `site.yml` with a clear message before any host is touched.

Each case writes a small inventory whose hosts point at containers that do not exist: if any
play after the preflight tried a host, Docker's "No such container" would show in the output.
"""

import base64
import copy
import json
import os
import subprocess
import sys

import pytest
import yaml

CONTACTED = "No such container: hpcstack-preflight-absent"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(REPO, "playbooks", "site.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

HOSTS = {
    "all": {
        "vars": {
            "ansible_connection": "community.docker.docker",
            "ansible_host": "hpcstack-preflight-absent-{{ inventory_hostname }}",
        },
        "children": {
            "slurmctld": {"hosts": {"ctl1": {}}},
            "slurmd": {"hosts": {"c1": {}, "c2": {}}},
            "login": {"hosts": {"login1": {}}},
        },
    }
}

MODEL = {
    "slurm_cluster_name": "test",
    "slurm_nodes": [{"names": "c[1-2]", "cpus": 2, "sockets": 1, "cores_per_socket": 2,
                     "threads_per_core": 1, "real_memory": 1000}],
    "slurm_partitions": [{"name": "debug", "nodes": "c[1-2]", "default": True, "max_time": "1:00:00"}],
}


def _key(size):
    return base64.b64encode(b"k" * size).decode()


def _with(**changes):
    model = copy.deepcopy(MODEL)
    model.update(changes)
    return model


def _node(**changes):
    node = dict(MODEL["slurm_nodes"][0], **changes)
    return [node]


def _partition(**changes):
    return dict(MODEL["slurm_partitions"][0], **changes)


# A cluster spec (inventory plugin hpcstack.cluster.cluster) instead of hosts.yml and the model variables.
SPEC = {
    "plugin": "hpcstack.cluster.cluster",
    "cluster_name": "test",
    "controllers": ["ctl1"],
    "hosts": {"ctl1": {"address": "10.0.0.10"}},
    "nodes": [dict(MODEL["slurm_nodes"][0], names="c[1-2]", address="10.0.0.101")],
    "partitions": MODEL["slurm_partitions"],
}


def _spec(**changes):
    return {"cluster_spec": dict(copy.deepcopy(SPEC), **changes)}


# A cloud node class (docs/elastic.md) in a partition with the static nodes.
EC2 = {"region": "eu-west-1", "launch_template": {"name": "hpc-compute"}}
CLOUD_HOSTS = None  # cloud nodes are no inventory hosts: group slurmd keeps c[1-2]


def _cloud(cloud=None, **changes):
    entry = dict(MODEL["slurm_nodes"][0], names="aws-[1-2]", configless=True,
                 cloud=cloud or {"class": "aws", "provider": "ec2", "ec2": EC2})
    entry.update(changes)
    return _with(slurm_nodes=_node() + [entry], slurm_partitions=[_partition(nodes="c[1-2],aws-[1-2]")])


# (case id, group vars, hosts override or None, the exact problem line (or lines) of the failure message)
CASES = [
    ("node-in-no-partition",
     _with(slurm_nodes=_node(names="c[1-3]")),
     {"slurmd": ["c1", "c2", "c3"]}, "slurm_nodes[0] (c[1-3]): nodes c3 are in no partition"),
    ("partition-names-unknown-nodes",
     _with(slurm_partitions=[dict(MODEL["slurm_partitions"][0], nodes="c[1-4]")]),
     None, "slurm_partitions[0] (debug): nodes c[3-4] are not defined in slurm_nodes"),
    ("munge-key-too-short", _with(munge_key=_key(16)), None,
     "c[1-2],ctl1,login1: munge_key must be a base64-encoded key of 32 to 1024 bytes (the given value is 16 bytes); "
     "create one with: dd if=/dev/urandom bs=1 count=1024 | base64 -w0"),
    ("munge-key-too-long", _with(munge_key=_key(2048)), None,
     "c[1-2],ctl1,login1: munge_key must be a base64-encoded key of 32 to 1024 bytes (the given value is 2048 bytes); "
     "create one with: dd if=/dev/urandom bs=1 count=1024 | base64 -w0"),
    ("munge-key-not-base64", _with(munge_key="not base64 at all!"), None,
     "c[1-2],ctl1,login1: munge_key must be a base64-encoded key of 32 to 1024 bytes (the given value is not valid base64); "
     "create one with: dd if=/dev/urandom bs=1 count=1024 | base64 -w0"),
    ("jwt-key-too-short", _with(slurm_jwt_key=_key(16)), None,
     "c[1-2],ctl1,login1: slurm_jwt_key must be a base64-encoded key of 32 to 4096 bytes (the given value is 16 bytes); "
     "create one with: dd if=/dev/urandom bs=1 count=32 | base64 -w0"),
    ("cpus-do-not-add-up", _with(slurm_nodes=_node(cpus=4)), None,
     "slurm_nodes[0] (c[1-2]): cpus is 4 but sockets 1 x cores_per_socket 2 x threads_per_core 1 is 2"),
    ("slurmd-host-not-a-node", _with(), {"slurmd": ["c1", "c2", "gpu9"]}, "slurmd group: hosts gpu9 are not nodes of slurm_nodes"),
    ("two-default-partitions",
     _with(slurm_partitions=MODEL["slurm_partitions"] + [dict(MODEL["slurm_partitions"][0], name="long")]),
     None, "slurm_partitions[1] (long): only one partition can be the default, and slurm_partitions[0] (debug) already is"),
    ("bad-cluster-name", _with(slurm_cluster_name="My Cluster"), None,
     "slurm_cluster_name: 'My Cluster' is not a valid cluster name (1 to 40 of a-z, 0-9 and _)"),
    ("no-controller", _with(), {"slurmctld": []}, "group slurmctld is empty: the cluster needs at least one controller"),
    ("port-not-a-number", _with(slurm_slurmctld_port="six-eight-one-seven"), None,
     "c[1-2],ctl1,login1: slurm_slurmctld_port (role slurm_common): must be of type int, got 'six-eight-one-seven'"),
    ("return-to-service-out-of-choices", _with(slurm_return_to_service=5), None,
     "c[1-2],ctl1,login1: slurm_return_to_service (role slurm_common): value of slurm_return_to_service must be one of: 0, 1, 2, got: 5"),
    ("user-without-uid", _with(accounts_users=[{"name": "bob"}]), None,
     "c[1-2],ctl1,login1: accounts_users (role accounts): missing required arguments: uid found in accounts_users"),
    ("nfs-server-implementation-out-of-choices", _with(nfs_server_implementation="nfsd"), None,
     "c[1-2],ctl1,login1: nfs_server_implementation (role nfs_server): value of nfs_server_implementation must be one of: "
     "auto, kernel, ganesha, got: nfsd"),
    ("nfs-mount-without-path", _with(nfs_client_mounts=[{"src": "ctl1:/home"}]), None,
     "c[1-2],ctl1,login1: nfs_client_mounts (role nfs_client): missing required arguments: path found in nfs_client_mounts"),
    ("lustre-mount-state-unknown",
     _with(lustre_client_mounts=[{"src": "mgs@tcp0:/scratch", "path": "/scratch", "state": "up"}]), None,
     "c[1-2],ctl1,login1: lustre_client_mounts (role lustre_client): value of state must be one of: mounted, present, "
     "absent, got: up found in lustre_client_mounts"),
    ("enroot-install-not-a-boolean", _with(enroot_install="perhaps"), None,
     "c[1-2],ctl1,login1: enroot_install (role enroot): must be of type bool, got 'perhaps'"),
    ("pyxis-options-not-a-dict", _with(pyxis_options=["runtime_path=/run/pyxis"]), None,
     "c[1-2],ctl1,login1: pyxis_options (role pyxis): must be of type dict, got ['runtime_path=/run/pyxis']"),
    ("sssd-uri-not-ldap",
     _with(sssd_ldap_uri=["http://ldap1"], sssd_ldap_search_base="dc=example,dc=org"),
     None, "c[1-2],ctl1,login1: sssd_ldap_uri entries must look like ldap://host or ldaps://host (given: http://ldap1)"),
    ("sssd-bind-dn-without-password",
     _with(sssd_ldap_uri=["ldap://ldap1"], sssd_ldap_search_base="dc=example,dc=org",
           sssd_ldap_default_bind_dn="cn=reader,dc=example,dc=org"),
     None, "c[1-2],ctl1,login1: sssd_ldap_default_authtok (the bind password, in a vault) must be set when "
           "sssd_ldap_default_bind_dn is"),
    ("sssd-tls-reqcert-out-of-choices", _with(sssd_ldap_tls_reqcert="sometimes"), None,
     "c[1-2],ctl1,login1: sssd_ldap_tls_reqcert (role sssd): value of sssd_ldap_tls_reqcert must be one of: never, allow, "
     "try, demand, hard, got: sometimes"),
    ("health-check-node-state-out-of-choices", _with(slurm_health_check_node_state=["BUSY"]), None,
     "c[1-2],ctl1,login1: slurm_health_check_node_state (role slurm_common): value of slurm_health_check_node_state must be "
     "one or more of: ALLOC, ANY, CYCLE, IDLE, MIXED, NONDRAINED_IDLE, START_ONLY. Got no match for: BUSY"),
    ("health-disk-threshold-not-a-number",
     _with(node_health_disk_free=[{"path": "/tmp", "min_free_mb": "lots"}]), None,
     "c[1-2],ctl1,login1: node_health_disk_free (role node_health): argument 'min_free_mb' is of type str found in "
     "'node_health_disk_free'. and we were unable to convert to int: \"'lots'\" cannot be converted to an int"),
    ("lmod-bashrc-not-a-boolean", _with(lmod_bashrc="perhaps"), None,
     "c[1-2],ctl1,login1: lmod_bashrc (role lmod): must be of type bool, got 'perhaps'"),
    ("hostlist-does-not-parse", _with(slurm_nodes=_node(names="c[1-")), None,
     ["slurm_nodes[0] (c[1-): names: invalid hostlist expression 'c[1-': unbalanced brackets",
      "slurm_partitions[0] (debug): nodes c[1-2] are not defined in slurm_nodes",
      "slurmd group: hosts c[1-2] are not nodes of slurm_nodes"]),
    ("node-defined-twice", _with(slurm_nodes=_node() + _node(names="c2")), None,
     "slurm_nodes[1] (c2): nodes c2 are already defined by slurm_nodes[0] (c[1-2])"),
    ("partition-name-used-twice",
     _with(slurm_partitions=MODEL["slurm_partitions"] + [_partition(default=False)]),
     None, "slurm_partitions[1] (debug): partition name debug is already used by slurm_partitions[0] (debug)"),
    ("partition-lists-a-node-twice", _with(slurm_partitions=[_partition(nodes="c[1-2],c1")]), None,
     "slurm_partitions[0] (debug): nodes lists c1 more than once"),
    ("real-memory-zero", _with(slurm_nodes=_node(real_memory=0)), None, "slurm_nodes[0] (c[1-2]): real_memory must be at least 1"),
    ("real-memory-with-unit", _with(slurm_nodes=_node(real_memory="1G")), None, "slurm_nodes[0] (c[1-2]): real_memory must be an integer"),
    ("node-key-misspelt", _with(slurm_nodes=_node(cpu=2)), None, "slurm_nodes[0] (c[1-2]): unknown key cpu"),
    ("partition-state-unknown", _with(slurm_partitions=[_partition(state="BROKEN")]), None,
     "slurm_partitions[0] (debug): state must be one of UP, DOWN, DRAIN, INACTIVE"),
    ("max-time-unquoted", _with(slurm_partitions=[_partition(max_time=3600)]), None,
     "slurm_partitions[0] (debug): max_time must be a quoted string such as \"1:00:00\" (unquoted, YAML reads 1:00:00 as the number 3600)"),
    ("port-out-of-range", _with(slurm_slurmd_port=70000), None,
     "c[1-2],ctl1,login1: slurm_slurmd_port (role slurm_common): must be a port number from 1 to 65535, got 70000"),
    ("ports-collide", _with(slurm_slurmd_port=6817), None,
     "c[1-2],ctl1,login1: slurm_slurmctld_port, slurm_slurmd_port and slurm_accounting_storage_port must differ: "
     "slurmctld, slurmd and slurmdbd each need their own port (got 6817, 6817, 6819)"),
    ("external-database-without-password", _with(slurmdbd_storage_host="db.example.org"), {"slurmdbd": ["ctl1"]},
     "c[1-2],ctl1,login1: slurmdbd_storage_host db.example.org is not in the inventory, so it is an external database: "
     "set slurmdbd_storage_pass (in a vault) to the password of its slurmdbd user"),
    # One host's own variables (host_vars) are checked too, each reported for that host only.
    ("host-var-lmod-bashrc", _with(), {"host_vars": {"c1": {"lmod_bashrc": "perhaps"}}},
     "c1: lmod_bashrc (role lmod): must be of type bool, got 'perhaps'"),
    ("host-var-slurmd-port", _with(), {"host_vars": {"c2": {"slurm_slurmd_port": 70000}}},
     "c2: slurm_slurmd_port (role slurm_common): must be a port number from 1 to 65535, got 70000"),
    ("host-var-ports-collide", _with(), {"host_vars": {"login1": {"slurm_slurmctld_port": 6818}}},
     "login1: slurm_slurmctld_port, slurm_slurmd_port and slurm_accounting_storage_port must differ: "
     "slurmctld, slurmd and slurmdbd each need their own port (got 6818, 6818, 6819)"),
    ("host-var-rolling-include-drained", _with(), {"host_vars": {"c2": {"rolling_include_drained": "perhaps"}}},
     "c2: rolling_include_drained (role slurm_maintenance): must be of type bool, got 'perhaps'"),
    ("rolling-action-out-of-choices", _with(rolling_action="upgrade"), None,
     "c[1-2],ctl1,login1: rolling_action (role slurm_maintenance): value of rolling_action must be one of: none, "
     "apt_upgrade, reboot_if_required, tasks, got: upgrade"),
    ("backup-keep-zero", _with(backup_keep=0), None,
     "c[1-2],ctl1,login1: backup_keep must be at least 1: the backup just taken is always kept (got 0)"),
    ("upgrade-target-unquoted", _with(slurm_upgrade_target_version=25.10), None,
     "c[1-2],ctl1,login1: slurm_upgrade_target_version must be a quoted string such as \"25.05\" (unquoted, YAML "
     "reads 25.10 as the number 25.1; got 25.1)"),
    ("host-var-munge-key", _with(), {"host_vars": {"c1": {"munge_key": _key(8)}}},
     "c1: munge_key must be a base64-encoded key of 32 to 1024 bytes (the given value is 8 bytes); "
     "create one with: dd if=/dev/urandom bs=1 count=1024 | base64 -w0"),
    ("cloud-unknown-provider", _cloud({"class": "aws", "provider": "gce"}), CLOUD_HOSTS,
     "slurm_nodes[1] (aws-[1-2]): cloud.provider: unknown provider 'gce' (known: docker, ec2)"),
    ("cloud-without-region", _cloud({"class": "aws", "provider": "ec2", "ec2": {"launch_template": {"name": "hpc-compute"}}}),
     CLOUD_HOSTS, "slurm_nodes[1] (aws-[1-2]): cloud.ec2.region: is required (the AWS region to launch in, e.g. eu-west-1)"),
    ("cloud-role-arn-malformed", _cloud({"class": "aws", "provider": "ec2", "ec2": dict(EC2, role_arn="arn:aws:iam::1:user/x")}),
     CLOUD_HOSTS, "slurm_nodes[1] (aws-[1-2]): cloud.ec2.role_arn: 'arn:aws:iam::1:user/x' is not valid "
                  "(like arn:aws:iam::123456789012:role/hpc-burst)"),
    ("cloud-node-in-slurmd-group", _cloud(), {"slurmd": ["c1", "c2", "aws-1"]},
     "slurmd group: hosts aws-1 are cloud nodes: leave them out of the group (no play can reach a node that is powered down)"),
    ("spec-cloud-node-with-address", {}, _spec(nodes=SPEC["nodes"] + [dict(_cloud()["slurm_nodes"][1], address="10.0.0.151")],
                                               partitions=[_partition(nodes="c[1-2],aws-[1-2]")]),
     "slurm_nodes[1] (aws-[1-2]): cloud nodes get their address when their instance starts: remove node_address of aws-[1-2]"),
    ("cloud-not-configless", _cloud(configless=False), CLOUD_HOSTS,
     "slurm_nodes[1] (aws-[1-2]): cloud nodes must be configless (configless: true): an instance has no slurm.conf of its "
     "own and fetches it from the controllers"),
    ("cloud-class-name-bad", _cloud({"class": "AWS", "provider": "ec2", "ec2": EC2}), CLOUD_HOSTS,
     "slurm_nodes[1] (aws-[1-2]): cloud class 'AWS' is not a cloud class name (lower-case letters, digits, _ and -, "
     "at most 40: it names the node feature and the instances' tag)"),
    ("power-saving-key-misspelt", dict(_cloud(), slurm_power_saving={"suspend_tme": 300}), CLOUD_HOSTS,
     "slurm_power_saving: unknown key suspend_tme"),
    ("spec-duplicate-address", {}, _spec(hosts={"ctl1": {"address": "10.0.0.102"}}),
     "address 10.0.0.102 of c2 is already the address of ctl1"),
    ("spec-unknown-key", {}, _spec(controller=["ctl1"]), "unknown key controller"),
    ("spec-unknown-node-in-partition", {}, _spec(partitions=[_partition(nodes="c[1-3]")]),
     "partitions[0] (debug): nodes c3 are not defined in nodes"),
]


# The day-2 playbooks start with the preflight too: bad values of their variables, given as extra vars
# (how they are usually given), stop them before any host is touched.
# (case id, playbook, extra vars, the exact problem line of the failure message)
ALL = "c[1-2],ctl1,login1: "
DAY2_CASES = [
    ("rolling-action-path", "rolling_maintenance.yml", {"rolling_action": "/srv/site/firmware.yml"},
     ALL + "rolling_action (role slurm_maintenance): value of rolling_action must be one of: none, apt_upgrade, "
     "reboot_if_required, tasks, got: /srv/site/firmware.yml"),
    ("rolling-action-tasks-missing", "rolling_maintenance.yml", {"rolling_action": "tasks"},
     ALL + "rolling_action is tasks: set rolling_action_tasks to the path of the task file to run on each node"),
    ("rolling-on-timeout-out-of-choices", "rolling_maintenance.yml", {"rolling_on_timeout": "wait"},
     ALL + "rolling_on_timeout (role slurm_maintenance): value of rolling_on_timeout must be one of: fail, resume, got: wait"),
    ("rolling-serial-not-a-number", "rolling_maintenance.yml", {"rolling_serial": "half"},
     ALL + "rolling_serial must be a number of nodes or a percentage such as 25%, got 'half'"),
    ("rolling-drain-timeout-not-a-number", "rolling_maintenance.yml", {"rolling_drain_timeout": "1h"},
     ALL + "rolling_drain_timeout (role slurm_maintenance): must be of type int, got '1h'"),
    ("rolling-include-drained-not-a-boolean", "rolling_maintenance.yml", {"rolling_include_drained": "perhaps"},
     ALL + "rolling_include_drained (role slurm_maintenance): must be of type bool, got 'perhaps'"),
    ("backup-keep-not-a-number", "backup.yml", {"backup_keep": "all"},
     ALL + "backup_keep (role slurm_backup/accounting): must be of type int, got 'all'"),
    ("backup-keep-zero", "backup.yml", {"backup_keep": 0},
     ALL + "backup_keep must be at least 1: the backup just taken is always kept (got 0)"),
    ("backup-dump-packages-not-a-list", "backup.yml", {"backup_dump_packages": {"name": "mariadb-client"}},
     ALL + "backup_dump_packages (role slurm_backup/accounting): must be of type list, got {'name': 'mariadb-client'}"),
    ("restore-database-not-a-name", "restore.yml", {"restore_database": "slurm acct; drop"},
     ALL + "restore_database must be a database name of 1 to 64 of A-Z, a-z, 0-9, _ and $, got 'slurm acct; drop'"),
    ("upgrade-batch-not-a-number", "upgrade.yml", {"slurm_upgrade_batch": "some"},
     ALL + "slurm_upgrade_batch must be a number of compute nodes or a percentage such as 25%, got 'some'"),
    ("upgrade-slurmdbd-timeout-not-a-number", "upgrade.yml", {"slurm_upgrade_slurmdbd_timeout": "30m"},
     ALL + "slurm_upgrade_slurmdbd_timeout (role slurm_upgrade/slurmdbd): must be of type int, got '30m'"),
    ("upgrade-target-not-a-string", "upgrade.yml", {"slurm_upgrade_target_version": 25.1},
     ALL + "slurm_upgrade_target_version must be a quoted string such as \"25.05\" (unquoted, YAML reads 25.10 as "
     "the number 25.1; got 25.1)"),
]


def _write_inventory(directory, group_vars, hosts_override):
    hosts_override = dict(hosts_override or {})
    spec = hosts_override.pop("cluster_spec", None)
    host_vars = hosts_override.pop("host_vars", {})
    if spec:
        _dump(os.path.join(directory, "cluster.yml"), spec)
        group_vars = dict(group_vars, **HOSTS["all"]["vars"])
    else:
        hosts = copy.deepcopy(HOSTS)
        for group, members in hosts_override.items():
            hosts["all"]["children"][group] = {"hosts": {name: {} for name in members}}
        _dump(os.path.join(directory, "hosts.yml"), hosts)
    os.makedirs(os.path.join(directory, "group_vars"))
    _dump(os.path.join(directory, "group_vars", "all.yml"), group_vars)
    if host_vars:
        os.makedirs(os.path.join(directory, "host_vars"))
        for host, variables in host_vars.items():
            _dump(os.path.join(directory, "host_vars", host + ".yml"), variables)


def _dump(path, data):
    with open(path, "w") as handle:
        yaml.safe_dump(data, handle)


def _run_site(tmp_path, group_vars, hosts_override=None, playbook=SITE, extra_vars=None):
    _write_inventory(str(tmp_path), group_vars, hosts_override)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    extra = ["-e", json.dumps(extra_vars)] if extra_vars else []
    return subprocess.run(
        [ANSIBLE_PLAYBOOK, "-i", str(tmp_path), playbook] + extra,
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )


@pytest.mark.parametrize("group_vars, hosts_override, expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_rejected_before_any_host_is_touched(tmp_path, group_vars, hosts_override, expected):
    result = _run_site(tmp_path, group_vars, hosts_override)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert _problems(output) == (expected if isinstance(expected, list) else [expected]), output[-3000:]
    assert "PLAY [Check the platform of every managed host]" not in output
    assert CONTACTED not in output


@pytest.mark.parametrize("playbook, extra_vars, expected", [case[1:] for case in DAY2_CASES], ids=[case[0] for case in DAY2_CASES])
def test_bad_day2_input_is_rejected_before_any_host_is_touched(tmp_path, playbook, extra_vars, expected):
    result = _run_site(tmp_path, _with(), playbook=os.path.join(REPO, "playbooks", playbook), extra_vars=extra_vars)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert _problems(output) == [expected], output[-3000:]
    assert "PLAY [Check the inventory and derive the cluster model]" in output
    assert output.count("PLAY [") == 2, "a play after the preflight ran: " + output[-3000:]
    assert CONTACTED not in output


def _problems(output):
    """The problem lines of the preflight's failure message (or the spec's parse error)."""
    if "The cluster spec" in output:
        lines = output.split("problem(s):", 1)[1].splitlines()
        return [line.strip().split(": ", 1)[1] for line in lines[1:] if line.startswith("  /")][:1] or lines[:1]
    message = output.split("msg: |-", 1)[1] if "msg: |-" in output else ""
    return [line.strip()[2:] for line in message.splitlines() if line.strip().startswith("- ")]


def test_valid_input_passes_the_preflight(tmp_path):
    """Control: with a valid model the run gets past the model check to the platform check, the first
    play that contacts the hosts (and fails to reach the absent ones, so no apt task runs)."""
    result = _run_site(tmp_path, _with(munge_key=_key(1024)))
    output = result.stdout + result.stderr
    assert "PLAY [Check the platform of every managed host]" in output, output[-3000:]
    assert CONTACTED in output
    assert "PLAY [Prepare every cluster member]" not in output


def test_the_munge_key_is_not_printed(tmp_path):
    key = _key(16)
    result = _run_site(tmp_path, _with(munge_key=key))
    assert "the given value is 16 bytes" in result.stdout + result.stderr
    assert key not in result.stdout + result.stderr
