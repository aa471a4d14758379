"""The PySide6 desktop app: windows and widgets, thin adapters over the Qt-free core."""
