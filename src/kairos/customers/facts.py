"""Facts a customer states in conversation text, and agent questions that ask for them again.

A pure library: no database. Every value pattern is anchored on a keyword cue ("service tag",
"booking reference", "flight", ...) so that a stray number or capitalised word is not a fact;
missing a fact costs one question, inventing one misleads the agent.

>>> [(f.name, f.value) for f in extract_facts("My service tag is 7xk2abc, on Windows 11")]
[('service_tag', '7XK2ABC'), ('os', 'Windows 11')]
>>> asked_facts("Could I have your service tag please?")
['service_tag']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: How each fact is spoken of to an agent.
LABELS: dict[str, str] = {
    "account_number": "account number",
    "booking_reference": "booking reference",
    "card_number": "card number",
    "cvv": "card security code",
    "date_of_birth": "date of birth",
    "device": "device",
    "flight_number": "flight number",
    "order_number": "order number",
    "os": "operating system",
    "pin": "PIN",
    "policy_number": "policy number",
    "postcode": "postcode",
    "service_tag": "service tag",
}

#: The customer record's identities an agent would otherwise ask for, by the fact they stand for.
IDENTITY_FACTS: dict[str, str] = {
    "account": "account_number",
    "policy": "policy_number",
    "phone": "phone_number",
    "email": "email_address",
}
#: Labels of the identity facts that customers never state as facts.
IDENTITY_LABELS: dict[str, str] = {"phone_number": "phone number", "email_address": "email address"}

# Names an IVR or a platform may use for the same fact.
_ALIASES: dict[str, str] = {
    "account": "account_number",
    "account_no": "account_number",
    "acct": "account_number",
    "booking": "booking_reference",
    "booking_ref": "booking_reference",
    "confirmation_code": "booking_reference",
    "pnr": "booking_reference",
    "record_locator": "booking_reference",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "birthdate": "date_of_birth",
    "flight": "flight_number",
    "order": "order_number",
    "order_id": "order_number",
    "policy": "policy_number",
    "zip": "postcode",
    "zip_code": "postcode",
    "postal_code": "postcode",
    "post_code": "postcode",
    "servicetag": "service_tag",
    "card": "card_number",
    "pan": "card_number",
    "cvc": "cvv",
}


def canonical_name(name: str) -> str:
    """The fact name used across sources: ``Service Tag`` and ``service-tag`` are one fact."""
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return _ALIASES.get(key, key)


@dataclass(frozen=True)
class StatedFact:
    """A fact found in text, with where it was found."""

    name: str
    value: str
    start: int
    end: int


_IS = r"(?:\s*(?:is|was|it'?s|=|:|-|#)\s*|\s+)"
_NUM = r"(?:number|no\.?|num|#)"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)?\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\s*,?\s*(?:19|20)\d{{2}}|"
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\s*,?\s*(?:19|20)\d{{2}})"
)
_BRANDS = (
    r"(?:dell|hp|lenovo|asus|acer|apple|samsung|google|microsoft|huawei|xiaomi|sony|lg|"
    r"motorola|oneplus|nokia)"
)
_MODELS = (
    r"(?:iphone(?:\s*(?:\d{1,2}|se|x[rs]?))?(?:\s*(?:pro|max|plus|mini))*|"
    r"ipad(?:\s*(?:pro|air|mini))?|macbook(?:\s*(?:pro|air))?|imac|"
    r"pixel\s*\d+[a-z]?(?:\s*(?:pro|xl))?|galaxy\s+[a-z]?\d+\w*(?:\s*(?:ultra|plus|\+))?|"
    r"surface\s+(?:pro|laptop|go|book)(?:\s*\d+)?|xps\s*\d+|latitude\s*\d+|inspiron\s*\d+|"
    r"thinkpad\s*[a-z]\d+\w*|elitebook\s*\d+\w*)"
)

# (fact name, pattern with one group named "v", flags); the first match per name wins.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "service_tag",
        re.compile(
            rf"\bservice\s*tag(?:\s*{_NUM})?{_IS}(?P<v>(?=[a-z]*\d)[a-z0-9]{{5,7}})\b", re.I
        ),
    ),
    (
        "booking_reference",
        re.compile(
            rf"\b(?:booking\s*(?:reference|ref\.?|code|{_NUM})|confirmation\s*(?:code|{_NUM})|"
            rf"\bpnr|record\s*locator|reservation\s*(?:code|{_NUM}))"
            rf"{_IS}(?P<v>(?=\w*[a-z])[a-z0-9]{{6}})\b",
            re.I,
        ),
    ),
    (
        "flight_number",
        # The airline code is upper case as written on every ticket; "flight to 10" is not one.
        re.compile(
            r"\b(?i:flight)(?:\s*(?i:number|no\.?|#))?(?:\s*(?i:is|was|:))?\s*"
            r"(?P<v>(?:[A-Z]{2}|[A-Z]\d|\d[A-Z])\s?\d{1,4}[A-Z]?)\b"
        ),
    ),
    (
        "order_number",
        re.compile(
            rf"\border\s*(?:{_NUM}|id|ref\.?){_IS}(?P<v>(?=[\w-]*\d)[a-z0-9][\w-]{{3,24}})\b", re.I
        ),
    ),
    (
        "account_number",
        re.compile(rf"\baccount\s*(?:{_NUM}|id){_IS}(?P<v>\d[\d -]{{3,20}}\d)\b", re.I),
    ),
    (
        "policy_number",
        re.compile(
            rf"\bpolicy(?:\s*(?:{_NUM}|id))?{_IS}(?P<v>(?=[\w-]*\d)[a-z]{{0,4}}-?\d[\w-]{{3,20}})\b",
            re.I,
        ),
    ),
    (
        "date_of_birth",
        re.compile(
            rf"\b(?:date\s*of\s*birth|d\.?o\.?b\.?|born\s*(?:on)?|birthday){_IS}(?:on\s+)?"
            rf"(?P<v>{_DATE})",
            re.I,
        ),
    ),
    (
        "postcode",
        re.compile(
            r"\b(?:post\s*code|postal\s*code|zip(?:\s*code)?)(?:\s*(?:is|was|:))?\s*"
            r"(?P<v>[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}|\d{5}(?:-\d{4})?|[a-z]\d[a-z]\s?\d[a-z]\d)\b",
            re.I,
        ),
    ),
    (
        "device",
        re.compile(
            rf"\b(?:my|our|the|a|an|this)\s+(?P<v>(?:{_BRANDS}\s+)?{_MODELS}|"
            rf"{_BRANDS}\s+(?:laptop|phone|tablet|pc|desktop|printer|monitor))\b",
            re.I,
        ),
    ),
    (
        "os",
        re.compile(
            r"\b(?P<v>windows\s*(?:11|10|8\.1|8|7)|mac\s?os(?:\s*(?:x|\d+(?:\.\d+)*|sonoma|"
            r"ventura|monterey|sequoia))?|ios\s*\d+(?:\.\d+)*|ipados\s*\d+(?:\.\d+)*|"
            r"android\s*\d+(?:\.\d+)?|chrome\s?os|ubuntu(?:\s*\d+\.\d+)?)\b",
            re.I,
        ),
    ),
    # Secrets: recorded only so an agent knows they were given; the value is masked on storage.
    # Text is redacted before it gets here, so the value is usually the mark "[cvv ••••]".
    (
        "cvv",
        re.compile(rf"\b(?:cvv2?|cvc2?|security\s*code){_IS}(?P<v>\d{{3,4}}\b|\[cvv\s•+\])", re.I),
    ),
    (
        "pin",
        re.compile(rf"\b(?:pin|passcode)(?:\s*{_NUM})?{_IS}(?P<v>\d{{4,6}}\b|\[pin\s•+\])", re.I),
    ),
]

_UPPER = {"service_tag", "booking_reference", "flight_number", "postcode", "policy_number"}


def _clean(name: str, value: str) -> str:
    value = value.strip(" .,;")
    if name in _UPPER:
        value = value.upper()
    if name == "flight_number":
        value = value.replace(" ", "")
    if name == "os":
        value = " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in value.split())
        value = re.sub(r"(?i)^ios", "iOS", re.sub(r"(?i)^macos", "macOS", value))
    return value


def extract_facts(text: str) -> list[StatedFact]:
    """The facts stated in ``text``, at most one per name, in the order of the patterns."""
    found: list[StatedFact] = []
    for name, pattern in _PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        found.append(StatedFact(name, _clean(name, match["v"]), match.start("v"), match.end("v")))
    return found


# What an agent says when asking for a fact; a question must also read as a request.
_ASKED: dict[str, re.Pattern[str]] = {
    "service_tag": re.compile(r"\bservice\s*tag", re.I),
    "account_number": re.compile(r"\baccount\s*(?:number|no\b|num|#)", re.I),
    "policy_number": re.compile(r"\bpolicy\s*(?:number|no\b|num|#)", re.I),
    "order_number": re.compile(r"\border\s*(?:number|no\b|num|#|id\b)", re.I),
    "booking_reference": re.compile(
        r"\b(?:booking\s*(?:reference|ref|code|number)|confirmation\s*(?:code|number)|"
        r"\bpnr\b|record\s*locator|reservation\s*(?:code|number))",
        re.I,
    ),
    "flight_number": re.compile(r"\bflight\s*(?:number|no\b|#)", re.I),
    "date_of_birth": re.compile(r"\b(?:date\s*of\s*birth|d\.?o\.?b\b|birthday)", re.I),
    "postcode": re.compile(r"\b(?:post\s*code|postal\s*code|zip\s*code|zip\b)", re.I),
    "device": re.compile(r"\b(?:which|what)\s+(?:device|model|laptop|phone|computer)", re.I),
    "os": re.compile(r"\b(?:operating\s*system|which\s+os|what\s+os|os\s+version)\b", re.I),
}
_REQUEST = re.compile(
    r"\?|\b(?:can|could|may|might|would)\s+(?:i|you|we)\b|\bplease\b|\bconfirm\b|"
    r"\bwhat(?:'s|\s+is|\s+was)\b|\bwhich\b|\b(?:tell|give|read|provide|need|share|verify)\b",
    re.I,
)


def asked_facts(text: str) -> list[str]:
    """The fact names an agent's ``text`` asks the customer for (empty if it asks nothing)."""
    if _REQUEST.search(text) is None:
        return []
    return [name for name, pattern in _ASKED.items() if pattern.search(text)]


def mask(value: str) -> str:
    """A value shortened so an agent recognises it without reading it: ``7XK2…``."""
    if "•" in value:  # already redacted
        return value
    keep = min(4, (len(value) + 1) // 2)
    return value[:keep] + "…" if len(value) > keep else "…"
