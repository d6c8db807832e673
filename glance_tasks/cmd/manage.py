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

"""``glance-tasks-manage``: database and task housekeeping commands."""

import datetime
import os
import sys

from oslo_config import cfg
from oslo_log import log as logging

from glance_tasks import conf as gt_conf
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import migration
from glance_tasks.db import outbox as outbox_db
from glance_tasks.db import tasks as task_db
from glance_tasks.engine import persistence
from glance_tasks import exception
from glance_tasks.images import scrubber
from glance_tasks.images import store as store_mod
from glance_tasks.lifecycle import images as image_lifecycle


def _db_sync(conf):
    migration.db_sync()
    print('Database is at revision %s.' % migration.db_version())
    # A separate database for the flow progress has its own scripts.
    revision = persistence.sync_own_database(conf)
    if revision is not None:
        print('Flow persistence database is at revision %s.' % revision)


def _db_version(conf):
    print(migration.db_version() or 'None (empty database)')


def _tasks_purge(conf):
    context = gt_context.get_admin_context()
    now = db_api.utcnow()
    deleted_before = now - datetime.timedelta(days=conf.command.age_in_days)
    removed_tasks = task_db.purge(context, now=now,
                                  deleted_before=deleted_before)
    removed_images = image_db.purge(context, deleted_before)
    sent = outbox_db.purge_sent(context, now - outbox_db.SENT_RETENTION)
    print('Purged %d task(s), %d deleted image(s) and %d delivered '
          'notification(s).' % (removed_tasks, removed_images, sent))


def _images_scrub(conf):
    # No relay in this process: the service's relay sends the
    # notifications at its next poll.
    scrubbed = scrubber.scrub(image_lifecycle.ImageLifecycle(conf),
                              store_mod.ImageStore(conf))
    print('Scrubbed %d image(s) pending delete for more than %d '
          'second(s).' % (scrubbed, conf.scrub_time))


def _images_restore(conf):
    try:
        image = scrubber.restore(image_lifecycle.ImageLifecycle(conf),
                                 conf.command.image_id)
    except exception.GlanceTasksException as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print('Image %s is active again.' % image.id)
    return 0


def _add_image_subcommands(subparsers):
    images = subparsers.add_parser('images', help='Image housekeeping.')
    images_sub = images.add_subparsers(dest='action')
    images_sub.required = True
    images_sub.add_parser(
        'scrub', help='Delete the data of images pending delete for more '
                      'than [DEFAULT] scrub_time seconds.'
    ).set_defaults(func=_images_scrub)
    restore = images_sub.add_parser(
        'restore', help='Bring an image pending delete back to active.')
    restore.add_argument('image_id')
    restore.set_defaults(func=_images_restore)


def _add_subcommands(subparsers):
    _add_image_subcommands(subparsers)
    db = subparsers.add_parser('db', help='Database schema commands.')
    db_sub = db.add_subparsers(dest='action')
    db_sub.required = True
    db_sub.add_parser('sync', help='Upgrade the schema to the newest '
                                   'revision.').set_defaults(func=_db_sync)
    db_sub.add_parser('version', help='Print the schema revision.'
                      ).set_defaults(func=_db_version)
    tasks = subparsers.add_parser('tasks', help='Task housekeeping.')
    tasks_sub = tasks.add_subparsers(dest='action')
    tasks_sub.required = True
    purge = tasks_sub.add_parser(
        'purge', help='Remove expired tasks, and tasks and images '
                      'soft-deleted more than --age-in-days days ago.')
    purge.add_argument('--age-in-days', type=int, default=30)
    purge.set_defaults(func=_tasks_purge)


command_opt = cfg.SubCommandOpt('command', title='Commands',
                                handler=_add_subcommands,
                                help='Available commands')


def main(argv=None):
    conf = cfg.ConfigOpts()
    conf.register_cli_opt(command_opt)
    logging.register_options(conf)
    gt_conf.load(sys.argv[1:] if argv is None else argv, conf=conf)
    logging.setup(conf, 'glance-tasks')
    _ensure_state_path(conf)
    db_api.configure(conf)
    return conf.command.func(conf) or 0


def _ensure_state_path(conf):
    os.makedirs(conf.state_path, exist_ok=True)


if __name__ == '__main__':
    sys.exit(main())
