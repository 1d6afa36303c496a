"""twistio: Twisted's programming model, natively on asyncio."""

__version__ = "0.1.0"
