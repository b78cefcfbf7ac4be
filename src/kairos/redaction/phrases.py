"""Card security codes, PINs and passwords as customers say them.

A secret is recognised by the words before it: "cvv 739", "the code on the back is seven three
nine", "my PIN's 7314", "pin: 58-91", "pw: ...", "the password I use is ...", "my password is
correct horse battery staple", "login: jsmith / hunter2h". Words that describe a password
rather than spell it ("my password is wrong", "password reset") are left alone. Each redacted
value reads ``[cvv ••••]``, ``[pin ••••]`` or ``[password ••••]``.
"""

from __future__ import annotations

import re

from kairos.redaction.cards import MASK, spoken_digits

# Words that describe a password rather than spell it, and words no passphrase is made of.
_DESCRIBING = (
    "reset|changed|wrong|incorrect|not|no|expired|locked|invalid|correct|right|too|the|my|a|"
    "an|case|being|still|now|working|blocked|updated|required|needed|set|sent|lost|forgotten|"
    "gone|fine|ok|okay|same|different|new|old|weak|strong|saved|stored|rejected|accepted|"
    "please|again|and|but|or|so|because|that|which|it|is|was|in|on|for|to|of|with|i|you|we|"
    "doesn't|does|did|didn't|isn't|wasn't|won't|can't|will|would|should|just|never|always|"
    "really|also|very|here|there|what|when|why|how|this|me|your|our|their|his|her|been|has|"
    "have|had|from|at|by|as|if|then|than|yet|ever|already|somehow|apparently|probably|maybe"
)
_NOT_PASSWORDS = frozenset(_DESCRIBING.split("|"))
_IS = r"(?:\s*(?:'s|’s|(?:is|was|it'?s|are)\b|=|:|-|#)\s*|\s+)"
_SPOKEN = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
# Digits, typed (perhaps split by a dash or space: "58-91") or said ("seven three nine").
_DIGITS = rf"(?:\d(?:[\s-]?\d){{2,7}}|{_SPOKEN}(?:[\s,-]+(?:{_SPOKEN}|\d)){{2,7}})"

_CVV = re.compile(
    rf"(?P<k>\b(?:cvv2?|cvc2?|csc|cid|security\s*code|card\s*verification\s*"
    rf"(?:code|value|number)|(?:(?:three|four|3|4)[\s-]*digits?(?:\s*(?:code|number))?|"
    rf"(?:the\s+)?(?:code|number|digits)|cvv|security\s*code)\s*on\s*the\s*back"
    rf"(?:\s*of\s*(?:the|my)\s*card)?)(?:\s*(?:number|no\.?|code))?{_IS})"
    rf"(?P<v>{_DIGITS})\b",
    re.IGNORECASE,
)
_PIN = re.compile(
    rf"(?P<k>\b(?:pin|pin\s*code|pincode|passcode|pass\s*code|otp|one[\s-]*time\s*"
    rf"(?:code|password|pin))(?:\s*(?:number|no\.?|#))?{_IS})(?P<v>{_DIGITS})\b",
    re.IGNORECASE,
)
# The keyword, then how it is said; short keys ("pw", "pass") only before ":" or "=".
_PASSWORD_KEY = re.compile(
    r"\b(?:(?P<long>password|passwd|pass\s*word|passphrase|pwd)"
    r"(?P<said>\s*(?:'s|’s)\s*|\s+(?:that\s+)?(?:i|we)\s+(?:use|used|have|set|chose|picked)"
    r"(?:\s+\w+)?\s+(?:is|was)\s+|\s*(?:(?:is|was|it'?s)\b|=|:|-)\s*|\s+)"
    r"|(?P<short>pw|pass|pwd|pword)\s*[:=]\s*)[\"'“‘]?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\s\"'“”‘’]+")
_LOGIN = re.compile(
    r"(?P<k>\b(?:login|log\s*in|sign\s*in|username|user|credentials)\s*[:=]?\s*"
    r"[^\s/]{1,100}\s*/\s*)(?P<v>[^\s\"'“”‘’]{3,200})",
    re.IGNORECASE,
)
_TRAIL = ".,;:!?)]\"'”’"
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z]+)")


def _is_passphrase_word(word: str) -> bool:
    return word.isalpha() and word.lower() not in _NOT_PASSWORDS and len(word) <= 30


#: Words that open a passphrase as often as they describe one ("my password is correct horse
#: battery staple" against "my password is correct"): a passphrase only when words follow.
_PASSPHRASE_OPENERS = frozenset({"correct", "right", "new", "old", "the"})


def _passphrase_end(text: str, pos: int, *, at_least: int) -> int | None:
    """The end of ``at_least`` or more plain words from ``pos`` (up to 8), else None."""
    count = 0
    while count < 8:
        nxt = _NEXT_WORD.match(text, pos)
        if nxt is None or not _is_passphrase_word(nxt.group(1)):
            break
        count += 1
        pos = nxt.end()
    return pos if count >= at_least else None


def _password_end(text: str, start: int, *, bare: bool) -> int | None:
    """Where the password that starts at ``start`` ends, or None when none is spelled there."""
    first = _WORD.match(text, start)
    if first is None:
        return None
    word = first.group(0).rstrip(_TRAIL)
    if not word or word.startswith("[") or len(word) < 3:
        return None  # already redacted, or too short to be a password
    end = first.start() + len(word)
    if word.lower() in _NOT_PASSWORDS:
        if bare or word.lower() not in _PASSPHRASE_OPENERS:
            return None
        return _passphrase_end(text, end, at_least=3)
    if bare and word.isalpha():
        return None  # "password please": a bare word after the keyword is rarely the password
    if not word.isalpha():
        return end
    # Several plain words after "is": a passphrase ("horse battery staple").
    return _passphrase_end(text, end, at_least=2) or end


def _redact_passwords(text: str) -> str:
    out: list[str] = []
    pos = 0
    for key in _PASSWORD_KEY.finditer(text):
        if key.start() < pos or text[key.start() - 1 : key.start()] == "[":
            continue  # inside what was redacted already ("[password ••••]")
        said = key.group("said") or ""
        bare = key.group("long") is not None and not said.strip()
        end = _password_end(text, key.end(), bare=bare)
        if end is None:
            continue
        out += [text[pos : key.end()], f"[password {MASK}]"]
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _digits_said(match: re.Match[str], kind: str, lengths: range) -> str:
    digits = spoken_digits(match["v"])
    if len(digits) not in lengths:
        return match.group(0)
    return match["k"] + f"[{kind} {MASK}]"


def redact_phrases(text: str) -> str:
    """``text`` with card security codes, PINs and passwords stated in it redacted."""
    lowered = text.lower()
    if any(k in lowered for k in ("cv", "cs", "cid", "code", "back", "digit")):
        text = _CVV.sub(lambda m: _digits_said(m, "cvv", range(3, 5)), text)
    if any(k in lowered for k in ("pin", "code", "otp", "one")):
        text = _PIN.sub(lambda m: _digits_said(m, "pin", range(4, 9)), text)
    if any(k in lowered for k in ("pass", "pw", "pwd", "pword")):
        text = _redact_passwords(text)
    if "/" in text:
        text = _LOGIN.sub(
            lambda m: m.group(0) if m["v"].startswith("[") else m["k"] + f"[password {MASK}]",
            text,
        )
    return text
