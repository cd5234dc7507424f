"""What happens without a tap: the outbox drainer, the sweep, check-in planning, escalation and
the reconciler. Handlers write rows (``storage``) and ask for them to be sent now; everything
here sends, retries, falls back and repairs.
"""
