"""Plugin modules for twistio: each module here is scanned by ``twistio.plugin.getPlugins``.

Third-party packages may also drop modules into a ``twisted/plugins`` folder on ``sys.path``
(as they do for Twisted); ``getPlugins`` scans those too, without importing Twisted.
"""
