"""Handlers, one module per noun; each is a function of the request."""
