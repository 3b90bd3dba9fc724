"""`classify`: a value judge scores texts on a framework; agreement with gold labels."""

from valuescope.instruments.classify.instrument import ClassifyConfig, ClassifyInstrument
from valuescope.instruments.classify.summary import ClassifyResults, ClassifySample
from valuescope.instruments.classify.texts import LabelledText, TextSet, load_texts

__all__ = [
    "ClassifyConfig",
    "ClassifyInstrument",
    "ClassifyResults",
    "ClassifySample",
    "LabelledText",
    "TextSet",
    "load_texts",
]
