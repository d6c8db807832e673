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
