"""Directory users (sssd against the lab's slapd) and Lmod modules, the way users meet them."""

import uuid

import pytest

from hpcstack_harness import skip_without_directory

LDAP_USER = "bob"


@pytest.fixture
def directory(login):
    skip_without_directory(login)


def test_ldap_user_resolves_on_every_node(all_hosts, directory):
    for host in all_hosts:
        entry = host.check_output("getent passwd %s", LDAP_USER).split(":")
        assert entry[2:4] == ["3001", "3001"], (host.backend.hostname, entry)
        assert entry[5:] == ["/home/bob", "/bin/bash"], (host.backend.hostname, entry)
        assert "hpcusers" in host.check_output("id -Gn %s", LDAP_USER).split(), host.backend.hostname


def test_sssd_conf_is_private_and_nsswitch_asks_sssd(all_hosts, directory):
    for host in all_hosts:
        conf = host.file("/etc/sssd/sssd.conf")
        # 0640 root:root with sssd 2.10+, whose unit makes /etc/sssd group-readable at each start.
        assert (conf.user, conf.group) == ("root", "root"), host.backend.hostname
        assert conf.mode in (0o600, 0o640), (host.backend.hostname, oct(conf.mode))
        assert host.service("sssd").is_running, host.backend.hostname
        nsswitch = host.file("/etc/nsswitch.conf").content_string
        for database in ("passwd", "group", "shadow"):
            line = next(line for line in nsswitch.splitlines() if line.startswith(database + ":"))
            assert "sss" in line.split(), (host.backend.hostname, line)


def test_ldap_user_runs_a_job_from_the_login_node(login, directory):
    result = login.run("cd /tmp && runuser -u %s -- srun --nodes=2 --time=1 sh -c 'echo $(id -un):$(hostname -s)'",
                       LDAP_USER)
    assert result.rc == 0, result.stderr
    assert sorted(result.stdout.split()) == ["bob:c1", "bob:c2"]


def test_site_module_is_available(login, as_user):
    result = as_user(login, "bash -lc 'module -t avail 2>&1'")
    assert result.rc == 0, result.stderr
    assert "hello/1.0" in result.stdout
    assert "/apps/modulefiles" in as_user(login, "bash -lc 'echo $MODULEPATH'").stdout


def test_module_loads_in_srun_login_shell(login, as_user):
    result = as_user(login, "srun --nodes=1 --time=1 bash -lc 'module load hello && hello'")
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("hello 1.0 from c"), result.stdout


def _batch(login, script, submit="bash -lc 'cd ~ && sbatch %s'", options=""):
    """Submit `script` as alice (by default from a login shell), wait for it and return its output."""
    name = "lmod-%s" % uuid.uuid4().hex[:8]
    path = "/home/alice/%s.sh" % name
    output = "/home/alice/%s.out" % name
    login.check_output("printf '%%s' %s > %s && chown alice: %s", script, path, path)
    try:
        sbatch = "--wait --time=1 --output=%s %s %s" % (output, options, path)
        result = login.run("cd /home/alice && runuser -u alice -- " + submit % sbatch)
        assert result.rc == 0, result.stdout + result.stderr
        return login.file(output).content_string
    finally:
        login.run("rm -f %s %s", path, output)


def test_module_loads_in_a_plain_batch_script(login):
    """A `#!/bin/bash` script submitted from a login shell: the job inherits BASH_ENV and `module`."""
    output = _batch(login, "#!/bin/bash\nmodule load hello\nhello\necho \"loaded=$LOADEDMODULES\"\n")
    assert "hello 1.0 from c" in output, output
    assert "loaded=hello/1.0" in output, output


def test_module_loads_in_a_login_batch_script_submitted_from_a_bare_environment(login):
    """`#!/bin/bash -l` needs nothing from the submitting shell: the compute node's profile defines `module`."""
    output = _batch(login, "#!/bin/bash -l\nmodule load hello\nhello\n", submit="env -i PATH=/usr/bin:/bin sbatch %s")
    assert "hello 1.0 from c" in output, output


def test_module_loads_with_export_none(login):
    """--export=NONE: Slurm builds the job's environment from the user's login environment on the node."""
    output = _batch(login, "#!/bin/bash\nmodule load hello\nhello\n", options="--export=NONE")
    assert "hello 1.0 from c" in output, output


@pytest.mark.parametrize("database", ["passwd", "group"])
def test_unknown_directory_names_do_not_resolve(login, database, directory):
    """Control: sssd answers only for what the directory holds."""
    assert login.run("getent %s hpcstack-no-such-entry", database).rc == 2
