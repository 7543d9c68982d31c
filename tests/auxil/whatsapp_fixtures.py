"""The WhatsApp fixtures several test modules share (registered in ``tests/conftest.py``).

* ``twilio_stand_in``: the Twilio stand-in in front of Prism (Twilio's API description), which
  accepts only requests Twilio would and records what the bot sent;
* ``wa_runtime``: a runtime on SQLite whose WhatsApp channel talks to it;
* ``wa_client``: the web app of that runtime, without its background tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.runtime import Runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.twilio import Prism, TwilioStandIn
from tests.auxil.whatsapp import whatsapp_runtime


@pytest.fixture
def twilio_stand_in(prism: Prism) -> Iterator[TwilioStandIn]:
    with TwilioStandIn(prism.url) as server:
        yield server


@pytest.fixture
def wa_runtime(
    sqlite_url: str, clock: FrozenClock, tmp_path: Path, twilio_stand_in: TwilioStandIn
) -> Iterator[Runtime]:
    runtime = whatsapp_runtime(sqlite_url, clock, tmp_path, twilio_stand_in.url)
    yield runtime
    runtime.close()


@pytest.fixture
def wa_client(wa_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(wa_runtime, background=False)) as client:
        yield client
