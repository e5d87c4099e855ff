# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kernel_features reports each missing filesystem, device and user-namespace setting in a sentence."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible.module_utils import basic

from ansible_collections.hpcstack.cluster.plugins.modules import kernel_features

FILESYSTEMS = "nodev\tsysfs\n\text4\n\tsquashfs\nnodev\tfuse\nnodev\toverlay\n"


@pytest.fixture
def proc(tmp_path, monkeypatch):
    """A fake /proc: filesystems, max_user_namespaces=15000, no unprivileged_userns_clone."""
    (tmp_path / "filesystems").write_text(FILESYSTEMS)
    (tmp_path / "max_user_namespaces").write_text("15000\n")
    monkeypatch.setattr(kernel_features, "PROC_FILESYSTEMS", str(tmp_path / "filesystems"))
    monkeypatch.setattr(kernel_features, "MAX_USER_NAMESPACES", str(tmp_path / "max_user_namespaces"))
    monkeypatch.setattr(kernel_features, "UNPRIVILEGED_USERNS_CLONE", str(tmp_path / "unprivileged_userns_clone"))
    return tmp_path


def no_modules(argv):
    return 1, "", "modprobe: FATAL: Module %s not found in directory /lib/modules/6.1.0" % argv[-1]


def check(run_module, runner=no_modules, **args):
    with mock.patch.object(basic.AnsibleModule, "get_bin_path", lambda self, name, **kw: "/sbin/" + name):
        return run_module(kernel_features, args, runner, check_mode=True)


def test_everything_present(proc, run_module, tmp_path):
    device = tmp_path / "fuse"
    device.write_text("")
    result = check(run_module, filesystems=["overlay", "squashfs"], devices=[str(device)], user_namespaces=True)
    assert result["missing"] == []
    assert result["changed"] is False
    assert result["filesystems"] == ["sysfs", "ext4", "squashfs", "fuse", "overlay"]


def test_missing_filesystem_names_it_and_quotes_modprobe(proc, run_module):
    result = check(run_module, filesystems=["nfs4", "overlay"])
    assert result["missing"] == [
        "filesystem nfs4: not in %s and no loadable module "
        "(modprobe: FATAL: Module fs-nfs4 not found in directory /lib/modules/6.1.0)" % (proc / "filesystems")]


def test_loadable_module_counts_as_present(proc, run_module):
    calls = []

    def modprobe(argv):
        calls.append(argv)
        return 0, "", ""

    assert check(run_module, modprobe, filesystems=["lustre"])["missing"] == []
    assert calls == [["/sbin/modprobe", "--dry-run", "--quiet", "fs-lustre"]]


def test_without_modprobe(proc, run_module):
    with mock.patch.object(basic.AnsibleModule, "get_bin_path", lambda self, name, **kw: None):
        result = run_module(kernel_features, {"filesystems": ["nfs"]}, no_modules)
    assert result["missing"] == ["filesystem nfs: not in %s and no loadable module (modprobe is not installed)"
                                 % (proc / "filesystems")]


def test_missing_device(proc, run_module, tmp_path):
    assert check(run_module, devices=[str(tmp_path / "nodev")])["missing"] == [
        "device %s: does not exist" % (tmp_path / "nodev")]


@pytest.mark.parametrize("limit, clone, expected", [
    ("0", None, ["user namespaces: {max} is 0 (must be above 0)"]),
    ("15000", "0", ["user namespaces: {clone} is 0 (must be 1)"]),
    ("15000", "1", []),
])
def test_user_namespaces(proc, run_module, limit, clone, expected):
    (proc / "max_user_namespaces").write_text(limit + "\n")
    if clone is not None:
        (proc / "unprivileged_userns_clone").write_text(clone + "\n")
    result = check(run_module, user_namespaces=True)
    assert result["missing"] == [line.format(max=proc / "max_user_namespaces", clone=proc / "unprivileged_userns_clone")
                                 for line in expected]


def test_user_namespaces_not_asked(proc, run_module):
    (proc / "max_user_namespaces").write_text("0\n")
    assert check(run_module)["missing"] == []
