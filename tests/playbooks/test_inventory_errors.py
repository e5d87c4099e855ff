"""A cluster spec that does not parse, or python-hostlist missing, fails the run with the parse error.

Ansible only warns about an inventory source no plugin could parse, leaves the inventory empty and
skips every play ("skipping: no hosts matched", exit 0) unless ansible.cfg sets
`any_unparsed_is_failed`. The hosts point at containers that do not exist: if a play tried a host,
Docker's "No such container" would show.
"""

import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
CONTACTED = "No such container"

SPEC = {
    "plugin": "hpcstack.cluster.cluster",
    "cluster_name": "test",
    "controllers": ["ctl1"],
    "nodes": [{"names": "c[1-2]", "cpus": 2, "sockets": 1, "cores_per_socket": 2, "threads_per_core": 1,
               "real_memory": 1000}],
    "partitions": [{"name": "debug", "nodes": "c[1-2]", "default": True}],
}
HOST_VARS = {"ansible_connection": "community.docker.docker", "ansible_host": "hpcstack-absent-{{ inventory_hostname }}"}
EMPTY = ("The inventory (%s) has no hosts: an inventory source that did not parse leaves it empty. See the parse "
         "error with ansible-inventory -i SOURCE --list, and set any_unparsed_is_failed = True under [inventory] "
         "in ansible.cfg so that the run stops with it.")


def _project(tmp_path, spec, strict):
    """A site project: ansible.cfg (with or without any_unparsed_is_failed) and inventory/cluster.yml."""
    inventory = tmp_path / "inventory"
    os.makedirs(inventory / "group_vars")
    with open(inventory / "cluster.yml", "w") as handle:
        handle.write(spec if isinstance(spec, str) else yaml.safe_dump(spec))
    with open(inventory / "group_vars" / "all.yml", "w") as handle:
        yaml.safe_dump(HOST_VARS, handle)
    with open(tmp_path / "ansible.cfg", "w") as handle:
        handle.write("[defaults]\ncollections_path = %s\n" % os.path.join(REPO, ".cache", "collections"))
        if strict:
            handle.write("\n[inventory]\nany_unparsed_is_failed = True\n")
    return str(inventory / "cluster.yml")


def _run(tmp_path, *argv, pythonpath=None):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"),
               HOME=str(tmp_path))
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)  # the project's ansible.cfg says where the collection is
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    result = subprocess.run([os.path.join(BIN, argv[0])] + list(argv[1:]), capture_output=True, text=True, env=env,
                            cwd=str(tmp_path), check=False, timeout=300)
    return result.returncode, result.stdout + result.stderr


def _broken():
    spec = dict(SPEC, nodes=[dict(SPEC["nodes"][0], names="c[1-2")])
    return spec


def _problem(path):
    return "%s:5: nodes[0] (c[1-2): names: invalid hostlist expression 'c[1-2': unbalanced brackets" % path


def test_broken_spec_fails_the_site_run_even_without_any_unparsed_is_failed(tmp_path):
    path = _project(tmp_path, _broken(), strict=False)
    rc, output = _run(tmp_path, "ansible-playbook", "-i", "inventory", "hpcstack.cluster.site")
    assert rc == 2, output[-3000:]
    assert _problem(path) in output  # Ansible's warning carries the spec's problem
    assert EMPTY % os.path.dirname(path) in output
    assert "PLAY [Check the inventory and derive the cluster model]" not in output
    assert CONTACTED not in output


def test_broken_spec_stops_the_run_with_any_unparsed_is_failed(tmp_path):
    path = _project(tmp_path, _broken(), strict=True)
    rc, output = _run(tmp_path, "ansible-playbook", "-i", "inventory", "hpcstack.cluster.site")
    assert rc != 0, output[-3000:]
    assert "Completely failed to parse inventory source %s" % path in output
    assert _problem(path) in output
    assert "PLAY [" not in output and CONTACTED not in output


def test_ansible_inventory_shows_the_parse_error(tmp_path):
    path = _project(tmp_path, _broken(), strict=True)
    rc, output = _run(tmp_path, "ansible-inventory", "-i", "inventory", "--list")
    assert rc != 0
    assert "The cluster spec %s has 2 problem(s):" % path in output
    assert _problem(path) in output


def test_yaml_that_does_not_parse_fails_the_run(tmp_path):
    path = _project(tmp_path, "plugin: hpcstack.cluster.cluster\nnodes: [c1\n", strict=False)
    rc, output = _run(tmp_path, "ansible-playbook", "-i", "inventory", "hpcstack.cluster.site")
    assert rc == 2, output[-3000:]
    assert EMPTY % os.path.dirname(path) in output
    assert CONTACTED not in output


def test_missing_python_hostlist_fails_the_run_naming_the_spec(tmp_path):
    path = _project(tmp_path, SPEC, strict=False)
    shadow = tmp_path / "no-hostlist"
    os.makedirs(shadow)
    with open(shadow / "hostlist.py", "w") as handle:  # `import hostlist` fails as if it were not installed
        handle.write("raise ImportError('python-hostlist hidden by the test')\n")
    rc, output = _run(tmp_path, "ansible-playbook", "-i", "inventory", "hpcstack.cluster.site", pythonpath=str(shadow))
    assert rc == 2, output[-3000:]
    assert ("The cluster spec %s cannot be read: the python-hostlist library is missing: install python-hostlist "
            "on the controller" % path) in output
    assert EMPTY % os.path.dirname(path) in output
    assert CONTACTED not in output
