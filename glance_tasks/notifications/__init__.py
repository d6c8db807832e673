"""Notifications: payloads, the transactional outbox and its relay.

A status change and the notification announcing it are written in one
database transaction (:func:`events.enqueue`); a relay thread sends the
outbox in commit order after the commit (:mod:`relay`). A notification is
therefore never sent for a rolled-back change and never lost when the
message bus is down.
"""
