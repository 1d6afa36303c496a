"""HTTP authentication for twisted.web resources: the ``basic`` and ``digest`` credential
factories and the ``wrapper`` that guards a resource tree (``twistio.web.guard`` offers all
three under one name)."""
