"""Files she sends on Telegram: a reference when she sends one, the bytes when staff open it.

Telegram keeps the file; we keep only its ``file_id`` (encrypted in ``inbound_media.url`` as
``telegram:file:<file_id>``), so a coordinator can listen to a voice note in the staff inbox
and nothing of it is copied to our side.  Opening it is two Bot API calls through the bot's own
python-telegram-bot client: ``getFile`` (the file's path, valid for an hour, and its size) and
the download from the file base URL, which is derived from ``TWC_TELEGRAM_API_URL`` so a
self-hosted Bot API server (or a test stand-in) serves both.  Bots may download up to 20 MB.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError

from bot.channels.base import MediaError, MediaFile
from bot.channels.messages import Media

#: What ``inbound_media.url`` holds for a Telegram file.
REFERENCE_PREFIX = "telegram:file:"
#: The longest ``file_id`` we keep (Telegram's are around 80 characters).
MAX_FILE_ID = 512
#: Message attribute → (the kind the inbox shows, the type when Telegram names none).  Stickers,
#: locations and contacts are not for the team (no reference is kept).
FILE_KINDS = (
    ("voice", "voice", "audio/ogg"),
    ("video_note", "voice", "video/mp4"),
    ("audio", "audio", "audio/mpeg"),
    ("photo", "photo", "image/jpeg"),
    ("video", "video", "video/mp4"),
    ("animation", "video", "video/mp4"),
    ("document", "document", "application/octet-stream"),
)
#: How long the download may take, in seconds.
DOWNLOAD_TIMEOUT = 30.0


def file_url_of(api_url: str) -> str:
    """The file base URL beside a Bot API base URL: ``…/bot{token}`` → ``…/file/bot{token}``."""
    if "/bot{token}" in api_url:
        return api_url.replace("/bot{token}", "/file/bot{token}", 1)
    if api_url.rstrip("/").endswith("/bot"):
        return api_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    return api_url.rstrip("/") + "/file"


def media_of(message: Message) -> tuple[Media, ...]:
    """The file she sent with ``message`` (the largest size of a photo), as a reference."""
    for attribute, kind, default_type in FILE_KINDS:
        value: Any = getattr(message, attribute, None)
        if not value:
            continue
        if attribute == "photo":  # the sizes Telegram made; the largest is the one to show
            value = max(value, key=lambda size: (size.width * size.height, size.file_size or 0))
        file_id = getattr(value, "file_id", None)
        if not isinstance(file_id, str) or not file_id or len(file_id) > MAX_FILE_ID:
            return ()
        content_type = str(getattr(value, "mime_type", None) or default_type)[:100]
        return (Media(kind, content_type, REFERENCE_PREFIX + file_id),)
    return ()


async def fetch(bot: Bot, reference: str, max_bytes: int) -> MediaFile:
    """``getFile`` and the download; :class:`MediaError` when Telegram cannot give it."""
    if not reference.startswith(REFERENCE_PREFIX):
        raise MediaError("not a Telegram file reference", gone=True)
    file_id = reference.removeprefix(REFERENCE_PREFIX)
    try:
        found = await bot.get_file(file_id)
        if found.file_size is not None and found.file_size > max_bytes:
            raise MediaError("telegram: the file is larger than allowed", too_large=True)
        if not found.file_path:
            raise MediaError("telegram: no file path (file too big for bots)", too_large=True)
        data = bytes(await found.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT))
    except (BadRequest, Forbidden, InvalidToken) as error:
        # 400 "wrong file_id" / "file is too big", 404: the file is gone for good.
        reason = getattr(error, "message", type(error).__name__)[:200]
        too_large = "too big" in reason.lower()
        raise MediaError(f"telegram: {reason}", gone=not too_large, too_large=too_large) from None
    except TelegramError as error:  # timeouts, 5xx, network
        raise MediaError(f"telegram: {type(error).__name__}") from None
    if len(data) > max_bytes:
        raise MediaError("telegram: the file is larger than allowed", too_large=True)
    return MediaFile(None, data)


__all__ = ["FILE_KINDS", "REFERENCE_PREFIX", "fetch", "file_url_of", "media_of"]
