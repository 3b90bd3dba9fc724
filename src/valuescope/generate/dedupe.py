"""Removing near-duplicate questions: by embedding similarity and by shared wording.

What embeds offline: no sentence-embedding model ships in a package we can depend on without
a multi-GB framework (sentence-transformers needs torch and a hub download). The embedded
SmolLM2-135M GGUF does ship, and llama.cpp can mean-pool its hidden states
(`embedding=True`). It is a weak sentence encoder. Measured against "Would you report a
friend who cheated on an exam?": paraphrases at cosine 0.954-0.985, but a different
question on a neighbouring theme ("...a colleague who lied on a timesheet?") also at 0.956,
and an unrelated one ("Should cities ban cars from their centres?") at 0.843. So its
threshold is set high (`EMBEDDING_THRESHOLD`, 0.96) to remove only near-verbatim repeats,
and a lexical check backs it up: word-bigram Jaccard >= `LEXICAL_THRESHOLD` (0.5) counts as
a duplicate too. Paraphrases that share few words and sit below 0.96 get through: the limit
of what runs offline here. `--dedupe lexical` skips the embedding model (faster; no second
model load).
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Any, Literal

import numpy as np

EMBEDDING_THRESHOLD = 0.96
LEXICAL_THRESHOLD = 0.5
DedupeMethod = Literal["embedding", "lexical"]

_WORD = re.compile(r"[a-z0-9']+")


def bigrams(text: str) -> set[tuple[str, str]]:
    words = _WORD.findall(text.lower())
    return set(itertools.pairwise(words))


def jaccard(a: set[Any], b: set[Any]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class _SmolEmbedder:
    """Mean-pooled SmolLM2 embeddings from an in-process llama.cpp server started on first
    use (one per process)."""

    _lock = threading.Lock()
    _url: str | None = None

    @classmethod
    def embed(cls, text: str) -> np.ndarray:
        import httpx

        with cls._lock:
            if cls._url is None:
                from valuescope.models import smollm2_path, start_server

                server = start_server(smollm2_path(), slots=1, n_ctx=512, embedding=True)
                cls._url = server.url
            response = httpx.post(f"{cls._url}/v1/embeddings", json={"input": text}, timeout=60)
            response.raise_for_status()
            vector = np.asarray(response.json()["data"][0]["embedding"], dtype=float)
        return vector / (np.linalg.norm(vector) or 1.0)


class Deduplicator:
    """Keeps the questions it has seen; `duplicate_of(q)` names the one `q` repeats."""

    def __init__(self, method: DedupeMethod = "embedding") -> None:
        self.method = method
        self._texts: list[str] = []
        self._grams: list[set[tuple[str, str]]] = []
        self._vectors: list[np.ndarray] = []

    def duplicate_of(self, question: str) -> tuple[str, str] | None:
        """(the earlier question, why) if `question` repeats one, else None."""
        grams = bigrams(question)
        for text, other in zip(self._texts, self._grams, strict=True):
            similarity = jaccard(grams, other)
            if similarity >= LEXICAL_THRESHOLD:
                return text, f"word bigrams {similarity:.2f} >= {LEXICAL_THRESHOLD}"
        if self.method == "embedding" and self._vectors:
            vector = _SmolEmbedder.embed(question)
            similarities = np.stack(self._vectors) @ vector
            best = int(np.argmax(similarities))
            if similarities[best] >= EMBEDDING_THRESHOLD:
                return self._texts[
                    best
                ], f"embedding cosine {similarities[best]:.3f} >= {EMBEDDING_THRESHOLD}"
        return None

    def add(self, question: str) -> None:
        self._texts.append(question)
        self._grams.append(bigrams(question))
        if self.method == "embedding":
            self._vectors.append(_SmolEmbedder.embed(question))
