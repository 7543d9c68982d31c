"""Outbound rendering for Telegram: keyboards, 64-byte callback data, paging, long texts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram import render
from bot.channels.telegram.render import (
    MAX_CALLBACK_BYTES,
    NO_OP,
    PAGE_PREFIX,
    callback_data,
    chosen_keyboard,
    keyboard,
    resolve_callback,
    split_text,
    utf16_units,
)
from bot.runtime import load_flow_engine

ARABIC = ("main.menu:ask", "🙋 اسألي الفريق")
CYRILLIC = ("main.menu:language", "🌐 Змінити мову")


def rows(markup) -> list[list[tuple[str, str]]]:
    return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


def test_choices_become_rows_of_at_most_three_buttons() -> None:
    choices = [("a", "A"), ARABIC, CYRILLIC, ("d", "D"), ("e", "E")]
    markup = keyboard(choices)
    assert [len(r) for r in rows(markup)] == [3, 2]
    assert rows(markup)[0][1] == ("🙋 اسألي الفريق", "main.menu:ask")
    assert keyboard([]) is None


def test_callback_data_is_the_opaque_id_never_the_label_and_fits_64_bytes() -> None:
    long_id = "onboarding.a_node_with_a_rather_long_name:" + "ж" * 40  # 2 bytes a letter
    data = callback_data(long_id)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert resolve_callback(data, ["x", long_id]) == long_id
    assert callback_data("main.menu:ask") == "main.menu:ask"
    # Ids that look like the adapter's own are hashed, so they cannot be confused.
    assert callback_data(NO_OP) != NO_OP
    assert not callback_data(PAGE_PREFIX + "1").startswith(PAGE_PREFIX)


def test_every_choice_of_every_flow_fits_in_callback_data_as_it_is() -> None:
    engine = load_flow_engine()  # every flow, the features' included
    for flow in engine.flows.values():
        for node in flow.nodes.values():
            for choice in node.choices:
                choice_id = f"{flow.id}.{node.id}:{choice.id}"
                assert len(choice_id.encode()) <= MAX_CALLBACK_BYTES, choice_id


@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=40)), max_size=40
    )
)
@settings(max_examples=100, deadline=None)
def test_any_choices_give_valid_keyboards(choices: list[tuple[str, str]]) -> None:
    for page in range(render.pages(len(choices))):
        markup = keyboard(choices, page)
        if markup is None:
            assert not choices
            continue
        for row in markup.inline_keyboard:
            assert 1 <= len(row) <= 3
            for button in row:
                assert 1 <= len(button.callback_data.encode()) <= MAX_CALLBACK_BYTES


def test_the_ten_languages_fit_on_one_page() -> None:
    languages = [(f"l:{i}", f"L{i}") for i in range(10)]
    markup = keyboard(languages)
    flat = [b for r in rows(markup) for b in r]
    assert len(flat) == 10
    assert not any(data.startswith(PAGE_PREFIX) for _, data in flat)


def test_long_lists_are_paged_with_arrows() -> None:
    choices = [(f"town:{i}", f"Ort {i}") for i in range(20)]
    first = rows(keyboard(choices, 0))
    assert [len(r) for r in first] == [3, 3, 3, 2]
    assert first[-1] == [("1/3", NO_OP), ("▶️", PAGE_PREFIX + "1")]
    middle = rows(keyboard(choices, 1))
    assert middle[0][0] == ("Ort 9", "town:9")
    assert middle[-1] == [("◀️", PAGE_PREFIX + "0"), ("2/3", NO_OP), ("▶️", PAGE_PREFIX + "2")]
    last = rows(keyboard(choices, 2))
    assert last[0] == [("Ort 18", "town:18"), ("Ort 19", "town:19")]
    assert last[-1] == [("◀️", PAGE_PREFIX + "1"), ("3/3", NO_OP)]
    assert rows(keyboard(choices, 99)) == last  # a stale page number shows the last page


def test_a_pressed_keyboard_shows_the_choice_and_cannot_be_pressed_again() -> None:
    assert rows(chosen_keyboard("Українська")) == [[("✓ Українська", NO_OP)]]
    assert chosen_keyboard(None) is None


def test_short_texts_are_one_message() -> None:
    assert split_text("Hallo") == ["Hallo"]
    assert split_text("x" * 4096) == ["x" * 4096]


def test_long_texts_are_split_at_paragraphs() -> None:
    paragraph = ("Wort " * 150).strip()  # 749 characters
    text = "\n\n".join([paragraph] * 12)
    parts = split_text(text)
    assert len(parts) == 3
    assert all(utf16_units(p) <= 4096 for p in parts)
    assert all(p.startswith("Wort") and p.endswith("Wort") for p in parts)
    assert "\n\n".join(parts) == text


def test_emoji_count_twice_and_are_never_cut_in_half() -> None:
    text = "🌷" * 3000  # 6000 UTF-16 units, no spaces
    parts = split_text(text)
    assert [utf16_units(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


@given(st.text(max_size=12000))
@settings(max_examples=60, deadline=None)
def test_splitting_keeps_the_words_and_the_limit(text: str) -> None:
    parts = split_text(text)
    assert parts
    assert all(utf16_units(p) <= 4096 for p in parts)
    assert "".join(text.split()) == "".join("".join(parts).split())
