"""Naming segments (细分群体命名): suggested Chinese and English names from their strongest traits.

Three modules, one import point (everything public is re-exported here):

* :mod:`segkit.naming.traits` — which features may name a segment (no identifiers, codes or
  personal data) and how strongly each sets it apart (Cohen's *d* / *h* from the profiles);
* :mod:`segkit.naming.vocabulary` — the words of ``segkit/data/naming.yaml``: curated words
  for segkit's variables, generic ``high``/``low`` wording for any other column;
* :mod:`segkit.naming.suggest` — the names: strongest traits first, no two segments alike,
  and the analyst's overrides.
"""

from segkit.naming.suggest import apply_names, suggest_names
from segkit.naming.traits import code_columns, code_like_level, code_like_name, trait_table
from segkit.naming.vocabulary import load_vocabulary, pick_language, trait_word

__all__ = [
    "apply_names",
    "code_columns",
    "code_like_level",
    "code_like_name",
    "load_vocabulary",
    "pick_language",
    "suggest_names",
    "trait_table",
    "trait_word",
]
