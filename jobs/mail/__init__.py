"""E-mail: each run's new records mailed to the `[mail]` recipients, once, and retried until a server takes them.

`outbox.py` keeps what is queued and owed in the manifest, `message.py` makes a message from the
batch pages' own renderers, `smtp.py` talks to the server, and `delivery.py` puts them together.
"""
