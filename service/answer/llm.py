"""The language model: one chat call to an OpenAI-compatible server, bounded in time and size.

Any failure — unreachable, refused, slow past the deadline, a body that is not the protocol —
is one `ModelFailed`, whose message goes to the log; the pipeline then answers extractively
(or, once a streamed answer has said something, keeps what it said). A reply the token cap
stopped is no failure, but its last sentence is unfinished: the pieces end with `ReplyCapped`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol, cast

from footnote.index.errors import ModelFailed

if TYPE_CHECKING:
    from openai import OpenAI
    from openai.types.chat import ChatCompletionMessageParam

__all__ = ["PROBE_SECONDS", "Chat", "OpenAIChat", "ReplyCapped"]

# A short answer is a few hundred characters; a reply this long is a model that will not stop.
MAX_REPLY_CHARS = 8000
# One to three sentences are well under a hundred tokens. Without a cap a small model that does
# not stop writes until the deadline (SmolLM2-135M: replies of 15-35 s on this machine).
MAX_REPLY_TOKENS = 300
# /readyz shows the result of the last probe: it must come back long before anyone wonders.
PROBE_SECONDS = 2.0


# A signal, not a FootnoteError (index/errors.py): it never leaves the reading of the reply
# (service/answer/generate.py), and must not be caught as the ModelFailed that makes the answer extractive.
class ReplyCapped(Exception):
    """The reply stopped at MAX_REPLY_TOKENS: what came before is all of it, its last sentence unfinished."""


class Chat(Protocol):
    """A language model: its reply to a conversation as it is written, and whether its server answers."""

    def tokens(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The reply's pieces as they arrive; ModelFailed, maybe after some, if it does not end in time;
        ReplyCapped after the last if the token cap, not the model, ended it."""
        ...

    def probe(self) -> None:
        """Returns once the model's server answers (quickly); else ModelFailed, with a reason safe to show."""
        ...


class OpenAIChat:
    """A model behind an OpenAI-compatible chat-completions endpoint (the official client, built once)."""

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout_s: float) -> None:
        from openai import OpenAI  # imported when configured, not whenever the service is

        # no retries: a retry doubles the wait, and the extractive answer is always at hand
        self.client: OpenAI = OpenAI(
            base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=0
        )
        self.model, self.timeout_s = model, timeout_s

    def tokens(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The reply as it streams in, cut off at the deadline however slowly the server sends it.

        The deadline bounds the whole reply, also while the reader of these pieces takes its time.
        """
        deadline = time.monotonic() + self.timeout_s
        length = 0
        capped = False
        try:
            # the client's timeout bounds the wait for the headers and for each read
            stream = self.client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", messages),  # role/content dicts
                temperature=0,
                max_tokens=MAX_REPLY_TOKENS,
                stream=True,
            )
            # reads that each return in time can still add up to forever (a server sending
            # keep-alive comments and no token): closing the stream ends the loop below
            watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), stream.close)
            watchdog.start()
            try:
                with stream:
                    for chunk in stream:
                        if not chunk.choices:
                            continue
                        # some servers send the reason with the last piece, some in a chunk of its own
                        capped = capped or chunk.choices[0].finish_reason == "length"
                        piece = chunk.choices[0].delta.content
                        if not piece:
                            continue
                        length += len(piece)
                        if length > MAX_REPLY_CHARS:
                            raise ModelFailed(f"the reply ran past {MAX_REPLY_CHARS} characters")
                        yield piece
            finally:
                watchdog.cancel()
        except ModelFailed:
            raise
        except Exception as exc:  # whatever the client or the wire raised: the model is not usable now
            if time.monotonic() >= deadline:  # a read timed out, or the watchdog closed the stream
                raise ModelFailed(f"no whole reply within {self.timeout_s:g} s") from exc
            raise ModelFailed(f"{type(exc).__name__}: {exc}") from exc
        if time.monotonic() >= deadline:  # closed by the watchdog: what arrived may be cut short
            raise ModelFailed(f"no whole reply within {self.timeout_s:g} s")
        if capped:
            raise ReplyCapped(f"the reply reached the {MAX_REPLY_TOKENS}-token cap")

    def probe(self) -> None:
        """One `GET {base}/models`, bounded by PROBE_SECONDS; ModelFailed with a reason safe to show."""
        from openai import APIConnectionError, APIStatusError, APITimeoutError

        seconds = min(self.timeout_s, PROBE_SECONDS)
        try:
            self.client.models.list(timeout=seconds)
        except APITimeoutError as exc:
            raise ModelFailed(f"the model server did not answer within {seconds:g} s") from exc
        except APIConnectionError as exc:
            raise ModelFailed("the model server cannot be reached") from exc
        except APIStatusError as exc:
            raise ModelFailed(f"the model server answered GET /models with {exc.status_code}") from exc
        except Exception as exc:  # a body that is not the protocol's list of models
            raise ModelFailed("the model server's answer to GET /models is not a list of models") from exc
