# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""secret_file writes binary secrets exactly, only when needed, and never returns them."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.hpcstack.cluster.plugins.modules import secret_file

SECRET = bytes(range(256)) * 4  # 1024 bytes, every byte value, not valid UTF-8


def run(capsys, **args):
    with patch_module_args(args), pytest.raises(SystemExit):
        secret_file.main()
    return json.loads(capsys.readouterr().out)


def b64(data):
    return base64.b64encode(data).decode()


def test_writes_binary_secret_with_private_mode(tmp_path, capsys):
    path = tmp_path / "munge.key"
    result = run(capsys, path=str(path), content_base64=b64(SECRET))
    assert result["changed"] is True
    assert path.read_bytes() == SECRET
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b64(SECRET) not in json.dumps(result)


def test_second_run_changes_nothing(tmp_path, capsys):
    path = tmp_path / "munge.key"
    run(capsys, path=str(path), content_base64=b64(SECRET), mode="0400")
    assert run(capsys, path=str(path), content_base64=b64(SECRET), mode="0400")["changed"] is False


def test_mode_change_alone_is_a_change(tmp_path, capsys):
    path = tmp_path / "munge.key"
    run(capsys, path=str(path), content_base64=b64(SECRET), mode="0400")
    assert run(capsys, path=str(path), content_base64=b64(SECRET), mode="0440")["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o440


def test_check_mode_reports_without_writing(tmp_path, capsys):
    path = tmp_path / "munge.key"
    result = run(capsys, path=str(path), content_base64=b64(SECRET), _ansible_check_mode=True)
    assert result["changed"] is True
    assert not path.exists()


def test_diff_shows_digests_only(tmp_path, capsys):
    path = tmp_path / "munge.key"
    path.write_bytes(b"old key material")
    result = run(capsys, path=str(path), content_base64=b64(SECRET), _ansible_diff=True, _ansible_check_mode=True)
    assert result["diff"]["before"].startswith("sha256:")
    assert result["diff"]["after"].startswith("sha256:")
    assert "old key material" not in json.dumps(result)
    assert path.read_bytes() == b"old key material"


@pytest.mark.parametrize("content, message", [
    (b64(b"short"), "is 5 bytes; it must be between 32 and 1024 bytes"),
    (b64(b"x" * 1025), "is 1025 bytes; it must be between 32 and 1024 bytes"),
    ("not base64!", "is not valid base64"),
])
def test_bad_secret_fails_before_touching_the_file(tmp_path, capsys, content, message):
    path = tmp_path / "munge.key"
    path.write_bytes(SECRET)
    result = run(capsys, path=str(path), content_base64=content, min_size=32, max_size=1024)
    assert result["failed"] is True
    assert message in result["msg"]
    assert path.read_bytes() == SECRET
