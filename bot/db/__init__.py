"""Storage: SQLAlchemy models (``models``), the tables by short name (``tables``), column types
with aware UTC and encryption at rest (``types``), the engine factory (``connect``), bulk
values (``bulk``), the simulator's screens, and Alembic migrations (``migrate``,
``migrations/``)."""

__all__ = ["bulk", "connect", "migrate", "models", "simulator_screen", "tables", "types"]
