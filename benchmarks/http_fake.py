"""The benchmarks' HTTP Bot API now lives in ``preview.server`` (one implementation for tests,
the preview and the benchmarks); this name stays while benchmark modules still import it."""

from preview.server import FakeTelegramServer

__all__ = ["FakeTelegramServer"]
