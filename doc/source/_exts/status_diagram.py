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

"""Draw the service's status machines from the code's own tables.

Two directives, both taking the dotted name of a
:class:`glance_tasks.domain.statemachine.StatusTable`::

    .. status-diagram:: glance_tasks.domain.task.TABLE
       :caption: Task statuses

    .. status-table:: glance_tasks.domain.task.TABLE

``status-diagram`` emits a :mod:`sphinx.ext.graphviz` ``digraph``: an arrow
from a start dot marks the initial status, terminal statuses are drawn
double-circled. ``status-table`` renders each status, its meaning (from the
``STATUS_DESCRIPTIONS`` dict of the table's module) and the statuses it may
move to. Both are generated at build time, so the docs cannot drift from the
code; a status without a description, or a ``:label:`` naming an edge the
table does not have, is a build error. ``:labels-from: package.module.func``
labels every edge with ``func(from_status, to_status)`` (the image table's
edges are labelled so by :func:`glance_tasks.images.edges.label`, the data
its functional test walks).
"""

import importlib

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.ext import graphviz
from sphinx.util.docutils import SphinxDirective

DESCRIPTIONS_ATTR = 'STATUS_DESCRIPTIONS'


def import_table(dotted_name):
    """Return ``(module, object)`` for ``package.module.NAME``."""
    module_name, _, attr = dotted_name.rpartition('.')
    try:
        module = importlib.import_module(module_name)
        table = getattr(module, attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError('cannot import status table %r: %s'
                         % (dotted_name, exc)) from exc
    if not callable(getattr(table, 'edges', None)):
        raise ValueError('%r is not a StatusTable' % dotted_name)
    return module, table


def labels_from(dotted_name, table):
    """``{edge: label}`` from the function ``dotted_name`` for each edge."""
    module_name, _, attr = dotted_name.rpartition('.')
    try:
        label = getattr(importlib.import_module(module_name), attr)
        return {edge: label(*edge) for edge in table.edges()}
    except (ImportError, AttributeError, ValueError, KeyError) as exc:
        raise ValueError('cannot label the edges with %r: %s'
                         % (dotted_name, exc)) from exc


def parse_labels(text, table):
    """Parse ``from -> to: text`` lines; refuse edges the table lacks."""
    labels = {}
    for line in filter(None, (ln.strip() for ln in (text or '').splitlines())):
        edge, _, label = line.partition(':')
        from_status, _, to_status = (s.strip() for s in edge.partition('->'))
        if not table.is_allowed(from_status, to_status):
            raise ValueError('%s table has no edge %s -> %s to label'
                             % (table.kind, from_status, to_status))
        labels[(from_status, to_status)] = label.strip()
    return labels


def _quote(text):
    """Quote ``text`` as a dot identifier or label."""
    return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')


def dot_lines(table, labels=None, rankdir='LR'):
    """Yield the body of a ``digraph`` drawing ``table``."""
    labels = labels or {}
    yield 'rankdir=%s;' % rankdir
    yield 'node [shape=circle, fontname="Helvetica", fontsize=11];'
    yield 'edge [fontname="Helvetica", fontsize=9];'
    yield '__start__ [shape=point, width=0.15, label=""];'
    for status in table.statuses:
        shape = 'doublecircle' if status in table.terminal else 'circle'
        style = ', style=bold' if status == table.initial else ''
        yield '%s [shape=%s%s];' % (_quote(status), shape, style)
    yield '__start__ -> %s;' % _quote(table.initial)
    for edge in table.edges():
        label = labels.get(edge)
        attrs = ' [label=%s]' % _quote(label) if label else ''
        yield '%s -> %s%s;' % (_quote(edge[0]), _quote(edge[1]), attrs)


def descriptions_for(module, table):
    """Return the module's status descriptions; every status needs one."""
    descriptions = getattr(module, DESCRIPTIONS_ATTR, {})
    missing = [s for s in table.statuses if s not in descriptions]
    if missing:
        raise ValueError('%s.%s has no description for: %s'
                         % (module.__name__, DESCRIPTIONS_ATTR,
                            ', '.join(missing)))
    return descriptions


def targets_text(table, status):
    """Words for the statuses ``status`` may move to."""
    targets = [to for frm, to in table.edges() if frm == status]
    return ', '.join(targets) if targets else '(terminal)'


def _cell(*children):
    """A table cell holding one paragraph of ``children``."""
    entry = nodes.entry()
    entry += nodes.paragraph('', '', *children)
    return entry


def _row(*cells):
    """A table row of ``cells``."""
    row = nodes.row()
    row.extend(cells)
    return row


def table_node(table, descriptions):
    """Build a docutils table: status, allowed next statuses, meaning."""
    group = nodes.tgroup(cols=3)
    group.extend(nodes.colspec(colwidth=w) for w in (15, 25, 60))
    head = nodes.thead()
    head += _row(*(_cell(nodes.Text(t))
                   for t in ('Status', 'Allowed to', 'Meaning')))
    body = nodes.tbody()
    for status in table.statuses:
        name = nodes.literal(status, status)
        if status == table.initial:
            name = nodes.inline('', '', name, nodes.Text(' (initial)'))
        body += _row(_cell(name),
                     _cell(nodes.Text(targets_text(table, status))),
                     _cell(nodes.Text(descriptions[status])))
    group += head
    group += body
    return nodes.table('', group, classes=['status-table'])


class _TableDirective(SphinxDirective):
    """Common part: import the table and note its module as a dependency."""

    required_arguments = 1

    def load(self):
        """Import the table; rebuild the page when its module changes."""
        module, table = import_table(self.arguments[0])
        self.env.note_dependency(module.__file__)
        return module, table

    def run(self):
        """Build the nodes; a bad table or option is a directive error."""
        try:
            return self.build(*self.load())
        except ValueError as exc:
            raise self.error(str(exc)) from exc


class StatusDiagramDirective(_TableDirective):
    """``.. status-diagram:: dotted.name.TABLE`` -> a graphviz digraph."""

    option_spec = {
        'caption': directives.unchanged,
        'rankdir': lambda arg: directives.choice(arg, ('lr', 'tb')).upper(),
        'label': directives.unchanged,
        'labels-from': directives.unchanged,
        'alt': directives.unchanged,
    }

    def build(self, module, table):
        labels = {}
        if 'labels-from' in self.options:
            labels = labels_from(self.options['labels-from'], table)
        labels.update(parse_labels(self.options.get('label'), table))
        body = '\n'.join(dot_lines(table, labels,
                                   self.options.get('rankdir', 'LR')))
        node = graphviz.graphviz()
        node['code'] = 'digraph %s_statuses {\n%s\n}\n' % (table.kind, body)
        node['options'] = {'docname': self.env.docname}
        node['alt'] = self.options.get(
            'alt', '%s status diagram' % table.kind.capitalize())
        if 'caption' not in self.options:
            return [node]
        return [graphviz.figure_wrapper(self, node, self.options['caption'])]


class StatusTableDirective(_TableDirective):
    """``.. status-table:: dotted.name.TABLE`` -> transitions and meanings."""

    def build(self, module, table):
        return [table_node(table, descriptions_for(module, table))]


def setup(app):
    """Register the directives (and sphinx.ext.graphviz, which they need)."""
    app.setup_extension('sphinx.ext.graphviz')
    app.add_directive('status-diagram', StatusDiagramDirective)
    app.add_directive('status-table', StatusTableDirective)
    return {'version': '1.0', 'parallel_read_safe': True,
            'parallel_write_safe': True}
