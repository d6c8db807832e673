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

"""Policy checks of the handlers, on the enforcer of the API state."""

from glance_tasks import exception

ADMIN_RULE = 'context_is_admin'


def authorize(req, rule, target):
    """Raise :class:`PolicyNotAuthorized` unless ``rule`` allows it."""
    context = req.context
    # Without a project a non-admin owns nothing: a rule comparing
    # project_id:%(project_id)s would otherwise match None with None.
    if target.get('project_id') is None and not is_admin(req):
        raise exception.PolicyNotAuthorized(action=rule)
    req.state.enforcer.authorize(
        rule, target, context, do_raise=True,
        exc=exception.PolicyNotAuthorized, action=rule)


def is_admin(req):
    return req.state.enforcer.authorize(ADMIN_RULE, {}, req.context)


def allowed(req, rule, target):
    """Like :func:`authorize`, returning False instead of raising."""
    try:
        authorize(req, rule, target)
    except exception.PolicyNotAuthorized:
        return False
    return True


def owner_scope(req):
    """The owner a lookup is limited to: None (all) for an admin."""
    return None if is_admin(req) else req.context.project_id
