"""vigtool: Video Interaction Guidance micro-analysis, clips and shared review.

The packages below `vigtool` are the Qt-free core: domain model, media, synthetic recordings,
services and the command line. The GUI lives in the top-level `ui` package.
"""

__version__ = "0.1.0"
