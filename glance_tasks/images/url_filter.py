# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Which URLs an import may fetch: Glance's filtering, and then some.

:func:`check_url` applies ``[import_filtering_opts]`` with Glance's
semantics to the scheme, host and port of a URL. :func:`resolve` then
resolves the host and refuses loopback, link-local, private, reserved and
multicast addresses unless the operator allowed the host by name or the
network by CIDR; the fetcher connects to the very addresses checked here,
so a second DNS answer cannot swap them (DNS rebinding). The fetcher calls
both again for every redirect.
"""

import ipaddress
import os
import socket
import urllib.parse

from oslo_log import log as logging

from glance_tasks.images import errors

LOG = logging.getLogger(__name__)

DEFAULT_PORTS = {'http': 80, 'https': 443}


def _opts(conf):
    return conf.import_filtering_opts


def _check_list(kind, value, allowed, disallowed):
    """Glance's rule: an allowed list wins; else the disallowed list."""
    if allowed:
        if value not in allowed:
            return ('%s %s is not allowed (allowed: %s).'
                    % (kind, value, ', '.join(str(a) for a in allowed)))
    elif value in disallowed:
        return '%s %s is not allowed.' % (kind, value)
    return None


def check_url(conf, url):
    """Refuse ``url`` unless its scheme, host and port pass the filters.

    Returns ``urllib.parse.SplitResult`` of the URL. For ``file`` URLs the
    path must also lie in an allowed directory (after resolving links).
    """
    opts = _opts(conf)
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise errors.URLRefused(url=errors.safe_url(url),
                                reason='it is not a valid URL (%s).' % exc)
    scheme = parts.scheme.lower()

    def refuse(reason):
        raise errors.URLRefused(url=errors.safe_url(url), reason=reason)

    if not scheme:
        refuse('it has no scheme.')
    reason = _check_list('Scheme', scheme, opts.allowed_schemes,
                         opts.disallowed_schemes)
    if reason:
        refuse(reason)
    if scheme == 'file':
        _check_file(conf, parts, refuse)
        return parts
    if scheme not in DEFAULT_PORTS:
        refuse('scheme %s cannot be fetched by this service.' % scheme)
    host = (parts.hostname or '').rstrip('.')
    if not host:
        refuse('it names no host.')
    reason = _check_list('Host', host, opts.allowed_hosts,
                         opts.disallowed_hosts)
    if reason:
        refuse(reason)
    port = port or DEFAULT_PORTS[scheme]
    reason = _check_list('Port', port, opts.allowed_ports,
                         opts.disallowed_ports)
    if reason:
        refuse(reason)
    return parts


def _check_file(conf, parts, refuse):
    directories = _opts(conf).allowed_file_directories
    if not directories:
        refuse('file:// imports are not enabled '
               '([import_filtering_opts] allowed_file_directories is '
               'empty).')
    if parts.netloc not in ('', 'localhost'):
        refuse('file:// URLs must not name a host.')
    path = os.path.realpath(urllib.parse.unquote(parts.path))
    for directory in directories:
        root = os.path.realpath(directory)
        if os.path.commonpath([root, path]) == root:
            return
    refuse('the file is outside the directories imports may read from.')


def _allowed_networks(conf):
    networks = []
    for cidr in _opts(conf).allowed_networks:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            LOG.error('Ignoring [import_filtering_opts] allowed_networks '
                      'entry %r: not a network.', cidr)
    return networks


def _address_problem(address):
    """Why ``address`` is not a public one, or None."""
    if address.version == 6 and address.ipv4_mapped is not None:
        return _address_problem(address.ipv4_mapped)
    for attribute, words in (('is_loopback', 'a loopback'),
                             ('is_link_local', 'a link-local'),
                             ('is_multicast', 'a multicast'),
                             ('is_unspecified', 'an unspecified'),
                             ('is_private', 'a private'),
                             ('is_reserved', 'a reserved')):
        if getattr(address, attribute):
            return words
    if not address.is_global:
        return 'a non-public'
    return None


def resolve(conf, parts, url):
    """Resolve the host of ``parts``; return ``[(family, address)]``.

    Every address must be public, or in ``allowed_networks``, or belong to
    a host named in ``allowed_hosts``.
    """
    host = (parts.hostname or '').rstrip('.')
    port = parts.port or DEFAULT_PORTS[parts.scheme.lower()]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise errors.SourceUnreachable(
            url=errors.safe_url(url),
            reason='the host name %s could not be resolved (%s)'
            % (host, getattr(exc, 'strerror', None) or exc))
    named = host in _opts(conf).allowed_hosts
    networks = _allowed_networks(conf)
    found = []
    for family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split('%', 1)[0])
        problem = None if named else _address_problem(address)
        if problem and not any(address in net for net in networks):
            raise errors.URLRefused(
                url=errors.safe_url(url),
                reason='host %s resolves to %s, %s address; imports from '
                       'loopback, link-local and private networks are '
                       'refused.' % (host, address, problem))
        if (family, sockaddr[0]) not in found:
            found.append((family, sockaddr[0]))
    if not found:
        raise errors.SourceUnreachable(
            url=errors.safe_url(url),
            reason='the host name %s has no address' % host)
    return found
