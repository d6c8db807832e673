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

"""The import plugins' options, in Glance's groups and with its names.

``[image_import_opts] image_import_plugins`` chooses the plugins and their
order; ``[image_conversion]`` and ``[inject_metadata_properties]`` are the
options of the two plugins Glance ships (see
:mod:`glance_tasks.images.import_plugins`).
"""

from oslo_config import cfg

from glance_tasks.conf import opts

image_import_opts_group = cfg.OptGroup(
    'image_import_opts', title='Interoperable image import plugins',
    help='Which plugins run on the data of an interoperable image import '
         '(``POST /v2/images/{id}/import``), in which order.')

image_import_opts = [
    cfg.ListOpt('image_import_plugins',
                item_type=cfg.types.String(quotes=True),
                bounds=True,
                default=[],
                sample_default='[image_conversion, inject_image_metadata]',
                help='Import plugins run, in this order, on the data of '
                     'every ``glance-direct``, ``web-download`` and '
                     '``glance-download`` import '
                     '(not ``copy-image``, whose data is already the '
                     'image\'s), after its format is inspected and before '
                     'it is stored. Names of entry points in the '
                     '``glance_tasks.image_import.plugins`` namespace; '
                     'this service ships ``no_op`` (logs that it ran), '
                     '``image_conversion`` (see ``[image_conversion]``) '
                     'and ``inject_image_metadata`` (see '
                     '``[inject_metadata_properties]``). As in Glance the '
                     'list is written in brackets, e.g. '
                     '``[image_conversion, inject_image_metadata]``; '
                     'empty (the default), no plugin runs. A name that is '
                     'not installed fails each import saying so. Every '
                     'process running imports (API hosts with the local '
                     'executor, engines with the jobboard) must have the '
                     'same list: a task resumed elsewhere after a crash '
                     'rebuilds its flow from it.'),
]

image_conversion_group = cfg.OptGroup(
    'image_conversion', title='Image conversion import plugin',
    help='Options of the ``image_conversion`` import plugin.')

image_conversion_opts = [
    cfg.StrOpt('output_format',
               default='raw',
               choices=[('qcow2', 'Convert imported images to qcow2.'),
                        ('raw', 'Convert imported images to raw.'),
                        ('vmdk', 'Convert imported images to vmdk.')],
               help='Disk format the ``image_conversion`` import plugin '
                    'converts imported data to, with ``qemu-img '
                    'convert``; the image\'s ``disk_format`` becomes this '
                    'format. The data is first checked to be in the '
                    'format the image claims and to be safe (no backing '
                    'or external data file), and refused otherwise; data '
                    'already in this format, and ISO images, are stored '
                    'as they are. Converting to raw needs room for the '
                    'image\'s virtual size in the staging area, and the '
                    'result must fit ``[image_import] max_image_size``. '
                    'Only used when ``image_conversion`` is in '
                    '``[image_import_opts] image_import_plugins``.'),
]

inject_metadata_group = cfg.OptGroup(
    'inject_metadata_properties',
    title='Image metadata injection import plugin',
    help='Options of the ``inject_image_metadata`` import plugin.')

inject_metadata_opts = [
    cfg.ListOpt('ignore_user_roles',
                default=['admin'],
                help='Roles whose holders\' imports get no injected '
                     'properties: when the user who started the import '
                     'has any of them, ``inject_image_metadata`` does '
                     'nothing. For example ``admin,member``.'),
    cfg.DictOpt('inject',
                default={},
                help='Properties ``inject_image_metadata`` sets on every '
                     'imported image, as ``key:value`` pairs separated by '
                     'commas, e.g. ``cloud:example,support:none``. Keys '
                     'are at most 255 characters; names in Glance\'s '
                     'reserved ``os_glance`` namespace and the image\'s '
                     'own fields (``name``, ``status``, ``owner``, ...) '
                     'are never set (a warning is logged). A property the '
                     'user gave the image is replaced. If the import '
                     'fails the properties added are removed and those '
                     'replaced get their old value back.'),
]

GROUPS = ((image_import_opts_group, image_import_opts),
          (image_conversion_group, image_conversion_opts),
          (inject_metadata_group, inject_metadata_opts))


def register_opts(conf):
    for group, group_opts in GROUPS:
        opts.register_group_opts(conf, group, group_opts)


def list_opts():
    return list(GROUPS)
