"""WhatsApp templates: which message kind has an approved template in which language.

* :mod:`.client` reads each configured template's WhatsApp approval from Twilio's Content API;
  :mod:`.service` stores it (``whatsapp_template_status``) and builds, per organisation, the
  kinds × languages table with the gaps and the people they concern.
* ``/staff/templates`` (:mod:`.pages`, every staff member), ``twc templates status [--refresh]``
  (:mod:`.cli`), a daily refresh at 05:30, and a warning in ``twc flows check``
  (:mod:`.flowcheck`) for flows that start messages no template carries.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.channels.whatsapp.templates import TemplateConfigError
from bot.features.feature import Feature, NavItem, PeriodicJob
from bot.features.wa_templates.cli import register
from bot.features.wa_templates.flowcheck import template_warnings
from bot.features.wa_templates.pages import PATH, service_of, staff_pages
from bot.settings import Settings
from bot.web.staff.i18n import N_
from conversations.languages import default_languages
from conversations.spec import Flow

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def _daily(runtime: Runtime) -> bool:
    """Ask Twilio every morning, before coordinators look (a failure is logged and kept)."""
    service = service_of(runtime)
    if service.configured:
        try:
            service.refresh()
        except TemplateConfigError as error:
            log.warning("whatsapp templates: the template file is broken: %s", error)
    return False


def _flow_check(flows: Mapping[str, Flow], settings: Settings) -> Sequence[str]:
    return template_warnings(flows, settings, default_languages())


FEATURE = Feature(
    name="wa_templates",
    staff_pages=staff_pages,
    staff_nav=(NavItem(PATH, N_("WhatsApp-Vorlagen"), order=70),),
    periodic_jobs=(
        PeriodicJob(
            "wa_templates",
            _daily,
            "cron",
            {"hour": 5, "minute": 30},
            misfire_grace_seconds=6 * 3600,
        ),
    ),
    cli=register,
    flow_checks=(_flow_check,),
)

__all__ = ["FEATURE"]
