"""The selector's features and its fitted artifact."""

from __future__ import annotations

import numpy as np
import pytest

from footnote.service.answer import features as features_module
from footnote.service.answer.features import FEATURES, features
from footnote.service.answer.selector import Selector
from tests.service.fakes import FakeCorpus, article, hits

COL = {name: i for i, name in enumerate(FEATURES)}


def test_features__one_row_per_hit_in_the_hits_order() -> None:
    chunks = article("a.txt", "Novak visited the bridge in 1999.", "The bridge is old.")
    x = features("When did Novak visit the bridge?", hits(chunks), FakeCorpus(chunks))
    assert x.shape == (2, len(FEATURES))
    assert x[0, COL["coverage"]] == 1.0 and x[1, COL["coverage"]] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "names",
    [(*FEATURES, "sentence_length"), FEATURES[:-1]],
    ids=["a feature nothing computes", "a computed feature not listed"],
)
def test_features__a_row_built_from_other_names_than_features_fails_loudly(
    names: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    chunks = article("a.txt", "Novak visited the bridge in 1999.")
    monkeypatch.setattr(features_module, "FEATURES", names)
    with pytest.raises(ValueError, match="the features computed are not FEATURES"):
        features("When did Novak visit the bridge?", hits(chunks), FakeCorpus(chunks))


def test_features__each_value_sits_in_its_named_column_whatever_the_order() -> None:
    chunks = article("a.txt", "Novak visited the bridge in 1999.", "The bridge is old.")
    question, found = "When did Novak visit the bridge?", hits(chunks)
    x = features(question, found, FakeCorpus(chunks))
    shuffled = tuple(reversed(FEATURES))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(features_module, "FEATURES", shuffled)
        patch.setattr(features_module, "COLUMNS", {n: i for i, n in enumerate(shuffled)})
        y = features(question, found, FakeCorpus(chunks))
    np.testing.assert_array_equal(y[:, ::-1], x)


def test_features__a_sentence_property_counts_only_on_words_the_question_lacks() -> None:
    chunks = article("a.txt", "Novak visited in 1999.", "Novak visited in 1453.")
    x = features("When did Novak visit in 1999?", hits(chunks), FakeCorpus(chunks))
    assert x[:, COL["has_year"]].tolist() == [0.0, 1.0]
    assert x[:, COL["when×year"]].tolist() == [0.0, 1.0] and x[:, COL["who×year"]].tolist() == [0.0, 0.0]


def test_selector__refuses_an_artifact_fitted_on_other_features() -> None:
    with pytest.raises(
        ValueError, match=r"^the selector artifact was fitted on other features: run `make train`$"
    ):
        Selector.from_json({"features": ["dense"]})


def test_selector__the_committed_artifact_scores_probabilities() -> None:
    chunks = article("a.txt", "Novak visited the bridge in 1999.", "The weather was mild.")
    x = features("When did Novak visit the bridge?", hits(chunks), FakeCorpus(chunks))
    selector = Selector.load()
    p = selector.sentence_probabilities(x)
    assert ((p > 0) & (p < 1)).all() and p[0] > p[1]
    assert 0.0 < selector.answer_probability(p, x) < 1.0 and 0.0 < selector.threshold < 1.0
    assert np.isfinite(selector.coef).all()
