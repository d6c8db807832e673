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

"""A status machine as data: a frozen table of allowed moves.

Both status tables of the service are instances of :class:`StatusTable`.
They are the only place a status change is decided, and the docs draw their
diagrams from them (see ``doc/source/_exts/status_diagram.py``).
"""

import types

from glance_tasks import exception


class StatusTable:
    """Allowed status moves of one kind of object, as read-only data."""

    def __init__(self, kind, initial, transitions, refused_exc):
        self.kind = kind
        self.initial = initial
        self.transitions = types.MappingProxyType(
            {status: frozenset(targets)
             for status, targets in transitions.items()})
        self.refused_exc = refused_exc

    @property
    def statuses(self):
        """Every status, in the table's own order."""
        return tuple(self.transitions)

    @property
    def terminal(self):
        """Statuses from which no move is allowed."""
        return frozenset(s for s, targets in self.transitions.items()
                         if not targets)

    def is_allowed(self, from_status, to_status):
        return to_status in self.transitions.get(from_status, ())

    def validate(self, status):
        """Raise :class:`UnknownStatus` unless ``status`` is in the table."""
        if status not in self.transitions:
            raise exception.UnknownStatus(
                kind=self.kind, status=status,
                valid=', '.join(self.statuses))
        return status

    def check(self, from_status, to_status):
        """Raise unless the move is in the table; return ``to_status``."""
        self.validate(from_status)
        self.validate(to_status)
        if not self.is_allowed(from_status, to_status):
            raise self.refused_exc(kind=self.kind, from_status=from_status,
                                   to_status=to_status)
        return to_status

    def edges(self):
        """Yield ``(from, to)`` pairs, for diagrams and tests."""
        for from_status, targets in self.transitions.items():
            for to_status in sorted(targets, key=self.statuses.index):
                yield from_status, to_status
