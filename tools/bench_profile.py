#!/usr/bin/env python3
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

"""Summarise a py-spy profile: where the CPU of a benchmark went.

Reads the collapsed stacks ``py-spy record --format raw`` writes (one
``frame;frame;... count`` a line) and prints the functions with the most
samples, inclusive (the function and what it called) and by module
group, as text fit for a note. ``--only`` keeps the stacks through a
function (say ``service_path``, to leave out the bare TaskFlow phase of
``bench_engine.py``); ``--skip`` drops those through one (the imports:
``--skip _find_and_load``).

    py-spy record --format raw -o prof.txt -- \\
        python tools/bench_engine.py --tasks 300
    python tools/bench_profile.py prof.txt --skip bare_taskflow \\
        --skip _find_and_load

With ``py-spy record --gil`` only the thread holding the GIL is sampled,
so the shares approximate CPU time; turn them into milliseconds with the
CPU per task the benchmark prints, not with the sample count (py-spy
drops samples on a busy machine).
"""

import argparse
import collections
import re
import sys

# "function (path/to/module.py:123)" -> function, path
FRAME = re.compile(r'^(?P<func>.*?) \((?P<path>[^:()]*)(?::\d+)?\)$')
# Module groups, checked in order: the first whose marker is in the path.
GROUPS = (
    ('glance_tasks', 'glance_tasks/'),
    ('taskflow', 'taskflow/'),
    ('sqlalchemy', 'sqlalchemy/'),
    ('oslo.db', 'oslo_db/'),
    ('oslo (other)', 'oslo_'),
    ('sqlite3', 'sqlite3/'),
    ('psycopg2', 'psycopg2/'),
    ('redis', 'redis/'),
    ('networkx', 'networkx/'),
    ('automaton', 'automaton/'),
    ('futurist/fasteners/tenacity', 'futurist/'),
    ('futurist/fasteners/tenacity', 'fasteners/'),
    ('futurist/fasteners/tenacity', 'tenacity/'),
    ('json', 'json/'),
    ('logging', 'logging/'),
    ('threading/queue', 'threading.py'),
)


def parse(lines):
    """``[(frames, count)]`` of the collapsed stacks in ``lines``."""
    stacks = []
    for line in lines:
        line = line.rstrip('\n')
        if not line:
            continue
        stack, _sep, count = line.rpartition(' ')
        frames = stack.split(';')
        # py-spy's samples with no Python frame (with --subprocesses, the
        # process's own frame only) say nothing of where the time went.
        if stack.strip() and not (len(frames) == 1 and
                                  frames[0].startswith('process ')):
            stacks.append((frames, int(count)))
    return stacks


def _name(frame):
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match.group('path')
    for marker in ('site-packages/', 'glance_tasks/', 'lib/python3'):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return '%s (%s)' % (match.group('func'), path)


def _group(frame):
    for name, marker in GROUPS:
        if '(' + marker in frame:
            return name
    return 'other'


def summarise(stacks, only=None, skip=None, top=25):
    inclusive = collections.Counter()
    own = collections.Counter()
    groups = collections.Counter()
    total = 0
    for frames, count in stacks:
        if only and not any(only in frame for frame in frames):
            continue
        if skip and any(word in frame for frame in frames
                        for word in skip):
            continue
        total += count
        for name in {_name(frame) for frame in frames}:
            inclusive[name] += count
        own[_name(frames[-1])] += count
        groups[_group(frames[-1])] += count
    out = ['%d samples' % total, '', 'by module group (own time):']
    out += ['  %5.1f%%  %s' % (100.0 * n / total, name)
            for name, n in groups.most_common()]
    out += ['', 'top %d inclusive:' % top]
    out += ['  %5.1f%%  %s' % (100.0 * n / total, name)
            for name, n in inclusive.most_common(top)]
    out += ['', 'top %d own:' % top]
    out += ['  %5.1f%%  %s' % (100.0 * n / total, name)
            for name, n in own.most_common(top)]
    return '\n'.join(out) if total else 'no samples'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('profile')
    parser.add_argument('--only', help='keep stacks through this frame')
    parser.add_argument('--skip', action='append', default=[],
                        help='drop stacks through this frame (repeatable)')
    parser.add_argument('--top', type=int, default=25)
    args = parser.parse_args()
    with open(args.profile) as f:
        print(summarise(parse(f), args.only, args.skip, args.top))
    return 0


if __name__ == '__main__':
    sys.exit(main())
