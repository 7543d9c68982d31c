"""Constants the tests share."""

from __future__ import annotations

#: The bot's ``secret_key`` in tests (encryption of names, lookup keys of addresses).
TEST_SECRET = "test-secret-key-that-is-long-enough-for-tests-0123456789"
