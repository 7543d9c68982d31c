"""Application services: the code between channel adapters and the database."""
