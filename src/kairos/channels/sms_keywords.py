"""Opt-out and opt-in keywords texted to the centre: STOP and its equivalents.

A text that is only a keyword (any case, accents and end punctuation aside) is the customer's
word on SMS contact: ``STOP`` turns proactive SMS off, ``START`` on again. Twilio itself answers
its default English keywords (STOP, STOPALL, UNSUBSCRIBE, END, QUIT, CANCEL, REVOKE, OPTOUT;
START, UNSTOP) and marks them in the webhook's ``OptOutType`` when Advanced Opt-Out is on, and
blocks any reply to an opted-out number: for those Kairos sends no reply. Other keywords
(French, Spanish, German, Portuguese and Italian ones, and plain requests such as "stop texting
me") Twilio does not act on, so Kairos answers them with a confirmation in their language.
Only a whole message counts: "I can't stop worrying" is no opt-out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

#: Twilio's default keywords: it confirms them itself and blocks any reply of ours.
TWILIO_OPT_OUT = frozenset(
    {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout"}
)
TWILIO_OPT_IN = frozenset({"start", "unstop"})

#: Keywords Twilio leaves to the application, by language.
OPT_OUT_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"stop all", "opt-out", "opt out", "remove"}),
    "fr": frozenset({"arret", "desabonner", "desinscrire"}),
    "es": frozenset({"baja", "parar", "detener", "cancelar"}),
    "de": frozenset({"stopp", "abmelden", "abbestellen"}),
    "pt": frozenset({"sair", "parar", "cancelar"}),
    "it": frozenset({"annulla", "disiscrivimi", "cancellami"}),
}

#: Whole-message requests in plain words.
_PLEAS: list[tuple[str, re.Pattern[str]]] = [
    (
        "en",
        re.compile(
            r"^(?:please )?(?:stop|quit) (?:texting|messaging|sending|contacting)"
            r"(?: me| us)?(?: (?:texts|messages|sms))?(?: please)?$"
        ),
    ),
    (
        "es",
        re.compile(r"^(?:por favor )?(?:dejen|deja) de (?:enviarme|mandarme) (?:mensajes|sms)$"),
    ),
    ("de", re.compile(r"^(?:bitte )?keine (?:sms|nachrichten) mehr(?: bitte)?$")),
    ("fr", re.compile(r"^(?:svp )?(?:arretez|arrete) de m'?envoyer des (?:sms|messages)$")),
    ("pt", re.compile(r"^(?:por favor )?(?:parem|pare) de (?:me )?enviar mensagens$")),
    ("it", re.compile(r"^(?:per favore )?(?:smettete|smetti) di (?:inviarmi|mandarmi) messaggi$")),
]

#: What Kairos answers a keyword Twilio does not act on, by language.
CONFIRMATIONS: dict[str, str] = {
    "en": "You will get no more texts from us. Reply START to get them again.",
    "fr": "Vous ne recevrez plus de SMS de notre part. Répondez START pour les recevoir à nouveau.",
    "es": "No recibirás más mensajes nuestros. Responde START para volver a recibirlos.",
    "de": "Sie erhalten keine SMS mehr von uns. Antworten Sie START, um sie wieder zu erhalten.",
    "pt": "Você não receberá mais mensagens nossas. Responda START para voltar a recebê-las.",
    "it": "Non riceverai più messaggi da noi. Rispondi START per riceverli di nuovo.",
}


@dataclass(frozen=True, slots=True)
class Keyword:
    """A keyword texted: what it asks, its language, and whether Twilio answered it already."""

    action: Literal["opt_out", "opt_in"]
    language: str
    platform_answers: bool

    @property
    def confirmation(self) -> str | None:
        """The reply Kairos sends (None where Twilio replies, or for an opt-in)."""
        if self.platform_answers or self.action != "opt_out":
            return None
        return CONFIRMATIONS[self.language]


def _plain(text: str) -> str:
    """Lower case, accents off, spaces squeezed, end punctuation dropped.

    >>> _plain("  Arrêt ! ")
    'arret'
    """
    folded = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    bare = bare.replace("\u2019", "'")
    return " ".join(bare.split()).strip(" .!?¡¿")


def keyword(body: str, *, opt_out_type: str = "") -> Keyword | None:
    """The keyword a text is, if it is one.

    >>> keyword("Stop").platform_answers, keyword("BAJA").language, keyword("stop texting me!")
    (True, 'es', Keyword(action='opt_out', language='en', platform_answers=False))
    >>> keyword("I can't stop worrying") is None
    True
    """
    kind = opt_out_type.strip().upper()
    if kind in ("STOP", "START"):  # Advanced Opt-Out recognised it, and answered it
        return Keyword("opt_out" if kind == "STOP" else "opt_in", "en", True)
    text = _plain(body)
    if len(text) > 80:
        return None
    if text in TWILIO_OPT_OUT:
        return Keyword("opt_out", "en", True)
    if text in TWILIO_OPT_IN:
        return Keyword("opt_in", "en", True)
    for language, words in OPT_OUT_WORDS.items():
        if text in words:
            return Keyword("opt_out", language, False)
    for language, pattern in _PLEAS:
        if pattern.match(text):
            return Keyword("opt_out", language, False)
    return None


def twiml(reply: str | None) -> str:
    """The TwiML answer: empty, or one message back to the sender.

    >>> twiml("a < b")
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>a &lt; b</Message></Response>'
    """
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    if reply is None:
        return head + "<Response/>"
    return f"{head}<Response><Message>{escape(reply)}</Message></Response>"
