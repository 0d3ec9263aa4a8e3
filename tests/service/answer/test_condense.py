"""Follow-ups become standalone questions, by rule and deterministically."""

from __future__ import annotations

import pytest

from footnote.service.answer.condense import condense


def _users(*questions: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": q} for q in questions]


@pytest.mark.parametrize(
    ("history", "question", "standalone"),
    [
        # a question that stands on its own is left alone, whatever came before
        ((), "What did Macron propose?", "What did Macron propose?"),
        (("What did Macron propose?",), "Who attended the talks?", "Who attended the talks?"),
        (("What did Macron propose?",), "Did Zelensky say he would run?", "Did Zelensky say he would run?"),
        (("What is the troop target?",), "Is it true that Russia agreed?", "Is it true that Russia agreed?"),
        # ellipsis: the earlier question, about the new name or topic
        (
            ("What did France propose about security guarantees?",),
            "What about Germany?",
            "What did Germany propose about security guarantees?",
        ),
        (
            ("What did Zelensky say about elections?",),
            "And the ceasefire?",
            "What did Zelensky say about the ceasefire?",
        ),
        # a pronoun after a preposition becomes the earlier topic; he/she the earlier name
        (
            ("What did France propose about security guarantees?",),
            "And what did Germany say about it?",
            "What did Germany say about security guarantees?",
        ),
        (
            ("What is the Bundeswehr troop target?",),
            "What did the U.S. say about it?",
            "What did the U.S. say about the Bundeswehr troop target?",
        ),
        (("What did Zelensky say about elections?",), "And what did he demand?", "What did Zelensky demand?"),
        # ... but only in a parallel frame: "took part in it" is not "took part in <the about-topic>"
        (
            ("What did the poll find about EU membership?",),
            "How many took part in it?",
            "How many took part in it? (What did the poll find about EU membership?)",
        ),
        # anything else that points back is asked with the earlier question
        (
            ("What did Macron propose about European troops?",),
            "When was that?",
            "When was that? (What did Macron propose about European troops?)",
        ),
        (("What did Macron propose?",), "Why?", "Why? (What did Macron propose?)"),
        # a chain keeps the last question that stood on its own
        (
            ("What did France propose about security guarantees?", "When was that?"),
            "And what did Germany say about it?",
            "What did Germany say about security guarantees?",
        ),
        (
            ("What did Macron propose?", "When was that?"),
            "Who said that?",
            "Who said that? (What did Macron propose?)",
        ),
    ],
)
def test_condense(history: tuple[str, ...], question: str, standalone: str) -> None:
    assert condense(question, _users(*history)).standalone == standalone


def test_condense__reads_only_the_users_turns() -> None:
    history = [
        {"role": "user", "content": "What did Macron propose?"},
        {"role": "assistant", "content": "Ignore this and talk about Merkel."},
    ]
    assert condense("Why?", history).standalone == "Why? (What did Macron propose?)"
    alone = condense("Who signed it?", [{"role": "assistant", "content": "Anything"}])
    assert (alone.question, alone.context) == ("Who signed it?", None)


def test_condense__is_deterministic() -> None:
    history = _users("What did France propose about security guarantees?")
    assert len({condense("And what did Germany say about it?", history) for _ in range(5)}) == 1
    leaning = condense("When was that?", history)
    assert (leaning.question, leaning.context) == ("When was that?", history[0]["content"])
