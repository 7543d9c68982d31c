"""Rendering for WhatsApp: numbered menus, quick replies when configured, splitting at 1600."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.messages import Outbound
from bot.channels.whatsapp.render import MAX_TEXT, Part, keycap, render, split_text
from conversations.matching import read_number

QUICK = {2: "HX" + "2" * 32, 3: "HX" + "3" * 32}
LANGS = tuple(
    (f"onboarding.choose_language:{c}", n)
    for c, n in [
        ("de", "Deutsch"),
        ("en", "English"),
        ("ar", "العربية"),
        ("uk", "Українська"),
        ("ru", "Русский"),
        ("fa", "فارسی"),
        ("tr", "Türkçe"),
        ("it", "Italiano"),
        ("pt", "Português"),
        ("el", "Ελληνικά"),
    ]
)


def test_long_menus_are_numbered_text_with_keycap_digits() -> None:
    [part] = render(Outbound("Welche Sprache?", LANGS), QUICK)
    assert part.content_sid is None
    lines = (part.body or "").splitlines()
    assert lines[:3] == ["Welche Sprache?", "", "1️⃣ Deutsch"]
    assert lines[-1] == "1️⃣0️⃣ Ελληνικά"


def test_keycaps_read_back_as_the_same_number() -> None:
    for number in (1, 9, 10, 12, 99):
        assert read_number(keycap(number)) == number


def test_up_to_three_choices_are_quick_replies_when_configured() -> None:
    choices = (("onboarding.consent:yes", "✅ Ja"), ("onboarding.consent:no", "❌ Nein"))
    [part] = render(Outbound("Einverstanden?", choices), QUICK)
    assert part == Part(
        content_sid=QUICK[2],
        content_variables={
            "1": "Einverstanden?",
            "2": "✅ Ja",
            "3": "onboarding.consent:yes",
            "4": "❌ Nein",
            "5": "onboarding.consent:no",
        },
    )


def test_without_quick_reply_content_three_choices_are_numbered_too() -> None:
    choices = (("a.b:1", "Eins"), ("a.b:2", "Zwei"), ("a.b:3", "Drei"))
    [part] = render(Outbound("Was?", choices), {})
    assert part.body == "Was?\n\n1️⃣ Eins\n2️⃣ Zwei\n3️⃣ Drei"


def test_a_label_over_twenty_characters_falls_back_to_numbered_text() -> None:
    choices = (("a.b:1", "Eine viel zu lange Beschriftung"), ("a.b:2", "Kurz"))
    [part] = render(Outbound("Was?", choices), QUICK)
    assert part.content_sid is None and "1️⃣ Eine viel zu lange Beschriftung" in (part.body or "")


def test_texts_over_1600_characters_are_split_at_paragraphs() -> None:
    paragraphs = ["Absatz " + str(i) + " " + "x" * 390 for i in range(6)]
    parts = render(Outbound("\n\n".join(paragraphs)))
    assert len(parts) == 2
    assert all(len(p.body or "") <= MAX_TEXT for p in parts)
    assert (parts[0].body or "").endswith("x") and (parts[1].body or "").startswith("Absatz")


def test_a_long_text_with_a_menu_is_split_and_the_menu_is_kept() -> None:
    parts = render(Outbound("ي" * 3000, (("a.b:1", "نعم"), ("a.b:2", "لا"))), QUICK)
    assert len(parts) == 2 and parts[-1].body and parts[-1].body.endswith("2️⃣ لا")


@given(st.text(max_size=6000))
def test_split_never_loses_more_than_whitespace_and_respects_the_limit(text: str) -> None:
    pieces = split_text(text)
    assert all(len(p) <= MAX_TEXT for p in pieces)
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    assert squeeze("".join(pieces)) == squeeze(text)


def test_the_shipped_template_example_is_valid() -> None:
    from pathlib import Path

    from bot.channels.whatsapp.templates import TemplateBook

    path = Path(__file__).resolve().parents[2] / "config" / "whatsapp_templates.example.yaml"
    book = TemplateBook.load(path)
    reminder = book.find("course_reminder", "ar")
    assert reminder is not None and reminder.variables == (
        "name",
        "course",
        "date",
        "time",
        "place",
    )
    assert book.find("course_reminder", "ru", fallback="de") == book.find("course_reminder", "de")
    broadcast = book.find("broadcast", "tr", fallback="de")  # no Turkish one: the German
    assert broadcast is not None and broadcast.language == "de"
    assert broadcast.variables == ("org", "text")
    assert book.find("no_such_kind", "de") is None
