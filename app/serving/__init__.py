"""How requests reach the handlers: the ASGI-to-Flask bridge, the gunicorn worker and
its settings, and every workaround that leans on another library's internals
(listed with the versions they were tested on in `internals`)."""
