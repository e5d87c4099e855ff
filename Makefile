# hpcstack.cluster — developer entry points. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
PY          := $(VENV)/bin/python
BIN         := $(VENV)/bin
SUITE       ?= trixie
# Where the collection is visible under its FQCN (ansible-test and the unit tests need that path).
COLL_ROOT   := .cache/collections
COLL_LINK   := $(COLL_ROOT)/ansible_collections/hpcstack/cluster
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(COLL_ROOT)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)


.PHONY: forget-installed-copies
.PHONY: help venv docker images lab lab-check lab-destroy lab-shell test test-all lint sanity unit molecule molecule-ha molecule-day2 molecule-elastic molecule-all molecule-forky build bench cache-destroy clean

help:
	@echo "make lab          bring up the lab cluster in local containers and prove it with jobs"
	@echo "make lab-check    run the lab's proof again (the Molecule checks against inventories/lab)"
	@echo "make lab-destroy  remove the lab's containers, network and volumes"
	@echo "make test         lint, sanity, unit tests and the default Molecule scenario"
	@echo "make test-all     make test plus the slower scenarios: ha, day2, elastic, default on Debian 12 and 14"
	@echo "make molecule-ha  the controller HA scenario: failover, slurmdbd outage, backup/restore, upgrade"
	@echo "make molecule-day2  the day-2 scenario: jobs survive changes, rolling maintenance, adding nodes, secrets"
	@echo "make molecule-elastic  the elastic scenario: cloud nodes powered up and down as containers (docker provider)"
	@echo "make build        build the collection tarball into .cache/dist"
	@echo "make role-readmes regenerate roles/*/README.md from meta/argument_specs.yml"
	@echo "make package      what Galaxy and a site get: READMEs, dependencies, importer, install, EE, docs lint"
	@echo "make docs         the HTML docs site (plugins, modules, roles, docs/*.md) in .cache/docs/html"
	@echo "make unit-newest sanity-newest  unit tests and sanity on the newest ansible-core (docs/support.md)"
	@echo "make test-site-project  docs/site-project.md step by step: tarball, empty project, 3 machines, a job"
	@echo "make bench        run the benchmark scripts"

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

venv: $(VENV)/.installed $(COLL_LINK)

$(COLL_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn $(CURDIR) $@

docker:
	@bash .ci/ensure-docker.sh

images: docker
	@bash images/build.sh $(SUITE)

lab: venv images
	$(BIN)/ansible-playbook -i inventories/lab playbooks/lab/create.yml -e lab_suite=$(SUITE)
	$(BIN)/ansible-playbook -i inventories/lab playbooks/site.yml
	@$(MAKE) --no-print-directory lab-check LAB_PYTEST_ARGS="-m 'not converges'"

# The lab's proof is the Molecule scenario's own checks, run against inventories/lab
# (molecule/shared/hpcstack_harness.py: HPCSTACK_TEST_INVENTORY): jobs as alice and the LDAP user bob,
# Lmod, accounting and QOS, the REST API, configless nodes, MPI across both nodes, GPU scheduling.
# `make lab` leaves out the tests that re-converge (marker converges); `make lab-check` runs them all.
LAB_CHECKS := test_cluster.py test_accounting.py test_userenv.py test_configless.py test_mpi.py test_gpu.py
LAB_PYTEST_ARGS ?=
lab-check: venv
	HPCSTACK_TEST_INVENTORY=$(CURDIR)/inventories/lab MOLECULE_PROJECT_DIRECTORY=$(CURDIR) \
	  PYTHONPATH=$(CURDIR)/molecule/shared \
	  $(PY) -m pytest -q -p no:cacheprovider $(LAB_PYTEST_ARGS) $(addprefix molecule/default/tests/,$(LAB_CHECKS))

lab-destroy: venv docker
	$(BIN)/ansible-playbook -i inventories/lab playbooks/lab/destroy.yml

lab-shell:
	docker exec -it -u alice -w /home/alice hpclab-login1 bash -l

# ansible-lint and molecule (through ansible-compat) install a copy of this collection under
# ~/.ansible and ./.ansible and then prefer it; a copy left by an earlier run would shadow this tree.
forget-installed-copies:
	@rm -rf $(HOME)/.ansible/collections/ansible_collections/hpcstack/cluster .ansible/collections/ansible_collections/hpcstack/cluster

lint: venv forget-installed-copies
	$(BIN)/yamllint -s .
	$(BIN)/ansible-lint --profile production

unit: venv
	cd $(COLL_LINK) && $(CURDIR)/$(BIN)/python -m pytest -q -n auto tests/unit tests/playbooks

sanity: venv
	bash tests/sanity/run.sh $(CURDIR)/$(VENV)

molecule: venv images forget-installed-copies
	$(BIN)/molecule test -s default

# Two controllers sharing the StateSaveLocation: failover/failback, slurmdbd outage, backup/restore, upgrade.
molecule-ha: venv images forget-installed-copies
	$(BIN)/molecule test -s ha

# Day-2 operations: jobs surviving changes, rolling maintenance, adding a node, secrets (docs/day2.md).
molecule-day2: venv images forget-installed-copies
	$(BIN)/molecule test -s day2

# Elastic capacity: cloud nodes powered up and down by hpcstack-elastic's docker provider (docs/elastic.md).
# The scenario's controller gets the host's Docker socket.
molecule-elastic: venv images forget-installed-copies
	$(BIN)/molecule test -s elastic

molecule-all: venv docker forget-installed-copies
	bash images/build.sh bookworm
	HPCSTACK_SUITE=bookworm $(BIN)/molecule test -s default

# The default scenario on Debian 14 "forky" (Slurm 26.05; no cgroup confinement on this project's cgroup v1 hosts).
molecule-forky: venv docker forget-installed-copies
	bash images/build.sh forky
	HPCSTACK_SUITE=forky $(BIN)/molecule test -s default

test: venv
	@bash tests/run.sh lint sanity unit package molecule

test-all: venv
	@bash tests/run.sh lint sanity unit package docs unit-newest sanity-newest galaxy-deps-newest molecule molecule-ha molecule-day2 molecule-elastic molecule-all molecule-forky test-site-project

build: venv
	@$(BIN)/ansible-galaxy collection build --force --output-path .cache/dist .

bench: venv
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

cache-destroy: docker
	docker rm -f hpcstack-aptcache 2>/dev/null || true
	docker volume rm hpcstack-aptcache 2>/dev/null || true
	docker image rm hpcstack/debian:trixie hpcstack/debian:bookworm 2>/dev/null || true

clean:
	rm -rf .cache

# ---- Publishing (docs/support.md): role READMEs, Galaxy import, declared dependencies, EE, docs site
.PHONY: role-readmes role-readmes-check package galaxy-deps galaxy-import install-check ee docs-lint docs changelog
.PHONY: venv-newest unit-newest sanity-newest galaxy-deps-newest test-site-project
VERSION     := $(shell sed -n 's/^version: *//p' galaxy.yml)
DIST        := .cache/dist/hpcstack-cluster-$(VERSION).tar.gz

# Every publishing check, each a stage (tests/run.sh); each builds the tarball afresh (~2 s).
package: venv
	@bash tests/run.sh role-readmes-check changelog galaxy-deps galaxy-import install-check ee docs-lint

# Role READMEs are generated from meta/argument_specs.yml (purpose = the entry point's descriptions).
role-readmes: venv
	$(PY) tools/role_readme.py

role-readmes-check: venv
	$(PY) tools/role_readme.py --check

# galaxy.yml's dependencies = what the tarball uses; ranges hold the lowest supported ansible's versions.
galaxy-deps: build
	$(PY) tools/collection_deps.py check $(DIST) --end lower

# galaxy-importer on the tarball, only the declared dependencies visible: no errors, no warnings.
galaxy-import: build
	bash tests/release/galaxy_import.sh $(CURDIR)/$(VENV) $(DIST)

# The tarball's contents; installed into an empty project with its declared dependencies only,
# every shipped playbook and role passes --syntax-check.
install-check: build
	bash tests/release/install_check.sh $(CURDIR)/$(VENV) $(DIST)

# Execution environment build context (.cache/ee/context) from ee/execution-environment.yml, checked;
# the image itself needs a registry for its base image (ansible-builder build, elsewhere).
ee: build
	bash tests/release/ee_check.sh $(CURDIR)/$(VENV) $(DIST)

# Plugin, module and role docs as docs.ansible.com renders them, strict: references only to this
# collection, its dependencies and ansible.builtin (--validate-collection-refs all takes 8 min).
docs-lint: venv
	cd $(COLL_LINK) && $(CURDIR)/$(BIN)/antsibull-docs lint-collection-docs --plugin-docs \
	  --validate-collection-refs dependent --disallow-unknown-collection-refs .

docs: venv
	bash tools/docs_site.sh $(CURDIR)/$(VENV)

# Changelog fragments are valid and CHANGELOG.rst is what changelogs/changelog.yaml gives
# (a release: antsibull-changelog release, docs/support.md).
changelog: venv
	cd $(COLL_LINK) && $(CURDIR)/$(BIN)/antsibull-changelog lint
	cd $(COLL_LINK) && $(CURDIR)/$(BIN)/antsibull-changelog generate --output $(CURDIR)/.cache/CHANGELOG.rst
	@cmp -s CHANGELOG.rst .cache/CHANGELOG.rst || { diff -u CHANGELOG.rst .cache/CHANGELOG.rst; \
	  echo "CHANGELOG.rst differs from changelogs/changelog.yaml: antsibull-changelog generate" >&2; exit 1; }

# The newest supported ansible-core (docs/support.md): a second venv on a newer Python with the
# same requirements except the `ansible` package, which tests/requirements-newest.txt names.
# pyenv's shim for python3.13 refuses to run unless 3.13 is selected; use the interpreter itself.
PYTHON_NEWEST ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) python3.13)
VENV_NEWEST   ?= .cache/venv-newest
$(VENV_NEWEST)/.installed: requirements.txt tests/requirements-newest.txt
	@test -x $(VENV_NEWEST)/bin/python || $(PYTHON_NEWEST) -m venv $(VENV_NEWEST)
	@grep -vE '^ansible([<>=! ]|$$)' requirements.txt | cat - tests/requirements-newest.txt >$(VENV_NEWEST)/requirements.txt
	$(VENV_NEWEST)/bin/pip install -q --disable-pip-version-check -r $(VENV_NEWEST)/requirements.txt
	@touch $@

venv-newest: $(VENV_NEWEST)/.installed $(COLL_LINK)

unit-newest: venv-newest
	cd $(COLL_LINK) && $(CURDIR)/$(VENV_NEWEST)/bin/python -m pytest -q -n auto tests/unit tests/playbooks

sanity-newest: venv-newest
	bash tests/sanity/run.sh $(CURDIR)/$(VENV_NEWEST)

galaxy-deps-newest: venv-newest build
	$(VENV_NEWEST)/bin/python tools/collection_deps.py check $(DIST) --end upper

# docs/site-project.md, literally: the built tarball in an empty project with its declared
# dependencies only, a controller and two compute nodes (containers hpcsp-*, 172.31.247.0/24)
# reached over SSH, a job as a user; the hand-written inventory gives the same model.
test-site-project: build docker
	flock /tmp/hpcstack-sitep.lock $(PY) tests/site_project/run.py $(CURDIR)/$(VENV) $(DIST)
