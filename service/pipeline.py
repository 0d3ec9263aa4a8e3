"""The whole question-answering flow, one stage per line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from index.embed import OnnxEmbedder
from index.retrieve import Filters, Retriever
from index.store import Store, open_client
from index.text import without_zero_width
from index.types import Hit
from service.cite import cite
from service.compose import Composer, ExtractiveComposer
from service.condense import condense
from service.settings import Settings
from service.types import Answer
from service.verify import verify

__all__ = ["Pipeline", "build_pipeline"]


@dataclass(slots=True)
class Pipeline:
    """Retrieve → compose → cite → verify, over one loaded index."""

    retriever: Retriever
    composer: Composer
    texts: dict[str, str]  # source name -> original text, for exact quotes
    top_k: int = 20

    def describe(self, source: str) -> dict[str, object]:
        """A document's metadata, as the API shows it."""
        doc = self.retriever.documents[source]
        return {
            "name": doc.source,
            "title": doc.title,
            "author": doc.author,
            "published": doc.published,
            "chars": doc.chars,
            "chunks": doc.chunks,
        }

    def check(self) -> None:
        """StoreUnavailable while the vector store cannot answer a search (for readiness)."""
        self.retriever.store.check()

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        history: Sequence[Mapping[str, str]] = (),
    ) -> Answer:
        """Answer `question` from the sources, every sentence cited, or abstain with a reason."""
        return self.run(question, filters, top_k, history)[0]

    def run(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        history: Sequence[Mapping[str, str]] = (),
    ) -> tuple[Answer, list[Hit]]:
        """`ask`, also returning the retrieved passages (for evaluation)."""
        # condense a follow-up and the earlier turns into a standalone question; invisible
        # characters inside a word ("Ger\u200bmany") would split it for every rule below
        turns = [{**turn, "content": without_zero_width(turn["content"])} for turn in history]
        asked = condense(without_zero_width(question), turns)
        # retrieve passages
        _, hits = self.retriever.search(asked.standalone, top_k or self.top_k, filters)
        # compose an answer from them
        draft = self.composer.compose(asked.question, hits, asked.context)
        # cite every sentence to its exact span
        answer = cite(draft)
        # verify every citation against the source text before it leaves
        answer = verify(answer, self.texts)
        answer.standalone_question = asked.standalone
        return answer, hits


def build_pipeline(settings: Settings) -> Pipeline:
    """Load the model and the index once (the costly part of start-up)."""
    timeout = settings.store_timeout_seconds
    client = open_client(str(settings.data_dir), settings.chroma_url, timeout)
    store = Store(client, settings.namespace, timeout)
    store.check()  # fail fast, before the costly part, while the store cannot answer
    retriever = Retriever(store, OnnxEmbedder(settings.model_cache))
    texts = store.texts(list(retriever.documents))
    return Pipeline(retriever, ExtractiveComposer(retriever), texts, settings.top_k)
