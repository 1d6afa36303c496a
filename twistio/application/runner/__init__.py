"""The building blocks of the ``twist`` command: exit statuses (``_exit``), PID files
(``_pidfile``) and the ``Runner`` that starts logging and the reactor (``_runner``)."""
