"""gunicorn's configuration for Tessera, read by gunicorn from the working directory:

    gunicorn config.wsgi --bind 0.0.0.0:8000 --workers 4

Command-line flags (and GUNICORN_CMD_ARGS) override what is set here. What it does and why is
in README.md ("Production settings"): an access log with secrets masked, request lines long
enough for a 4,096-character SCIM filter, and no Server banner.
"""

from gunicorn.http import message as _message
from gunicorn.http import wsgi as _wsgi

wsgi_app = "config.wsgi:application"

# --- access log: on stdout, secrets masked (foundation.access_log), with the correlation id -------
# and, with a read replica, which database served the reads (foundation.consistency)
accesslog = "-"
logger_class = "foundation.access_log.AccessLogger"
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms '
    "cid=%({x-correlation-id}o)s db=%({tessera.db}e)s"
)

# --- request limits ---------------------------------------------------------------------------
# A SCIM filter may be 4,096 characters (docs/authorisations.md); URL-encoded, each character can
# take three (`"` is %22), a four-byte UTF-8 character twelve: 48 KiB, so the line gets 64 KiB.
# gunicorn caps the setting at its MAX_REQUEST_LINE (8,190) unless 0, which means no bound at
# all: the cap is raised to the setting (a real gunicorn test holds this). Headers may repeat
# such a URL (Referer).
limit_request_line = 64 * 1024
limit_request_field_size = 64 * 1024
_message.MAX_REQUEST_LINE = max(_message.MAX_REQUEST_LINE, limit_request_line)


# --- no Server banner -------------------------------------------------------------------------
# gunicorn 27 has no setting for it: every HTTP/1 response starts with `Server: gunicorn`
# (Response.default_headers). The header is left out there.
def _without_server_header(default_headers):
    if getattr(default_headers, "tessera_no_server", False):
        return default_headers  # the file is read again on HUP: wrap once

    def headers(self):
        return [line for line in default_headers(self)
                if not line.lower().startswith("server:")]

    headers.tessera_no_server = True
    return headers


_wsgi.Response.default_headers = _without_server_header(_wsgi.Response.default_headers)
