"""Rules of the image data API (Glance's rule names)."""

from oslo_policy import policy

from glance_tasks.policies import base

UPLOAD_IMAGE = 'upload_image'
DOWNLOAD_IMAGE = 'download_image'

rules = [
    policy.DocumentedRuleDefault(
        name=UPLOAD_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Upload the data of a queued image.',
        operations=[{'path': '/v2/images/{image_id}/file',
                     'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        name=DOWNLOAD_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='Download the data of an image. A deactivated image '
                    'is refused (403) to anyone but an administrator.',
        operations=[{'path': '/v2/images/{image_id}/file',
                     'method': 'GET'}]),
]


def list_rules():
    return rules
