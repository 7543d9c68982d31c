"""Invite codes: a deep link or QR code on a flyer that brings a woman to her organisation
and, once she consents, into a course; a mentor invite signs her up as a mentor."""

from bot.features.feature import Feature
from bot.features.invites.cli import register
from bot.features.invites.effects import InviteEnrolmentWriter
from bot.features.invites.service import (
    Invite,
    InviteError,
    create_invite,
    list_invites,
    organisation_for_code,
    organisation_of_code,
    role_of_code,
)

FEATURE = Feature(
    name="invites",
    effect_writers=(InviteEnrolmentWriter,),
    organisation_for_code=organisation_of_code,
    role_for_code=role_of_code,
    cli=register,
)

__all__ = [
    "FEATURE",
    "Invite",
    "InviteError",
    "create_invite",
    "list_invites",
    "organisation_for_code",
    "organisation_of_code",
    "role_of_code",
]
