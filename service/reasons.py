"""Why the reader abstained, in words for staff reading the notes: the strongest missing signal of the pool."""

from __future__ import annotations

from service.answer_types import kind_name
from service.question import QuestionTerms


def abstain_reason(feats: dict[str, float], terms: QuestionTerms) -> str:
    kinds = "/".join(sorted(kind_name(t) for t in terms.types))
    # A name the passages never mention explains more than a typed fact stated away from the question's words (「大阪の
    # 窓口の電話番号は」 over a document whose only phone number is its own); no such fact at all explains most.
    named = feats.get("names_missing", 0.0) > 0 or feats.get("xling_names", 0.0) > 0 or feats.get("numbers_missing")
    if feats.get("edition_mismatch"):
        return "the question names another edition of the document than the passages found"
    elif terms.types and (feats.get("type_pool_miss") or (not feats.get("type_focus") and not named)):
        about = f" for {'・'.join(sorted(terms.focus))}" if terms.focus else ""
        article = "an" if kinds[:1] in "aeiou" else "a"
        return f"the question asks for {article} {kinds}{about}; no passage found states one"
    elif named:
        return "the passages found do not mention a name or figure the question gives"
    elif feats.get("unmatched", 0.0) >= 0.5:
        return "the passages found do not mention what the question is about"
    return "no passage found answers the question well enough"
