"""Outgoing mail: the mailer interface and its factory (the one way mail is sent), and
the local outbox. SES is the ``aws`` implementation."""
