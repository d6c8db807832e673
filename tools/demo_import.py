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

"""The import part of ``tools/demo.py``: a real image, end to end.

:func:`prepare` enables the ``import`` type and allows loopback (for this
demo only: the service refuses loopback sources by default). :func:`run`
generates a small qcow2 image (raw when ``qemu-img`` is missing), serves it
on 127.0.0.1 with ``http.server``, imports it with an ``import`` task and
prints every status the task and its image went through, as the
notifications committed with each change announce them, and the image's
checksum and hash at the end.
"""

import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import sqlalchemy as sa

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import outbox
from glance_tasks.domain import task as task_domain

SOURCE_SIZE = 16 * 1024 * 1024  # virtual size of the generated image


def prepare(conf):
    """Enable ``import`` and let it fetch from this host's loopback."""
    enabled = list(conf.task.enabled_task_types)
    if 'import' not in enabled:
        conf.set_override('enabled_task_types', enabled + ['import'],
                          group='task')
    group = 'import_filtering_opts'
    conf.set_override('allowed_hosts', ['127.0.0.1'], group=group)
    conf.set_override('allowed_ports', [], group=group)


def make_source(directory):
    """Write a small image with some data in it; ``(name, format)``."""
    raw = os.path.join(directory, 'demo.raw')
    with open(raw, 'wb') as f:
        f.truncate(SOURCE_SIZE)
        # Some data at the start and the end; the rest is sparse.
        f.write(b'glance-tasks demo image\n' * 40000)
        f.seek(SOURCE_SIZE - 4096)
        f.write(os.urandom(4096))
    qemu_img = shutil.which('qemu-img')
    if qemu_img is None:
        return 'demo.raw', 'raw'
    subprocess.run([qemu_img, 'convert', '-f', 'raw', '-O', 'qcow2', raw,
                    os.path.join(directory, 'demo.qcow2')],
                   check=True, capture_output=True, timeout=60)
    os.unlink(raw)
    return 'demo.qcow2', 'qcow2'


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(directory):
    """An HTTP server on 127.0.0.1 (any free port), in a thread."""
    handler = functools.partial(_QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True,
                              name='demo-image-server')
    thread.start()
    return server


def announced(context, ids):
    """``(event type, payload)`` of the notifications about ``ids``."""
    with db_api.context_manager.reader.using(context):
        rows = context.session.execute(
            sa.select(outbox.OUTBOX).order_by(outbox.OUTBOX.c.id)).all()
        return [(row.event_type, row.payload) for row in rows
                if row.payload.get('id') in ids]


def wait(service, context, task_id, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = service.get_task(context, task_id)
        if task.status in task_domain.TABLE.terminal:
            return task
        time.sleep(0.02)
    return service.get_task(context, task_id)


def run(service, context, conf, timeout=60):
    """Import a generated image; print its story; True on success."""
    directory = tempfile.mkdtemp(prefix='glance-tasks-demo-')
    server = None
    try:
        name, fmt = make_source(directory)
        server = serve(directory)
        url = 'http://127.0.0.1:%d/%s' % (server.server_address[1], name)
        print('Serving a generated %s image (%d bytes) at %s; loopback '
              'sources are allowed for this demo only.'
              % (fmt, os.path.getsize(os.path.join(directory, name)), url))
        task = service.create_task(context, 'import', {
            'import_from': url, 'import_from_format': fmt,
            'image_properties': {'name': 'demo-image',
                                 'container_format': 'bare',
                                 'os_distro': 'demo'}})
        task = wait(service, context, task.id, timeout)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        shutil.rmtree(directory, ignore_errors=True)
    return report(context, task)


def report(context, task):
    admin = gt_context.get_admin_context()
    print('Import task %s and image %s, status by status as announced:'
          % (task.id[:8], (task.image_id or '-')[:8]))
    notifications = announced(admin, {task.id, task.image_id})
    for event, payload in notifications:
        kind = event.split('.', 1)[0]
        detail = ''
        if event == 'image.upload':
            detail = 'size %s, checksum %s' % (payload['size'],
                                               payload['checksum'])
        elif event in ('task.success', 'task.failure'):
            detail = json.dumps(payload['result']) if payload['result'] \
                else payload['message']
        print('  %-5s %s: %-10s (%s) %s' % (kind, payload['id'][:8],
                                            payload['status'], event,
                                            detail))
    print_sample(notifications[-1:])
    if task.status != task_domain.SUCCESS:
        print('The import failed: %s' % task.message)
        return False
    image = image_db.get(admin, task.image_id)
    [location] = image_db.get_locations(admin, image.id)
    print('Image %s is %s: %s, %d bytes (virtual %d bytes)'
          % (image.id, image.status, image.disk_format, image.size,
             image.virtual_size))
    print('  checksum (md5)        %s' % image.checksum)
    print('  os_hash_value (%s) %s...' % (image.os_hash_algo,
                                          image.os_hash_value[:48]))
    print('  location              %s' % location['url'])
    return True


def print_sample(notifications):
    """One notification's payload, as a consumer receives it."""
    for event, payload in notifications:
        print('The payload of its %s notification (consumers get it in '
              'the "payload" of an oslo.messaging notification):' % event)
        for line in json.dumps(payload, indent=2, sort_keys=True).split(
                '\n'):
            print('    ' + line)
