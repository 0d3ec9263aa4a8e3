"""The `footnote` command's handling of bad input (no model, no index needed)."""

from __future__ import annotations

import pytest

from footnote.cli import main


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("\udcff", "error: question must be valid Unicode text: it contains a lone surrogate at position 0"),
        ("   ", "error: question must not be empty"),
        ("x" * 2001, "error: question must be at most 2000 characters"),
    ],
)
def test_ask__bad_question_exits_2_with_one_line(
    question: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # `footnote ask $'\xff'`: Python hands a non-UTF-8 argument over as a lone surrogate
    assert main(["ask", question]) == 2
    err = capsys.readouterr().err
    assert err == message + "\n"
