"""The business rules: plain functions over plain values, and flush-only operations.

Nothing here reads the request or ``g``, and nothing commits: the view (or job) that calls
a service owns the transaction and commits once.
"""
