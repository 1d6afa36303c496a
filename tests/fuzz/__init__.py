"""Fuzz targets: bytes from a hostile peer fed whole and split, with the results compared."""
