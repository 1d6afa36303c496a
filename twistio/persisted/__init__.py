"""Persistence: versioned pickling (``styles``), Python-source object trees (``aot``), saving
applications to files (``sob``) and a directory used as a dbm (``dirdbm``)."""
