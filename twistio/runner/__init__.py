"""Running other programs as part of a service: ``procmon`` keeps child processes alive."""
