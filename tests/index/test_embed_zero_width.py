"""The embedders see through zero-width characters by themselves: the model's tokenizer drops them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from footnote.index.embed import OnnxEmbedder, SentenceTransformerEmbedder
from footnote.index.text import ZERO_WIDTH

pytestmark = pytest.mark.slow


def test_embed__zero_width_characters_inside_words_give_the_same_vector(model_cache: Path) -> None:
    plain = "What troop strength is the Bundeswehr aiming for in Germany?"
    hidden = [
        plain.replace("Bundeswehr", f"Bundes{c}wehr").replace("Germany", f"Ger{c}many") for c in ZERO_WIDTH
    ]
    for embedder in (OnnxEmbedder(model_cache, threads=1), SentenceTransformerEmbedder()):
        vectors = embedder.embed_batch([plain, *hidden])
        assert np.array_equal(vectors[1:], np.repeat(vectors[:1], len(hidden), axis=0)), type(embedder)
        # and the test can tell: a visible change of the same size moves the vector
        other = embedder.embed_batch([plain.replace("Bundeswehr", "Bundes wehr")])
        assert not np.allclose(other[0], vectors[0]), type(embedder)
