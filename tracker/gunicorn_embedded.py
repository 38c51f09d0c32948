"""gunicorn settings of the embedded default (scripts/run; tests/test_embedded_server.py
serves with the same file). The address comes on the command line: -b 127.0.0.1:$PORT.

Threads in two processes share one SQLite file: the settings make each transaction take
the write lock when it begins (IMMEDIATE), readers never wait (WAL), and a writer waits up to
20 s for the lock; a lock error that outlasts that answers 503, never 500.
"""

wsgi_app = "tracker.wsgi"
worker_class = "gthread"
workers = 2
threads = 8
timeout = 60  # a large import or export on a slow office PC
graceful_timeout = 5  # Ctrl-C in scripts/run stops promptly
accesslog = "-"  # one line per request on the console, as runserver printed
