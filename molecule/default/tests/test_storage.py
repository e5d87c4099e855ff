"""Shared storage and containers: the NFS export (nfs-ganesha) read over NFS from another
container, job output on shared /home, and the nfs_client, lustre_client, enroot and pyxis roles
(configuration and prerequisite checks both ways; this kernel cannot mount NFS or Lustre)."""

import json
import os
import tempfile
import time
import uuid

import pytest

from hpcstack_harness import host as _host, run_playbook

APPLY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "apply_role.yml")
NO_KERNEL_NFS = "this kernel has no NFS client: kernel NFS mounts can only be checked as configuration"


def apply(target, role, **role_vars):
    """Apply hpcstack.cluster.<role> to target with role_vars; return (rc, output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(dict(role_vars, target=target, role=role), handle)
    try:
        result = run_playbook(APPLY, "-e", "@" + handle.name, may_fail=True, timeout=600,
                              env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})[0]
    finally:
        os.unlink(handle.name)
    return result.returncode, result.stdout + result.stderr


def applied(target, role, **role_vars):
    rc, output = apply(target, role, **role_vars)
    assert rc == 0, output
    return output


def kernel_has(host, fstype):
    return fstype in host.file("/proc/filesystems").content_string.split()


# ---- nfs_server (nfs-ganesha on ctl1) and the shared /home ----

@pytest.fixture(scope="module")
def ctl1():
    return _host("ctl1")


@pytest.fixture(scope="module")
def nfs_reader(login):
    """login1 with libnfs-utils (userspace NFS client: nfs-ls, nfs-cat)."""
    login.run_expect([0], "apt-get install -y -q libnfs-utils")
    return login


@pytest.fixture(scope="module")
def job_file(login, computes, as_user):
    """A file a batch job of alice wrote on c1 into /home/alice; (path, content)."""
    token = uuid.uuid4().hex
    path = "/home/alice/storage-proof-%s.out" % token
    node = computes[0].check_output("hostname")
    result = as_user(login, "sbatch --wait --parsable --nodelist=%s --time=1 --output=%s --wrap='echo %s on $(hostname)'"
                     % (node, path, token))
    assert result.rc == 0, result.stderr
    yield path, "%s on %s" % (token, node)
    login.run("rm -f " + path)


def test_ganesha_runs_with_the_exports(ctl1):
    assert ctl1.service("nfs-ganesha").is_running
    assert ctl1.service("nfs-ganesha").is_enabled
    config = ctl1.file("/etc/ganesha/ganesha.conf").content_string
    assert 'Path = "/home";' in config and 'Path = "/apps";' in config


def test_job_output_on_shared_home_is_readable_on_login(login, job_file):
    path, content = job_file
    assert login.file(path).content_string.strip() == content
    assert login.file(path).user == "alice"


def nfs_run(host, command, attempts=40):
    """Run a libnfs command, waiting out the server's grace period after a (re)start (NFS4ERR_GRACE)."""
    for _attempt in range(attempts):
        result = host.run(command)
        if "NFS4ERR_GRACE" not in result.stdout + result.stderr:
            break
        time.sleep(3)
    return result


def test_job_output_read_over_nfs_from_login(nfs_reader, job_file):
    path, content = job_file
    uid = nfs_reader.check_output("id -u alice")
    gid = nfs_reader.check_output("id -g alice")
    url = "nfs://ctl1%s?version=4&uid=%s&gid=%s" % (path, uid, gid)
    result = nfs_run(nfs_reader, "nfs-cat '%s'" % url)
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == content


def test_nfs_listing_of_home(nfs_reader):
    result = nfs_run(nfs_reader, "nfs-ls 'nfs://ctl1/home?version=4'")
    assert result.rc == 0, result.stderr
    assert "alice" in result.stdout


def test_apps_is_exported_read_only(nfs_reader):
    nfs_reader.run_expect([0], "echo x > /tmp/storage-ro-probe")
    result = nfs_run(nfs_reader, "nfs-cp /tmp/storage-ro-probe 'nfs://ctl1/apps/storage-ro-probe?version=4'")
    assert result.rc != 0, "writing into the read-only /apps export worked"
    assert "NFS4ERR_ROFS" in result.stdout + result.stderr
    assert not nfs_reader.file("/apps/storage-ro-probe").exists


def test_kernel_nfs_server_is_refused_clearly(ctl1):
    if kernel_has(ctl1, "nfsd"):
        pytest.skip("this kernel has nfsd: the refusal of a kernel server without nfsd cannot be shown")
    rc, output = apply("ctl1", "nfs_server", nfs_server_implementation="kernel")
    assert rc != 0
    assert "nfs_server_implementation is kernel, but kernel" in output
    assert "has no NFS server: filesystem nfsd: not in /proc/filesystems and no loadable module" in output


# ---- nfs_client ----

NFS_MOUNT = {"src": "ctl1:/home", "path": "/mnt/storage-test/home"}


def test_nfs_client_writes_fstab_with_defaults(login):
    try:
        applied("login1", "nfs_client", nfs_client_mounts=[dict(NFS_MOUNT, state="present"),
                                                           {"src": "ctl1:/apps", "path": "/mnt/storage-test/apps",
                                                            "state": "present", "automount": True}])
        fstab = login.file("/etc/fstab").content_string.splitlines()
        assert "ctl1:/home /mnt/storage-test/home nfs4 rw,hard,proto=tcp,vers=4.2,timeo=600,retrans=2,noatime,_netdev 0 0" in fstab
        assert ("ctl1:/apps /mnt/storage-test/apps nfs4 rw,hard,proto=tcp,vers=4.2,timeo=600,retrans=2,noatime,_netdev,"
                "noauto,x-systemd.automount,x-systemd.idle-timeout=600 0 0") in fstab
        assert login.package("nfs-common").is_installed
    finally:
        applied("login1", "nfs_client", nfs_client_mounts=[dict(NFS_MOUNT, state="absent"),
                                                           {"src": "ctl1:/apps", "path": "/mnt/storage-test/apps",
                                                            "state": "absent"}])
    assert "/mnt/storage-test" not in login.file("/etc/fstab").content_string


def test_nfs_client_stops_clearly_without_kernel_nfs(login):
    if kernel_has(login, "nfs4"):
        pytest.skip("this kernel has an NFS client: the failure without one cannot be shown")
    rc, output = apply("login1", "nfs_client", nfs_client_mounts=[NFS_MOUNT])
    assert rc != 0
    assert "of login1 cannot mount NFS: filesystem nfs4: not in /proc/filesystems and no loadable module" in output
    assert "Nothing was mounted (/mnt/storage-test/home)" in output
    assert "/mnt/storage-test" not in login.file("/etc/fstab").content_string


def test_nfs_mount_itself():
    pytest.skip(NO_KERNEL_NFS + " (the mount of ctl1:/home with these options is not exercised)")


# ---- lustre_client ----

LUSTRE_MOUNT = {"src": "10.0.0.1@tcp0:/scratch", "path": "/mnt/storage-test/scratch"}
LUSTRE_CONFIG = {"lustre_client_install": False, "lustre_client_lnet_networks": ["tcp0(eth0)"],
                 "lustre_client_lnet_config": {"net": [{"net type": "tcp", "local NI(s)": [{"interfaces": {"0": "eth0"}}]}]}}


def test_lustre_client_configures_lnet_and_fstab(computes):
    node = computes[1]
    try:
        applied("c2", "lustre_client", lustre_client_mounts=[dict(LUSTRE_MOUNT, state="present")], **LUSTRE_CONFIG)
        assert 'options lnet networks="tcp0(eth0)"' in node.file("/etc/modprobe.d/lustre.conf").content_string
        assert "net type: tcp" in node.file("/etc/lnet.conf").content_string
        assert ("10.0.0.1@tcp0:/scratch /mnt/storage-test/scratch lustre defaults,_netdev,flock,lazystatfs,noatime 0 0"
                in node.file("/etc/fstab").content_string.splitlines())
    finally:
        applied("c2", "lustre_client", lustre_client_install=False, lustre_client_mounts=[dict(LUSTRE_MOUNT, state="absent")])
        node.run("rm -f /etc/modprobe.d/lustre.conf /etc/lnet.conf")
    assert "/mnt/storage-test" not in node.file("/etc/fstab").content_string


def test_lustre_client_stops_clearly_without_kernel_lustre(computes):
    if kernel_has(computes[1], "lustre"):
        pytest.skip("this kernel has Lustre: the failure without it cannot be shown")
    rc, output = apply("c2", "lustre_client", lustre_client_install=False, lustre_client_mounts=[LUSTRE_MOUNT])
    assert rc != 0
    assert "of c2 cannot mount Lustre: filesystem lustre: not in /proc/filesystems and no loadable module" in output


def test_lustre_client_install_without_source_names_the_variables():
    rc, output = apply("c2", "lustre_client")
    assert rc != 0
    assert "the Lustre client is not installed on c2 (packages missing: lustre-client-utils, lustre-client-modules-dkms)" in output
    assert "set lustre_client_apt_repository, lustre_client_package_urls or lustre_client_package_files" in output


def test_lustre_mount_itself():
    pytest.skip("no Lustre client modules and no Lustre server here: LNet and the mount are only checked as configuration")


# ---- enroot ----

def test_enroot_configuration(computes, login):
    for host in computes + [login]:
        config = host.file("/etc/enroot/enroot.conf").content_string.splitlines()
        assert "ENROOT_RUNTIME_PATH /run/enroot/user-$(id -u)" in config
        assert "ENROOT_CACHE_PATH /var/lib/enroot-local/cache/user-$(id -u)" in config
        assert "ENROOT_DATA_PATH /var/lib/enroot-local/data/user-$(id -u)" in config
        for directory in ("/run/enroot", "/var/lib/enroot-local/cache", "/var/lib/enroot-local/data"):
            assert host.file(directory).mode == 0o1777, directory


def test_enroot_kernel_features_are_real(computes, as_user):
    """What the role's check passed on, shown by using it: a user namespace as alice, the filesystems."""
    node = computes[0]
    assert as_user(node, "unshare --user --map-root-user id -u").stdout.strip() == "0"
    for fstype in ("overlay", "squashfs", "fuse"):
        assert kernel_has(node, fstype), fstype
    assert node.run("test -c /dev/fuse").rc == 0


def test_enroot_stops_clearly_on_a_missing_feature():
    rc, output = apply("c1", "enroot", enroot_install=False,
                       enroot_required_filesystems=["overlay", "squashfs", "fuse", "hpcstackfs"],
                       enroot_required_devices=["/dev/fuse", "/dev/hpcstack-none"])
    assert rc != 0
    assert "enroot cannot run on c1" in output
    assert "filesystem hpcstackfs: not in /proc/filesystems and no loadable module" in output
    assert "device /dev/hpcstack-none: does not exist" in output


def test_enroot_install_without_source_names_the_variables():
    rc, output = apply("c1", "enroot", enroot_install=True)
    assert rc != 0
    assert "enroot is not installed on c1 (packages missing: enroot, enroot+caps) and no source is given" in output
    assert "set enroot_apt_repository, enroot_package_urls or enroot_package_files" in output


def test_enroot_itself():
    pytest.skip("enroot is not in Debian and no enroot package source exists here: no container was started with it")


# ---- pyxis ----

def test_pyxis_stays_off_without_its_plugin(computes, login, as_user):
    for host in computes + [login]:
        assert "include /etc/slurm/plugstack.conf.d/*.conf" in host.file("/etc/slurm/plugstack.conf").content_string
        assert not host.file("/etc/slurm/plugstack.conf.d/pyxis.conf").exists
    # plugstack.conf with an empty include directory does not break jobs.
    assert as_user(login, "srun --nodes=1 --time=1 true").rc == 0


def test_pyxis_enabled_when_its_plugin_exists(computes):
    """Into a scratch plugstack (not the live one: a fake plugin would break real jobs)."""
    node = computes[1]
    scratch = "/tmp/pyxis-test"
    node.run_expect([0], "mkdir -p %s/plugstack.conf.d && touch %s/spank_pyxis.so" % (scratch, scratch))
    try:
        settings = dict(pyxis_install=False, pyxis_plugin_path=scratch + "/spank_pyxis.so",
                        pyxis_plugstack_conf=scratch + "/plugstack.conf", pyxis_plugstack_dir=scratch + "/plugstack.conf.d",
                        pyxis_options={"runtime_path": "/run/pyxis", "container_scope": "job", "sbatch_support": True})
        applied("c2", "pyxis", **settings)
        assert node.file(scratch + "/plugstack.conf.d/pyxis.conf").content_string.splitlines()[-1] == (
            "required %s/spank_pyxis.so container_scope=job runtime_path=/run/pyxis sbatch_support=1" % scratch)
        assert node.file(scratch + "/plugstack.conf").content_string.strip() == "include %s/plugstack.conf.d/*.conf" % scratch
        node.run_expect([0], "rm %s/spank_pyxis.so" % scratch)
        output = applied("c2", "pyxis", **settings)
        assert "pyxis is NOT enabled on c2" in output
        assert not node.file(scratch + "/plugstack.conf.d/pyxis.conf").exists
    finally:
        node.run("rm -rf " + scratch)


def test_pyxis_install_without_source_names_the_variables():
    rc, output = apply("c2", "pyxis", pyxis_install=True)
    assert rc != 0
    assert "pyxis is not installed on c2 (packages missing: nvslurm-plugin-pyxis)" in output


def test_pyxis_in_a_job():
    pytest.skip("pyxis and enroot are not in Debian and no package source exists here: srun --container-image is not exercised")
