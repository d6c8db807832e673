"""Request context: who is asking, and the database session they hold."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """oslo.context's context, carrying an enginefacade transaction."""


def get_admin_context():
    """A context for the service's own background work."""
    return RequestContext(is_admin=True, overwrite=False)
