"""Media: probing and exact frame decoding with PyAV (from any seekable binary file object)."""
