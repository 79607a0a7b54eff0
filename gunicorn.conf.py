"""gunicorn settings: gthread, no preload (torch and fork do not mix), values from Settings."""

import os

from service.settings import load_settings

_settings = load_settings()  # a bad TARJOMAN_* value stops start-up here, naming the variable

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = _settings.workers
threads = _settings.threads
preload_app = False  # models load in each worker after fork
timeout = int(_settings.request_timeout_s) + 30
graceful_timeout = 30
keepalive = 5
accesslog = None
wsgi_app = "service:create_app()"
