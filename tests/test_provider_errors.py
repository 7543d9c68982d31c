"""Provider error texts are stored and shown without addresses (issue 11, point 3).

Before: Twilio's error texts ("… to whatsapp:+49…") were stored as they came in
``outbox.error`` and printed by ``twc outbox list``.
"""

from __future__ import annotations

import pytest

from bot.outbox.scrub import scrub


@pytest.mark.parametrize(
    ("reason", "stored"),
    [
        (
            "Twilio 63016: failed to send freeform message to whatsapp:+4915112345678",
            "Twilio 63016: failed to send freeform message to [address]",
        ),
        (
            "The 'To' number +49 151 1234-5678 is not valid",
            "The 'To' number [address] is not valid",
        ),
        (
            "Forbidden: bot was blocked by the user 123456789",
            "Forbidden: bot was blocked by the user [address]",
        ),
        ("Chat -1001234567890 not found", "Chat [address] not found"),
        ("mail to amina@example.org bounced", "mail to [address] bounced"),
        ("retry after 30 s (error 21611)", "retry after 30 s (error 21611)"),
    ],
)
def test_addresses_are_scrubbed_codes_are_kept(reason: str, stored: str) -> None:
    assert scrub(reason) == stored


def test_the_result_fits_the_column() -> None:
    assert len(scrub("x" * 2000)) == 500
