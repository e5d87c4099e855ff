# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hpcstack.cluster.slurm inventory plugin against recorded slurmrestd answers served on 127.0.0.1."""

from __future__ import annotations

import copy
import functools
import getpass
import json
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, inventory_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.vars.manager import VariableManager

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()  # the collection loader (ANSIBLE_COLLECTIONS_PATH, set by the Makefile) must come before the imports below

from ansible_collections.hpcstack.cluster.plugins.inventory.cluster import partition_group
from ansible_collections.hpcstack.cluster.plugins.inventory.slurm import group_name
from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_rest as rest

FIXTURES = Path(__file__).parents[2] / 'fixtures' / 'slurm'
APIS = {'22.05': ('v0.0.38',), '24.11': ('v0.0.40', 'v0.0.41', 'v0.0.42'), '26.05': ('v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45')}
VERSIONS = [(version, api) for version, apis in APIS.items() for api in apis]
NEGOTIATED = {'22.05': 'v0.0.38', '24.11': 'v0.0.42', '26.05': 'v0.0.45'}  # 26.05 marks v0.0.42 deprecated
NOT_FOUND = (404, 'Unable find requested URL. Please view /openapi/v3 for API reference.')


def recorded(version, name):
    """A recorded slurmrestd answer as (status, body)."""
    record = json.loads((FIXTURES / version / 'rest' / (name + '.json')).read_text())
    return record['status'], record['body']


# -- a slurmrestd stand-in -------------------------------------------------------------------------

class Canned:
    """Answers by path (the last answer of a list repeats); records every request."""

    def __init__(self, answers):
        self.answers = {path: list(queue) for path, queue in answers.items()}
        self.requests = []

    def answer(self, path, headers):
        self.requests.append((path, dict(headers)))
        queue = self.answers.get(path) or [NOT_FOUND]
        return queue.pop(0) if len(queue) > 1 else queue[0]


def handler_for(canned):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = canned.answer(self.path, self.headers)
            raw = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header('Content-Length', str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass
    return Handler


@pytest.fixture
def serve():
    servers = []

    def start(answers):
        canned = Canned(answers)
        server = HTTPServer(('127.0.0.1', 0), handler_for(canned))
        threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
        servers.append(server)
        return 'http://127.0.0.1:%d' % server.server_address[1], canned
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """Retries without waiting, and no token or user from the environment of the test run."""
    plugin = inventory_loader.get('hpcstack.cluster.slurm')
    module = sys.modules[type(plugin).__module__]
    monkeypatch.setattr(module, 'SlurmRestClient', functools.partial(rest.SlurmRestClient, sleep=lambda seconds: None))
    for name in ('SLURM_JWT', 'SLURM_USER', 'SLURMRESTD_URL'):
        monkeypatch.delenv(name, raising=False)


def cluster_answers(version, nodes_answer):
    """openapi (as the server of ``version`` serves it) and the nodes of every API version it has."""
    answers = {'/openapi/v3': [recorded(version, 'openapi')] if version != '22.05' else [NOT_FOUND],
               '/openapi': [recorded(version, 'openapi')]}
    for api in APIS[version]:
        answers['/slurm/%s/nodes' % api] = [nodes_answer(api) if callable(nodes_answer) else nodes_answer]
    return answers


def node_like(version, api, name, state, features=(), partitions=(), alloc_cpus=0, gres=''):
    """The recorded node of ``version``/``api`` renamed and changed, in that version's own shape."""
    node = copy.deepcopy(recorded(version, api + '/nodes')[1]['nodes'][0])
    tokens = state.split('+')
    node.update(name=name, hostname=name, partitions=list(partitions), alloc_cpus=alloc_cpus, gres=gres)
    if api == 'v0.0.38':
        node.update(state=tokens[0].lower(), state_flags=tokens[1:], features=','.join(features))
    else:
        node.update(state=tokens, features=list(features))
    return node


def nodes_body(version, api, nodes):
    status, body = recorded(version, api + '/nodes')
    return status, dict(body, nodes=nodes)


# -- running the plugin ----------------------------------------------------------------------------

def config(tmp_path, url, name='slurm.yml', **options):
    lines = ['plugin: hpcstack.cluster.slurm', 'url: %s' % url, 'user: root', 'token: jwt-secret']
    lines += ['%s: %s' % (key, json.dumps(value)) for key, value in options.items()]
    if 'token' in options or options.get('token_file') or 'token_env' in options:
        lines.remove('token: jwt-secret')
    path = tmp_path / name
    path.write_text('\n'.join(line for line in lines if not line.endswith(': null')) + '\n')
    return path


def parse(path, cache=True):
    inventory = InventoryData()
    plugin = inventory_loader.get('hpcstack.cluster.slurm')
    plugin.parse(inventory, DataLoader(), str(path), cache=cache)
    if plugin.get_option('cache'):
        plugin.update_cache_if_changed()  # as InventoryManager does after a parse
    return inventory


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].hosts)


def groups_of(inventory, host):
    return sorted(group.name for group in inventory.hosts[host].groups)


def own_vars(inventory, host):
    return {name: value for name, value in inventory.hosts[host].vars.items() if not name.startswith('inventory_')}


# -- recorded answers of both Slurm versions -------------------------------------------------------

@pytest.mark.parametrize('version, api, pinned', [(version, api, True) for version, api in VERSIONS]
                         + [(version, api, False) for version, api in NEGOTIATED.items()])
def test_recorded_draining_node(serve, tmp_path, version, api, pinned):
    url, canned = serve(cluster_answers(version, lambda api: recorded(version, api + '/nodes_draining')))
    inventory = parse(config(tmp_path, url, api_version=api if pinned else None))
    assert inventory.groups['all'].vars['slurm_live_api_version'] == api
    assert own_vars(inventory, 'rec') == {
        'slurm_live_state': 'mixed', 'slurm_live_state_flags': ['drain'], 'slurm_live_reason': 'rec maintenance',
        'slurm_live_cpus': 2, 'slurm_live_alloc_cpus': 1, 'slurm_live_real_memory': 12052, 'slurm_live_alloc_memory': 12052,
        'slurm_live_gres': '', 'slurm_live_features': ['rec', 'test'], 'slurm_live_partitions': ['debug', 'long'],
    }
    assert groups_of(inventory, 'rec') == ['feature_rec', 'feature_test', 'partition_debug', 'partition_long',
                                           'slurmd', 'state_draining', 'state_mixed']
    assert members(inventory, 'state_drained') == [] and members(inventory, 'state_idle') == []
    paths = [path for path, headers in canned.requests]
    assert paths[-1] == '/slurm/%s/nodes' % api
    assert ('/openapi/v3' in paths) is not pinned  # a pinned version skips negotiation
    assert canned.requests[-1][1]['X-SLURM-USER-TOKEN'] == 'jwt-secret'
    assert canned.requests[-1][1]['X-SLURM-USER-NAME'] == 'root'


@pytest.mark.parametrize('version, api, flags', [
    ('22.05', 'v0.0.38', []),
    ('24.11', 'v0.0.40', ['not_responding']),  # as recorded
    ('24.11', 'v0.0.41', ['not_responding']),
    ('24.11', 'v0.0.42', []),
] + [('26.05', api, ['not_responding']) for api in APIS['26.05']])  # as recorded
def test_recorded_idle_node(serve, tmp_path, version, api, flags):
    url, canned = serve(cluster_answers(version, lambda api: recorded(version, api + '/nodes')))
    inventory = parse(config(tmp_path, url, api_version=api))
    assert groups_of(inventory, 'rec') == ['feature_rec', 'feature_test', 'partition_debug', 'partition_long',
                                           'slurmd', 'state_idle']
    assert (own_vars(inventory, 'rec')['slurm_live_state_flags'], own_vars(inventory, 'rec')['slurm_live_reason']) == (flags, '')


@pytest.mark.parametrize('version, api', [version_api for version_api in VERSIONS if version_api[0] != '22.05'])
def test_recorded_drained_node(serve, tmp_path, version, api):
    # Slurm 24.11 and 26.05 after `scontrol update nodename=rec state=drain`: IDLE+DRAIN, no jobs.
    url, canned = serve(cluster_answers(version, lambda api: recorded(version, api + '/node_drained')))
    inventory = parse(config(tmp_path, url, api_version=api))
    assert 'state_drained' in groups_of(inventory, 'rec') and 'state_idle' in groups_of(inventory, 'rec')
    assert members(inventory, 'state_draining') == []
    assert own_vars(inventory, 'rec')['slurm_live_reason'] == 'rest drain'


# -- a larger cluster, built from the recorded node in each version's shape ------------------------

CLUSTER = [  # name, state, features, partitions, alloc_cpus
    ('c1', 'IDLE', ['avx512'], ['debug', 'batch'], 0),
    ('c2', 'ALLOCATED', ['avx512'], ['batch'], 2),
    ('g1', 'MIXED+DRAIN', ['a100', 'ib.hdr'], ['gpu-a100'], 1),
    ('g2', 'IDLE+DRAIN', ['a100', 'ib.hdr'], ['gpu-a100'], 0),
    ('g3', 'IDLE', ['a100'], ['gpu-a100'], 0),
    ('g4', 'DOWN+DRAIN+NOT_RESPONDING', [], ['gpu-a100'], 0),
]


def cluster(version):
    return cluster_answers(version, lambda api: nodes_body(version, api, [
        node_like(version, api, name, state, features, partitions, alloc) for name, state, features, partitions, alloc in CLUSTER]))


@pytest.mark.parametrize('version', list(APIS))
def test_cluster_groups(serve, tmp_path, version):
    url, canned = serve(cluster(version))
    inventory = parse(config(tmp_path, url))
    assert inventory.groups['all'].vars == {'slurm_live_api_version': NEGOTIATED[version]}
    expected = {
        'slurmd': ['c1', 'c2', 'g1', 'g2', 'g3', 'g4'],
        'state_idle': ['c1', 'g2', 'g3'], 'state_allocated': ['c2'], 'state_mixed': ['g1'], 'state_down': ['g4'],
        'state_error': [], 'state_future': [], 'state_unknown': [],
        'state_drained': ['g2', 'g4'], 'state_draining': ['g1'],
        'partition_debug': ['c1'], 'partition_batch': ['c1', 'c2'], 'partition_gpu_a100': ['g1', 'g2', 'g3', 'g4'],
        'feature_avx512': ['c1', 'c2'], 'feature_a100': ['g1', 'g2', 'g3'], 'feature_ib_hdr': ['g1', 'g2'],
    }
    assert {name: members(inventory, name) for name in inventory.groups if name not in ('all', 'ungrouped')} == expected
    assert own_vars(inventory, 'g4')['slurm_live_state_flags'] == ['drain', 'not_responding']
    assert own_vars(inventory, 'g1')['slurm_live_partitions'] == ['gpu-a100']  # the real name, not the group name


def test_limit_pattern_through_inventory_manager(serve, tmp_path):
    """What `ansible-playbook maint.yml -i slurm.yml --limit 'state_idle:&partition_gpu_a100'` runs on."""
    url, canned = serve(cluster('24.11'))
    manager = InventoryManager(DataLoader(), sources=[str(config(tmp_path, url))])
    assert sorted(host.name for host in manager.get_hosts('state_idle:&partition_gpu_a100')) == ['g2', 'g3']
    assert sorted(host.name for host in manager.get_hosts('state_idle:&partition_gpu_a100:!state_drained')) == ['g3']


@pytest.mark.parametrize('name', ['gpu', 'gpu-a100', 'gpu.a100', 'long_2', 'Débug'])
def test_partition_groups_are_named_like_the_cluster_plugin(name):
    assert group_name('partition_', name) == partition_group(name)


# -- constructed options ---------------------------------------------------------------------------

def test_compose_groups_and_keyed_groups(serve, tmp_path):
    url, canned = serve(cluster('24.11'))
    inventory = parse(config(
        tmp_path, url,
        compose={'ansible_host': "inventory_hostname ~ '.cluster.example.org'", 'free_cpus': 'slurm_live_cpus - slurm_live_alloc_cpus'},
        groups={'has_free_cpus': "slurm_live_cpus > slurm_live_alloc_cpus and slurm_live_state in ['idle', 'mixed']"},
        keyed_groups=[{'key': 'slurm_live_state_flags', 'prefix': 'flag'}, {'key': 'slurm_live_partitions', 'prefix': 'p'}],
    ))
    assert inventory.hosts['g1'].vars['ansible_host'] == 'g1.cluster.example.org'
    assert inventory.hosts['g1'].vars['free_cpus'] == 1
    assert members(inventory, 'has_free_cpus') == ['c1', 'g1', 'g2', 'g3']
    assert members(inventory, 'flag_drain') == ['g1', 'g2', 'g4']
    assert members(inventory, 'flag_not_responding') == ['g4']
    assert members(inventory, 'p_gpu_a100') == ['g1', 'g2', 'g3', 'g4']


@pytest.mark.parametrize('strict, fails', [(False, False), (True, True)])
def test_strict(serve, tmp_path, strict, fails):
    url, canned = serve(cluster('24.11'))
    path = config(tmp_path, url, strict=strict, compose={'x': 'slurm_no_such_variable + 1'})
    if fails:
        with pytest.raises(AnsibleError, match='Could not set x for host c1'):
            parse(path)
    else:
        assert 'x' not in parse(path).hosts['c1'].vars


# -- cache -----------------------------------------------------------------------------------------

def cached_config(tmp_path, url, **options):
    return config(tmp_path, url, cache=True, cache_plugin='ansible.builtin.jsonfile',
                  cache_connection=str(tmp_path / 'cache'), **options)


def test_cache_is_honoured(serve, tmp_path):
    url, canned = serve(cluster('24.11'))
    path = cached_config(tmp_path, url)
    first = parse(path)
    asked = len(canned.requests)
    assert asked == 2  # /openapi/v3 and /slurm/v0.0.42/nodes
    second = parse(path)  # a new plugin instance: the answer comes from the jsonfile cache
    assert len(canned.requests) == asked
    assert {name: members(second, name) for name in second.groups} == {name: members(first, name) for name in first.groups}
    assert own_vars(second, 'g1') == own_vars(first, 'g1')
    assert second.groups['all'].vars == {'slurm_live_api_version': 'v0.0.42'}
    parse(path, cache=False)  # --flush-cache / meta: refresh_inventory asks again ...
    assert len(canned.requests) == asked + 2
    parse(path)  # ... and refreshes the cache
    assert len(canned.requests) == asked + 2


def test_cache_through_inventory_manager(serve, tmp_path):
    url, canned = serve(cluster('24.11'))
    path = str(cached_config(tmp_path, url))
    for dummy in range(2):
        manager = InventoryManager(DataLoader(), sources=[path])
        assert len(manager.get_hosts('state_drained')) == 2
    assert len(canned.requests) == 2


def test_cache_expires(serve, tmp_path):
    url, canned = serve(cluster('24.11'))
    path = cached_config(tmp_path, url, cache_timeout=-1)  # always expired
    parse(path)
    parse(path)
    assert len(canned.requests) == 4


@pytest.mark.parametrize('options', [{}, {'cache': False, 'cache_plugin': 'ansible.builtin.jsonfile'}])
def test_without_cache_every_parse_asks(serve, tmp_path, options):
    url, canned = serve(cluster('24.11'))
    path = config(tmp_path, url, cache_connection=str(tmp_path / 'cache'), **options)
    parse(path)
    parse(path)
    assert len(canned.requests) == 4
    assert not (tmp_path / 'cache').exists()


# -- token, user and file names --------------------------------------------------------------------

@pytest.mark.parametrize('options, environ, token', [
    ({'token': ' from-option\n'}, {'SLURM_JWT': 'from-env'}, 'from-option'),
    ({'token_file': 'TOKEN_FILE'}, {'SLURM_JWT': 'from-env'}, 'from-file'),
    ({}, {'SLURM_JWT': 'from-env'}, 'from-env'),
    ({'token_env': 'MY_JWT'}, {'SLURM_JWT': 'from-env', 'MY_JWT': 'from-my-env'}, 'from-my-env'),
    ({'token_env': 'MY_JWT'}, {'SLURM_JWT': 'from-env'}, None),
])
def test_token_sources(serve, tmp_path, monkeypatch, options, environ, token):
    url, canned = serve(cluster('24.11'))
    (tmp_path / 'jwt').write_text('from-file\n')
    options = {key: str(tmp_path / 'jwt') if value == 'TOKEN_FILE' else value for key, value in options.items()}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    path = config(tmp_path, url, **options)
    if not options:
        path.write_text(path.read_text().replace('token: jwt-secret\n', ''))
    parse(path)
    assert canned.requests[-1][1].get('X-SLURM-USER-TOKEN') == token


@pytest.mark.parametrize('environ, user', [({'SLURM_USER': 'slurmadm'}, 'slurmadm'), ({}, getpass.getuser())])
def test_user_defaults_from_the_environment(serve, tmp_path, monkeypatch, environ, user):
    url, canned = serve(cluster('24.11'))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    path = config(tmp_path, url)
    path.write_text(path.read_text().replace('user: root\n', ''))
    parse(path)
    assert canned.requests[-1][1]['X-SLURM-USER-NAME'] == user


def test_url_from_the_environment(serve, tmp_path, monkeypatch):
    url, canned = serve(cluster('22.05'))
    monkeypatch.setenv('SLURMRESTD_URL', url)
    path = tmp_path / 'slurm.yaml'
    path.write_text('plugin: hpcstack.cluster.slurm\ntoken: t\n')
    assert members(parse(path), 'slurmd') == ['c1', 'c2', 'g1', 'g2', 'g3', 'g4']


@pytest.mark.parametrize('name, accepted', [
    ('slurm.yml', True), ('slurm.yaml', True), ('prod.slurm.yml', True), ('prod_slurm.yml', True),
    ('cluster.yml', False), ('slurm.json', False), ('slurm_live.yml', False),
])
def test_verify_file(tmp_path, name, accepted):
    path = tmp_path / name
    path.write_text('plugin: hpcstack.cluster.slurm\nurl: http://127.0.0.1:1\n')
    assert inventory_loader.get('hpcstack.cluster.slurm').verify_file(str(path)) is accepted


# -- errors ----------------------------------------------------------------------------------------

def unused_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize('answers, options, message', [
    pytest.param({'/slurm/v0.0.42/nodes': [recorded('24.11', 'error_bad_token_nodes')]}, {'api_version': 'v0.0.42'},
                 r'did not accept the token \(from option token\): token rejected .*Protocol authentication error', id='bad-token-24.11'),
    pytest.param({'/slurm/v0.0.42/nodes': [recorded('24.11', 'error_no_token')]}, {'api_version': 'v0.0.42', 'token_env': 'NO_SUCH'},
                 r'did not accept the token \(from no token \(token, token_file and \$NO_SUCH are unset\)\).*HTTP 401', id='no-token-24.11'),
    pytest.param({'/slurm/v0.0.38/nodes': [recorded('22.05', 'error_no_token')]}, {'api_version': 'v0.0.38'},
                 r'did not accept the token .*HTTP 401', id='no-token-22.05'),
    pytest.param({'/slurm/v0.0.38/nodes': [recorded('22.05', 'error_bad_token_nodes')]}, {'api_version': 'v0.0.38'},
                 r'failed, is slurmctld up\? \(on Slurm 22.05 a rejected token looks like this too\).*HTTP 500 after 4', id='bad-token-22.05'),
    pytest.param({'/slurm/v0.0.42/nodes': [recorded('24.11', 'v0.0.42/nodes_ctld_down')]}, {'api_version': 'v0.0.42'},
                 r'failed, is slurmctld up\?.*Unable to contact slurm controller', id='slurmctld-down'),
    pytest.param({}, {'api_version': 'v0.0.42'},
                 r'no usable slurmrestd API version .*api_version v0.0.42 is pinned.*HTTP 404', id='pinned-version-not-served'),
    pytest.param({'/openapi/v3': [recorded('26.05', 'openapi')], '/slurm/v0.0.45/nodes': [recorded('26.05', 'error_bad_token_nodes')]}, {},
                 r'^PATH: slurmrestd at URL did not accept the token \(from option token\): token rejected by slurmrestd for user '
                 r"'root' \(HTTP 511: Failure to query nodes: Protocol authentication error\); check that the token is valid and not "
                 r'expired and that X-SLURM-USER-NAME matches it$', id='bad-token-26.05'),
    pytest.param({'/openapi/v3': [recorded('26.05', 'openapi')], '/slurm/v0.0.45/nodes': [recorded('26.05', 'v0.0.45/error_no_token')]},
                 {'token_env': 'NO_SUCH'},
                 r'^PATH: slurmrestd at URL did not accept the token \(from no token \(token, token_file and \$NO_SUCH are unset\)\): '
                 r"token rejected by slurmrestd for user 'root' \(HTTP 401\); check that the token is valid and not expired and "
                 r'that X-SLURM-USER-NAME matches it$', id='no-token-26.05'),
    pytest.param({'/openapi/v3': [recorded('26.05', 'openapi')], '/slurm/v0.0.45/nodes': [recorded('26.05', 'v0.0.45/nodes_ctld_down')]}, {},
                 r'^PATH: slurmrestd at URL failed, is slurmctld up\?: slurmrestd error for GET URL/slurm/v0.0.45/nodes \(HTTP 502 '
                 r'after 4 attempt\(s\)\): Failure to query nodes: Unable to contact slurm controller \(connect failure\)$',
                 id='slurmctld-down-26.05'),
    pytest.param({'/openapi/v3': [NOT_FOUND], '/openapi': [(200, {'paths': {'/slurm/v0.0.36/nodes': {}, '/slurm/v0.0.37/nodes': {}}})]}, {},
                 r'no usable slurmrestd API version .*supports Slurm 22.05 to 26.05 \(API v0.0.38 to v0.0.45\)\): no common '
                 r'slurmrestd API version: server serves v0.0.36, v0.0.37, client supports v0.0.45, v0.0.44, v0.0.43, '
                 r'v0.0.42, v0.0.41, v0.0.40, v0.0.38$', id='no-common-version'),
])
def test_errors(serve, tmp_path, answers, options, message):
    url, canned = serve(answers)
    path = config(tmp_path, url, **options)
    with pytest.raises(AnsibleParserError, match=message.replace('PATH', re.escape(str(path))).replace('URL', re.escape(url))) as info:
        parse(path)
    assert 'jwt-secret' not in str(info.value)
    assert str(tmp_path / 'slurm.yml') in str(info.value)


def test_rejected_token_is_not_retried(serve, tmp_path):
    url, canned = serve({'/slurm/v0.0.42/nodes': [recorded('24.11', 'error_bad_token_nodes')]})
    with pytest.raises(AnsibleParserError):
        parse(config(tmp_path, url, api_version='v0.0.42'))
    assert len(canned.requests) == 1


@pytest.mark.parametrize('url, message', [
    ('http://127.0.0.1:%d' % unused_port(), r'slurmrestd unreachable at http://127.0.0.1:\d+ after 4 attempt'),
    ('ftp://ctl1', r"invalid slurmrestd URL 'ftp://ctl1'"),
], ids=['unreachable', 'not-http'])  # stable ids: the port differs per pytest-xdist worker
def test_bad_urls(tmp_path, url, message):
    with pytest.raises(AnsibleParserError, match=message):
        parse(config(tmp_path, url))


def test_unknown_options(tmp_path):
    path = tmp_path / 'slurm.yml'
    path.write_text('plugin: hpcstack.cluster.slurm\nurl: http://127.0.0.1:1\ntokn: x\napi: v0.0.42\n')
    with pytest.raises(AnsibleParserError, match='slurm.yml: unknown option.s. api, tokn'):
        parse(path)


def test_unreadable_token_file(tmp_path):
    with pytest.raises(AnsibleParserError, match='cannot read token_file .*nosuch: No such file'):
        parse(config(tmp_path, 'http://127.0.0.1:1', token_file=str(tmp_path / 'nosuch')))


def test_failed_parse_does_not_fill_the_cache(serve, tmp_path):
    url, canned = serve({'/slurm/v0.0.42/nodes': [recorded('24.11', 'v0.0.42/nodes_ctld_down')] * 4 + [recorded('24.11', 'v0.0.42/nodes')]})
    path = cached_config(tmp_path, url, api_version='v0.0.42')
    with pytest.raises(AnsibleParserError):
        parse(path)
    assert own_vars(parse(path), 'rec')['slurm_live_state'] == 'idle'


def test_with_the_cluster_plugin_on_one_inventory(serve, tmp_path):
    """Regression: the live plugin's slurm_partitions (names) shadowed the model's (dicts) and slurm.conf failed."""
    def answer(api):
        return nodes_body('24.11', api, [node_like('24.11', api, 'c1', 'IDLE', partitions=['debug'])])
    url, _canned = serve(cluster_answers('24.11', answer))
    (tmp_path / 'cluster.yml').write_text(
        'plugin: hpcstack.cluster.cluster\ncluster_name: lab\ncontrollers: [ctl1]\n'
        'nodes: [{names: "c[1-2]", cpus: 2, sockets: 1, cores_per_socket: 2, threads_per_core: 1, real_memory: 1000}]\n'
        'partitions: [{name: debug, nodes: "c[1-2]", default: true}]\n')
    config(tmp_path, url, name='zz_slurm.yml')
    manager = InventoryManager(DataLoader(), sources=[str(tmp_path / 'cluster.yml'), str(tmp_path / 'zz_slurm.yml')])
    variables = VariableManager(loader=DataLoader(), inventory=manager).get_vars(host=manager.get_host('c1'))
    assert variables['slurm_partitions'] == [{'name': 'debug', 'nodes': 'c[1-2]', 'default': True, 'max_time': 'UNLIMITED',
                                              'state': 'UP', 'options': {}}]
    assert variables['slurm_live_partitions'] == ['debug']
    assert variables['slurm_live_state'] == 'idle'
    assert sorted(host.name for host in manager.get_hosts('partition_debug')) == ['c1', 'c2']
