"""playbooks/backup.yml and restore.yml: a dump that restores into a fresh database with the same
content, a StateSaveLocation archive with the state files, private files, retention."""

import re

from conftest import run_playbook

BACKUPS = "/var/backups/hpcstack"
LIVE = "slurm_acct_db"
TRIAL = "slurm_acct_restore"
# Tables whose content must be identical in the restored database (no jobs run meanwhile).
COMPARED = ["cluster_table", "acct_table", "user_table", "qos_table", "ha_assoc_table", "ha_job_table"]


def newest(target, kind):
    files = target.run("ls -1 %s/ha-%s-*", BACKUPS, kind).stdout.split()
    assert files, "no %s backup" % kind
    return sorted(files)[-1]


def counts(target, database):
    return {table: int(target.check_output("mariadb --batch --skip-column-names -e %s %s",
                                           "SELECT COUNT(*) FROM `%s`" % table, database))
            for table in COMPARED}


def test_backup_files_are_private_and_pruned(primary, backup_run):
    assert primary.file(BACKUPS).mode == 0o700
    for kind in ("accounting", "statesave"):
        files = primary.run("ls -1 %s/ha-%s-*", BACKUPS, kind).stdout.split()
        assert len(files) == 1, files    # the second run kept only the newest (backup_keep=1)
        assert re.search(r"-\d{8}T\d{6}Z\.", files[0])
        backup = primary.file(files[0])
        assert (backup.user, backup.mode) == ("root", 0o600)
        assert backup.size > 0
    assert not primary.run("ls %s/*.partial", BACKUPS).stdout


def test_password_is_never_printed(primary, backup_run):
    password = primary.check_output("cat /etc/mysql/hpcstack-slurmdbd.pass").strip()
    assert len(password) > 16
    assert password not in backup_run[0]
    assert not primary.run("grep -rl -F -- %s /tmp", password).stdout, "an option file was left behind"


def test_state_archive_lists_the_state_files(primary, backup_run):
    listing = primary.check_output("tar --list --gzip --file %s", newest(primary, "statesave")).split()
    print("\nstate archive:", sorted(listing))
    for name in ("job_state", "node_state", "part_state", "resv_state", "assoc_mgr_state", "last_tres"):
        assert "./" + name in listing


def test_dump_restores_into_a_fresh_database(primary, backup_run):
    primary.run("mariadb -e %s", "DROP DATABASE IF EXISTS %s" % TRIAL)
    try:
        result = run_playbook("restore.yml", "-e", "restore_accounting_file=" + newest(primary, "accounting"),
                              "-e", "restore_database=" + TRIAL)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr
        live, restored = counts(primary, LIVE), counts(primary, TRIAL)
        print("\nrows live:", live, "\nrows restored:", restored)
        assert restored == live
        assert restored["ha_job_table"] > 0
        tables = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='%s'"
        assert primary.check_output("mariadb -N -e %s", tables % TRIAL) == \
            primary.check_output("mariadb -N -e %s", tables % LIVE)
        job = backup_run[1]
        assert primary.check_output("mariadb -N -e %s %s", "SELECT COUNT(*) FROM ha_job_table WHERE id_job=%s" % job,
                                    TRIAL) == "1"
        # A trial restore leaves slurmdbd running.
        assert primary.service("slurmdbd").is_running
    finally:
        primary.run("mariadb -e %s", "DROP DATABASE IF EXISTS %s" % TRIAL)
