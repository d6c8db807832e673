"""Persistence of tasks and images with oslo.db."""
