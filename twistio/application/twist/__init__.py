"""The ``twist`` command: run a service-maker plugin (``twist NAME [options]``)."""
