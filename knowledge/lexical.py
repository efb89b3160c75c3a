"""The lexical side of retrieval: a text analyzer tuned for transcribed speech, and BM25.

Questions arrive through speech recognition, so the analyzer folds accents and case,
drops fillers ("euh", "alors voilà"), maps number words to digits, stems with
Snowball, and also tries adjacent words glued together ("passe port" -> "passeport").
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import Stemmer

from guichet.text import fold

_WORD = re.compile(r"[a-z0-9]+")

# Stop words and spoken fillers, already accent-folded. Deliberately short: words
# like "carte", "permis" or "acte" carry the topic and must stay.
_STOPWORD_TEXT = """
    a au aux avec ce ces cet cette c ca ci d de des du donc elle elles en et est etre
    eu il ils j je l la le les leur leurs lui m ma me mes moi mon n ne nos notre nous
    on ou par pas pour qu que quel quelle quels quelles qui s sa se ses si son sur t ta
    te tes toi ton tu un une vos votre vous y suis sont ai as avez avons ont fait faire
    faut dois doit peux peut veux veut voudrais voudrait aimerais souhaite souhaiterais
    comment combien quand ou pourquoi est-ce quoi dont plus tres bien aussi alors voila
    euh heu hum bah ben bon hein oui non merci bonjour bonsoir allo madame monsieur svp
    stp plait coup enfin genre truc chose savoir sais dire demander renseignement
    renseigner question besoin il y avoir mais sinon juste deja encore tout tous toute
    the an of to in on for is are am be do does did i you we my your it this that what
    how can could would should where when who which please hello hi um uh er well so
    like know need want get have has me with about there some any just from at or and
    """
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Speech recognition writes numbers either way; digits are the common form.
NUMBER_WORDS = {
    "zero": "0",
    "un": "1",
    "une": "1",
    "deux": "2",
    "trois": "3",
    "quatre": "4",
    "cinq": "5",
    "six": "6",
    "sept": "7",
    "huit": "8",
    "neuf": "9",
    "dix": "10",
    "onze": "11",
    "douze": "12",
    "treize": "13",
    "quatorze": "14",
    "quinze": "15",
    "seize": "16",
    "dixhuit": "18",
    "vingt": "20",
    "trente": "30",
    "cent": "100",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "ten": "10",
    "sixteen": "16",
    "eighteen": "18",
}
# "un"/"une" are articles far more often than numbers: keep them as stop words.
NUMBER_WORDS.pop("un")
NUMBER_WORDS.pop("une")

_STEMMERS = {"fr": Stemmer.Stemmer("french"), "en": Stemmer.Stemmer("english")}


def words(text: str) -> list[str]:
    folded = fold(text).replace("'", " ").replace("’", " ")
    folded = re.sub(r"dix[\s-]+(huit|sept|neuf)", r"dix\1", folded)
    return [NUMBER_WORDS.get(w, w) for w in _WORD.findall(folded)]


def _stem(word: str, lang: str) -> str:
    stemmer = _STEMMERS.get(lang, _STEMMERS["fr"])
    stem: str = stemmer.stemWord(word)
    return stem


def analyze(text: str, lang: str) -> list[str]:
    """Index-side analysis: content words, stemmed in the card's language."""
    return [_stem(w, lang) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def analyze_query(text: str, lang: str, vocabulary: set[str] | None = None) -> list[str]:
    """Query-side analysis. With a vocabulary, glued neighbours that form a known term
    are added ("passe port" -> "passeport"), which repairs split words from ASR."""
    raw = [w for w in words(text) if len(w) > 1 or w.isdigit()]
    terms = [_stem(w, lang) for w in raw if w not in STOPWORDS]
    if vocabulary:
        for left, right in itertools.pairwise(raw):
            glued = _stem(left + right, lang)
            if glued in vocabulary and glued not in terms:
                terms.append(glued)
    # Stems of the other language too, when they are known terms: a French caller
    # answering in the English menu, or a loan word.
    for other in _STEMMERS:
        if other != lang and vocabulary:
            for w in raw:
                s = _stem(w, other)
                if w not in STOPWORDS and s in vocabulary and s not in terms:
                    terms.append(s)
    return terms


@dataclass
class LexicalHit:
    index: int
    score: float
    coverage: float  # share of the query's information (idf mass) this document matches


class BM25:
    """Okapi BM25 over pre-analysed documents, with a coverage signal for abstention.

    Postings are numpy arrays, so a query costs a few vector operations per term even
    when a common term is in thousands of cards. Coverage counts query terms unknown
    to the whole KB at the highest idf: a question about "permis de chasse" matching
    only "permis" is visibly half off-topic.
    """

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        avg_len = float(lengths.mean()) if self.n else 1.0
        # The length part of BM25's denominator, per document.
        self.norm = k1 * (1 - b + b * lengths / max(avg_len, 1e-9))
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                entry = postings.setdefault(term, ([], []))
                entry[0].append(i)
                entry[1].append(tf)
        self.postings = {
            term: (np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float64))
            for term, (ids, tfs) in postings.items()
        }
        self.vocabulary = set(self.postings)
        self.max_idf = self.idf(0)

    def idf(self, df: int) -> float:
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def search(self, terms: Iterable[str], top_k: int = 20) -> list[LexicalHit]:
        unique = list(dict.fromkeys(terms))
        scores = np.zeros(self.n)
        matched = np.zeros(self.n)
        total_idf = 0.0
        for term in unique:
            entry = self.postings.get(term)
            if entry is None:
                total_idf += self.max_idf
                continue
            ids, tfs = entry
            idf = self.idf(len(ids))
            total_idf += idf
            scores[ids] += idf * tfs * (self.k1 + 1) / (tfs + self.norm[ids])
            matched[ids] += idf
        hit = np.flatnonzero(scores)
        if len(hit) > top_k:
            hit = hit[np.argpartition(-scores[hit], top_k)[:top_k]]
        order = hit[np.lexsort((hit, -scores[hit]))]
        return [LexicalHit(int(d), float(scores[d]), float(matched[d]) / total_idf) for d in order]
