# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: systemd_hardening.yml next to this file.

from __future__ import annotations

from ansible.errors import AnsibleFilterError

# The sandbox of the collection's systemd units, in one place. Each profile extends the one before.
MINIMAL = (
    ('NoNewPrivileges', 'yes'),
    ('ProtectSystem', 'strict'),
    ('ProtectHome', 'yes'),
    ('PrivateTmp', 'yes'),
)
DAEMON = MINIMAL + (
    ('CapabilityBoundingSet', ''),
    ('AmbientCapabilities', ''),
    ('PrivateDevices', 'yes'),
    ('ProtectKernelTunables', 'yes'),
    ('ProtectKernelModules', 'yes'),
    ('ProtectKernelLogs', 'yes'),
    ('ProtectControlGroups', 'yes'),
    ('ProtectClock', 'yes'),
    ('ProtectHostname', 'yes'),
    ('RestrictSUIDSGID', 'yes'),
    ('RestrictRealtime', 'yes'),
    ('RestrictNamespaces', 'yes'),
    ('RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6'),
    ('LockPersonality', 'yes'),
    ('SystemCallArchitectures', 'native'),
)
PROGRAM = DAEMON + (  # the collection's own Python programs: no JIT, no odd system calls, private files
    ('MemoryDenyWriteExecute', 'yes'),
    ('SystemCallFilter', '@system-service'),
    ('UMask', '0077'),
)
PROFILES = {'minimal': MINIMAL, 'daemon': DAEMON, 'program': PROGRAM}


def systemd_hardening(profile: str, **changes: str | None) -> str:
    """The ``[Service]`` sandbox lines of ``profile``; ``changes`` set a directive (None removes it)."""
    if profile not in PROFILES:
        raise AnsibleFilterError('systemd_hardening: unknown profile %r (one of %s)' % (profile, ', '.join(PROFILES)))
    settings = dict(PROFILES[profile])
    for key, value in changes.items():
        if not key[:1].isupper() or not key.isalnum():
            raise AnsibleFilterError('systemd_hardening: %r is not a systemd directive' % (key,))
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = str(value)
    return '\n'.join('%s=%s' % item for item in settings.items())


class FilterModule:
    def filters(self):
        return {'systemd_hardening': systemd_hardening}
