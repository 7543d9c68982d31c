"""Consent per purpose, read and written by the core: who agreed to what, and since when.

``conversations.consent`` names the purposes and fingerprints wordings (pure); this package
answers "may we?" from the database (:mod:`bot.consent.checks`: ``has_consent`` for one
person, ``with_consent`` for an audience, ``current`` as a SQL condition inside a larger
query) and holds the statements the turn writer records and withdraws consents with
(:mod:`bot.consent.records`).  Features import it; it imports no feature.
"""
