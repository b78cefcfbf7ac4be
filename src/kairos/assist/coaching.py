"""Coaching on the agent's own words: blame, deflection and a premature close, each with the
apology or ownership wording to use instead.

:func:`coach` is a pure function of one agent utterance (no database, no bus), so the desktop, the
live bus listener (:mod:`kairos.assist.live`) and the benchmark all call the same thing. Rules are
phrase patterns with guards for the readings that must not fire: "I'm sorry, that was our fault"
is ownership, not blame; "it's not your fault" is reassurance; "you should have received an email"
is information; "I'll close the case once you confirm it's fixed" is a good close.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kairos.detection.cues import fold
from kairos.detection.language import detect_language

NudgeKind = Literal["blame", "deflect", "premature_close"]
NUDGE_KINDS: tuple[NudgeKind, ...] = ("blame", "deflect", "premature_close")


class Nudge(BaseModel):
    """Agent words that blame, deflect or close too soon, and what to say instead."""

    model_config = ConfigDict(frozen=True)

    kind: NudgeKind
    rule: str
    span: str
    start: int
    end: int
    suggestion: str


# Words just before a match that turn it around: "I'm not saying it's your fault", "if there's
# nothing else I'll close the chat", "is there nothing we can do?".
_NEGATED = re.compile(
    r"(?:\bnot|n't|\bnever|\bnone|\bnor|\bwithout)\W+(?:\w+\W+){0,2}$", re.IGNORECASE
)
_CONDITIONAL = re.compile(
    r"\b(?:if|once|when|whenever|after|unless|in case|whether|until|as soon as)\b[^.!?;]*$",
    re.IGNORECASE,
)
_QUESTIONED = re.compile(r"\b(?:is|isn't|was|wasn't|are)\s+there\s*$", re.IGNORECASE)
# After a close: the agent waits for the customer to confirm, which is the right way to close.
_CONFIRMED_LATER = re.compile(
    r"^[^.!?]{0,40}?\b(?:once|when|after|as soon as|if|until|unless)\b\s+(?:you|it|everything|"
    r"the|that|this|we|i)\b",
    re.IGNORECASE,
)

_Guard = Literal["negated", "conditional", "questioned", "confirmed_later"]


@dataclass(frozen=True)
class _Rule:
    kind: NudgeKind
    name: str
    pattern: re.Pattern[str]
    suggestion: str
    guards: tuple[_Guard, ...] = ("negated",)


def _compile(source: str) -> re.Pattern[str]:
    # Written with plain spaces and apostrophes; people type "thats", "cant" and line breaks.
    source = source.replace(" ", r"\s+").replace("'", "'?")
    return re.compile(source, re.IGNORECASE)


def _rule(kind: NudgeKind, name: str, source: str, suggestion: str, *guards: _Guard) -> _Rule:
    return _Rule(kind, name, _compile(source), suggestion, guards or ("negated",))


_FAULT_SUGGESTION = "I'm sorry this happened. Whatever caused it, I'll help you put it right now."
_OWNERSHIP_SUGGESTION = (
    "Leave it with me: I'll take this to the right team myself and come back to you, "
    "so you don't have to explain it again."
)

_RULES: tuple[_Rule, ...] = (
    # -- blame: the customer is told it is their fault ------------------------------------------
    _rule(
        "blame",
        "your_fault",
        r"\b(?:that|it|this)(?:'s| is| was) (?:all |entirely |totally |really |clearly )?"
        r"your (?:own )?(?:fault|mistake|error|problem|responsibility|issue)\b",
        _FAULT_SUGGESTION,
        "negated",
        "questioned",
    ),
    _rule(
        "blame",
        "your_mistake",
        r"\b(?:due to|because of|caused by|down to|result of) your (?:own )?"
        r"(?:fault|mistake|error|oversight)\b(?! (?:message|code|screen|page))",
        _FAULT_SUGGESTION,
    ),
    _rule(
        "blame",
        "should_have",
        r"\byou (?:really )?(?:should|could|ought to)(?: have|'ve| of) (?:just )?"
        r"(?:read|checked|double[- ]checked|known|called|booked|arrived|come|asked|bought|"
        r"purchased|contacted|paid|looked|noticed|realised|realized|followed|listened|kept|saved|"
        r"printed|confirmed|taken|made sure|told us|reported|declared|selected|chosen|added|"
        r"updated|informed us|planned|left earlier|allowed|been (?:more|at|there|here|on time|"
        r"earlier|aware|careful))\b",
        "That's easy to miss, and I'm sorry it caused you trouble. Let me sort it out for you.",
        "negated",
    ),
    _rule(
        "blame",
        "should_not_have",
        r"\byou (?:shouldn't|should not|should never) have (?:booked|done|changed|cancelled|"
        r"canceled|left|gone|bought|packed|put|used|clicked|selected|ignored|waited|assumed|"
        r"trusted)\b",
        "That's easy to miss, and I'm sorry it caused you trouble. Let me sort it out for you.",
        "negated",
    ),
    _rule(
        "blame",
        "you_failed_to",
        r"\byou (?:(?:didn't|did not|failed to|forgot to|neglected to|never) (?:read|check|"
        r"follow|provide|tell us|inform us|select|include|declare|pay|enter|complete|fill|submit|"
        r"book|purchase|confirm|update|add|notify us|report|register|print|attach|specify|"
        r"mention|listen)|never (?:told us|informed us|mentioned|said|paid|checked|read|sent|"
        r"gave us|provided|declared|confirmed|followed))\b",
        "Thanks for bearing with me. Let's put it right together: here's what I can do now.",
        "conditional",
        "negated",
    ),
    _rule(
        "blame",
        "you_got_it_wrong",
        r"\byou (?:misread|misunderstood|mistyped|mis-typed|(?:entered|booked|chose|selected|"
        r"picked|gave us|put in|typed) (?:in )?(?:the |a |an )?wrong)\b",
        "Thanks for bearing with me. Let's put it right together: here's what I can do now.",
        "conditional",
        "negated",
    ),
    _rule(
        "blame",
        "if_you_had",
        r"\b(?:if you had|if you'd|had you) (?:just |only )?(?:read|checked|looked|called|booked|"
        r"arrived|followed|listened|told us|asked)\b",
        "I'm sorry this caught you out. Let me see what I can do now.",
    ),
    _rule(
        "blame",
        "as_i_already_said",
        r"\b(?:as (?:i|we) (?:have )?already (?:said|told you|explained|mentioned|stated)|"
        r"like i (?:already )?(?:said|told you)|"
        r"i (?:have )?already (?:told|explained (?:this |that |it )?to) you)\b",
        "Let me put it another way, so it's clear, and check it answers what you need.",
    ),
    _rule(
        "blame",
        "clearly_states",
        r"\b(?:it|this|that) (?:is )?(?:clearly|plainly) (?:says|said|states|stated|written|"
        r"explained|mentioned|shown|displayed)\b",
        "I can see how that was easy to miss. Let me walk you through it and sort it out.",
    ),
    _rule(
        "blame",
        "calm_down",
        r"\b(?:calm down|there's no need to (?:shout|yell|be rude|get upset))\b",
        "I can hear how stressful this is, and I'm going to help you with it.",
        "negated",
        "conditional",
    ),
    _rule(
        "blame",
        "user_error",
        r"\b(?:user|customer|operator) error\b",
        _FAULT_SUGGESTION,
    ),
    # -- deflect: the problem is handed back or elsewhere ---------------------------------------
    _rule(
        "deflect",
        "not_my_department",
        r"\b(?:(?:that|it|this)(?:'s| is| was) )?not (?:my|our) (?:department|job|area|team|"
        r"responsibility|problem|call|decision|remit|concern)\b",
        "That sits with another team, so I'll bring them in for you and stay with you until "
        "it's done.",
        "questioned",
    ),
    _rule(
        "deflect",
        "not_our_fault",
        r"\b(?:(?:that|it|this)(?:'s| is| was) not|(?:that|it|this) (?:isn't|wasn't)) our "
        r"(?:fault|problem|responsibility|issue)\b",
        "I'm sorry this happened to you. Even where the cause was outside our hands, let me see "
        "what I can do for you now.",
        "questioned",
    ),
    _rule(
        "deflect",
        "nothing_i_can_do",
        r"\b(?:(?:there's|there is) )?nothing (?:more |else |further )?(?:that )?(?:i|we) "
        r"(?:can|could|am able to|are able to) do\b",
        "I can't change that part, but here is what I can do for you right now: ...",
        "questioned",
        "conditional",
    ),
    _rule(
        "deflect",
        "cannot_help",
        r"\b(?:i|we) (?:can't|cannot|can not|am unable to|'m unable to|are unable to|"
        r"'re unable to|am not able to|are not able to) (?:help you|do anything(?: (?:for|about))?"
        r"|do anything more)\b",
        "I can't change that part, but here is what I can do for you right now: ...",
        "conditional",
    ),
    _rule(
        "deflect",
        "you_have_to_call",
        r"\byou(?:'ll| will|'d| would)? (?:have|need|must|will need|will have) to (?:call|contact|"
        r"phone|ring|speak (?:to|with)|talk to|reach out to|get in touch with|email|go (?:to|back "
        r"to|through)|take (?:it|this|that) up with|ask|check with|visit|file|submit|raise|"
        r"complain to|write to|apply to)\b",
        _OWNERSHIP_SUGGESTION,
        "negated",
        "conditional",
    ),
    _rule(
        "deflect",
        "contact_them_directly",
        r"\b(?:contact|call|reach out to|speak (?:to|with)|check with|get in touch with|ask) "
        r"(?:the |your )?(?:airport|airline|travel agent|travel agency|bank|insurer|provider|"
        r"operating carrier|other airline|partner airline|them|that team|that department|"
        r"the other team|the other department|another department|a different department|"
        r"[a-z]+ team) directly\b",
        _OWNERSHIP_SUGGESTION,
        "negated",
        "conditional",
    ),
    _rule(
        "deflect",
        "take_it_up_with",
        r"\btake (?:it|this|that|this matter) up with\b",
        _OWNERSHIP_SUGGESTION,
    ),
    _rule(
        "deflect",
        "handled_elsewhere",
        r"\b(?:(?:that|it|this)(?:'s| is) (?:handled|dealt with|managed|looked after) by "
        r"(?:another|a different|the other|a separate|our other)|you(?:'ve| have) (?:called|"
        r"reached|come to|contacted|got) the wrong (?:department|team|number|line|place|people)|"
        r"wrong department)\b",
        "That sits with another team, so I'll bring them in for you and stay with you until "
        "it's done.",
    ),
    _rule(
        "deflect",
        "out_of_my_hands",
        r"\b(?:out of (?:my|our) hands|not up to me|i just work here|above my pay grade|"
        r"(?:that's|it's|that is|it is) (?:just )?(?:the |our |company )?(?:policy|rules)"
        r"(?=\s*(?:[.!;]|$|,\s*(?:sorry|i'm afraid))))",
        "Let me explain why the rule is there, and what I can do for you within it.",
        "negated",
    ),
    # -- premature close: the contact is closed before the customer confirmed it is resolved ---
    _rule(
        "premature_close",
        "closing_the_contact",
        r"\b(?:i(?:'m| am) (?:going to|gonna|now) |i(?:'ll| will) (?:now |just |go ahead and )?|"
        r"i (?:have|need) to |we(?:'ll| will) (?:now )?|let me |"
        r"(?:i'm|i am|we're|we are) (?:now )?)"
        r"(?:close|closing|end|ending|disconnect|disconnecting|terminate|terminating|wrap up|"
        r"wrapping up) (?:this|the|our|your) (?:chat|case|ticket|conversation|call|session|thread|"
        r"complaint|query|request|enquiry|inquiry)\b",
        "Before I close this, can you confirm everything is sorted for you?",
        "negated",
        "conditional",
        "confirmed_later",
    ),
    _rule(
        "premature_close",
        "marked_resolved",
        r"\b(?:i(?:'ll| will|'ve| have)|we(?:'ll| will|'ve| have)|let me|i(?:'m| am) going to) "
        r"(?:now |just |already |go ahead and )?mark(?:ed)? (?:this|it|the (?:case|ticket|issue|"
        r"complaint|request)|your (?:case|ticket|issue|complaint|request)) (?:as )?(?:resolved|"
        r"closed|solved|complete|completed|done)\b",
        "Before I mark it resolved, can you confirm it's working for you now?",
        "negated",
        "conditional",
        "confirmed_later",
    ),
    _rule(
        "premature_close",
        "contact_closed",
        r"\b(?:this|the|your) (?:chat|case|ticket|conversation|session|complaint|query) "
        r"(?:is now|will (?:now )?be|has (?:now )?been|is being|is) (?:closed|resolved|ended|"
        r"terminated|marked (?:as )?(?:resolved|closed))\b",
        "Before I close this, can you confirm everything is sorted for you?",
        "negated",
        "conditional",
        "confirmed_later",
        "questioned",
    ),
    _rule(
        "premature_close",
        "conversation_over",
        r"\b(?:that(?:'s| is) all (?:i|we) can (?:do|tell you|offer|say)|we(?:'re| are) done "
        r"here|this (?:conversation|discussion|matter) is (?:over|closed|finished)|(?:i|we) "
        r"consider (?:this|the) (?:matter|case|issue|complaint) (?:closed|resolved)|"
        r"(?:nothing|no) (?:more|further) to (?:add|discuss|say)|end of (?:discussion|story)|"
        r"i(?:'ve| have) (?:already )?answered your question)\b",
        "Is there anything still open for you? I'd like to be sure it's fully resolved before "
        "we finish.",
        "conditional",
    ),
)

# -- Spanish, German, French, Portuguese, Italian ------------------------------------------------
# The same kinds of nudge, matched on folded text (lower case, accents dropped: "tendria",
# "mussen"), each suggestion in the agent's language. Written narrowly, so they need no guards.

_Localized = tuple[tuple[NudgeKind, str, str, str], ...]

_LOCAL_RULES: dict[str, _Localized] = {
    "es": (
        ("blame", "your_fault", r"\b(?:es|fue|ha sido) (?:su|tu) (?:culpa|error|problema)\b",
         "Siento mucho lo ocurrido. Sea cual sea la causa, le ayudo a solucionarlo ahora mismo."),
        ("blame", "should_have",
         r"\b(?:deberia|tendria que|tenia que) haber (?:leido|revisado|comprobado|llamado|avisado)\b",  # noqa: E501
         "Es fácil pasarlo por alto y siento las molestias. Déjeme solucionarlo."),
        ("blame", "calm_down", r"\b(?:calmese|tranquilicese|calmate|tranquilizate)\b",
         "Entiendo lo estresante que es esto y voy a ayudarle."),
        ("deflect", "nothing_i_can_do", r"\bno (?:puedo|podemos) hacer (?:nada|mas)\b",
         "Eso no lo puedo cambiar, pero esto es lo que sí puedo hacer por usted ahora: ..."),
        ("deflect", "not_our_fault",
         r"\bno es (?:nuestra culpa|nuestro problema|mi departamento|cosa nuestra)\b",
         "Siento lo ocurrido. Aunque la causa no dependa de nosotros, déjeme ver qué puedo hacer "
         "por usted."),
        ("deflect", "you_have_to_call",
         r"\b(?:tiene|tendra|tendria) que (?:llamar|contactar|dirigirse|escribir|hablar con)\b",
         "Déjelo en mis manos: lo llevo yo al equipo adecuado y le vuelvo a contactar."),
        ("premature_close", "closing_the_contact",
         r"\b(?:voy a|vamos a) (?:cerrar|dar por (?:cerrad[oa]|resuelt[oa])) (?:el|la|este|esta|su) "  # noqa: E501
         r"(?:caso|chat|incidencia|consulta|ticket|reclamacion)\b",
         "Antes de cerrarlo, ¿puede confirmarme que todo está resuelto?"),
    ),
    "de": (
        ("blame", "your_fault",
         r"\b(?:das|es) (?:ist|war) (?:ihre|ihr|deine|dein) (?:schuld|fehler|problem)\b",
         "Es tut mir leid, dass das passiert ist. Egal, woran es lag: Ich helfe Ihnen jetzt, das "
         "zu lösen."),
        ("blame", "should_have",
         r"\bhatten sie (?:das |die \w+ |den \w+ )?(?:lesen|prufen|beachten|melden) (?:mussen|sollen)\b",  # noqa: E501
         "Das übersieht man leicht, und es tut mir leid. Ich bringe das für Sie in Ordnung."),
        ("blame", "calm_down", r"\b(?:beruhigen sie sich|bleiben sie ruhig)\b",
         "Ich verstehe, wie belastend das ist, und ich kümmere mich jetzt darum."),
        ("deflect", "nothing_i_can_do",
         r"\b(?:kann ich|konnen wir) (?:da )?(?:leider )?nichts (?:machen|tun)\b",
         "Das kann ich nicht ändern, aber das kann ich jetzt für Sie tun: ..."),
        ("deflect", "not_our_fault",
         r"\b(?:nicht (?:unser|mein) (?:problem|fehler)|nicht unsere schuld|dafur (?:sind wir|bin "
         r"ich) nicht zustandig)\b",
         "Das tut mir leid. Auch wenn die Ursache nicht bei uns liegt, schaue ich, was ich für Sie "
         "tun kann."),
        ("deflect", "you_have_to_call",
         r"\bsie (?:mussen|sollten) sich (?:bitte )?(?:direkt )?an (?:\w+ ){1,3}wenden\b",
         "Überlassen Sie das mir: Ich gebe es selbst an das richtige Team weiter und melde mich "
         "bei Ihnen."),
        ("premature_close", "closing_the_contact",
         r"\bich schlie(?:ß|ss)e (?:jetzt |hiermit )?(?:den|diesen|das|dieses|ihren|ihr) "
         r"(?:fall|vorgang|chat|ticket|anliegen)\b",
         "Bevor ich das schließe: Ist für Sie jetzt alles gelöst?"),
    ),
    "fr": (
        ("blame", "your_fault", r"\bc'?est (?:de )?votre (?:faute|erreur|probleme)\b",
         "Je suis désolé de ce qui s'est passé. Quelle qu'en soit la cause, je vous aide à régler "
         "ça maintenant."),
        ("blame", "should_have",
         r"\bvous auriez du (?:lire|verifier|appeler|prevenir|regarder)\b",
         "C'est facile à manquer, et j'en suis désolé. Laissez-moi arranger ça."),
        ("blame", "calm_down", r"\bcalmez[- ]vous\b",
         "Je comprends à quel point c'est stressant, et je vais vous aider."),
        ("deflect", "nothing_i_can_do",
         r"\b(?:je ne peux|on ne peut|nous ne pouvons) rien (?:faire|pour vous)\b",
         "Je ne peux pas changer ça, mais voici ce que je peux faire pour vous tout de suite : ..."),  # noqa: E501
        ("deflect", "not_our_fault",
         r"\bce n'?est pas (?:de )?(?:notre faute|notre probleme|mon service|notre ressort)\b",
         "Je suis désolé. Même si la cause ne dépend pas de nous, je regarde ce que je peux faire "
         "pour vous."),
        ("deflect", "you_have_to_call",
         r"\bvous (?:devez|devrez|devriez) (?:appeler|contacter|vous adresser a|ecrire a|voir avec)\b",  # noqa: E501
         "Laissez-moi m'en occuper : je transmets moi-même à la bonne équipe et je reviens vers "
         "vous."),
        ("premature_close", "closing_the_contact",
         r"\bje (?:vais )?(?:clotur|ferm)(?:e|er) (?:le|ce|votre) (?:dossier|ticket|chat|echange)\b",  # noqa: E501
         "Avant de clôturer, pouvez-vous me confirmer que tout est réglé pour vous ?"),
    ),
    "pt": (
        ("blame", "your_fault",
         r"\b(?:a culpa (?:e|foi) (?:sua|do senhor|da senhora)|e culpa (?:sua|do senhor|da senhora))\b",  # noqa: E501
         "Sinto muito pelo que aconteceu. Seja qual for a causa, vou ajudar a resolver agora."),
        ("blame", "should_have",
         r"\b(?:o senhor|a senhora|voce) deveria ter (?:lido|verificado|conferido|ligado|avisado)\b",  # noqa: E501
         "É fácil deixar passar, e sinto muito pelo transtorno. Deixe que eu resolvo."),
        ("blame", "calm_down", r"\b(?:se acalme|acalme-se|fique calm[oa])\b",
         "Entendo como isso é estressante e vou ajudar você."),
        ("deflect", "nothing_i_can_do", r"\bnao (?:posso|podemos) fazer nada\b",
         "Isso eu não consigo mudar, mas veja o que posso fazer por você agora: ..."),
        ("deflect", "not_our_fault",
         r"\bnao e (?:culpa nossa|nossa culpa|problema nosso|nosso problema|do nosso setor)\b",
         "Sinto muito. Mesmo que a causa não seja nossa, vou ver o que posso fazer por você."),
        ("deflect", "you_have_to_call",
         r"\b(?:o senhor|a senhora|voce) (?:tem|tera|precisa|vai precisar) (?:que|de) "
         r"(?:ligar|entrar em contato|falar com|procurar)\b",
         "Pode deixar comigo: eu mesmo levo isso à equipe certa e retorno para você."),
        ("premature_close", "closing_the_contact",
         r"\b(?:vou|irei) (?:encerrar|finalizar|fechar) (?:o|este|esse|seu) "
         r"(?:atendimento|chamado|protocolo|chat)\b",
         "Antes de encerrar, pode me confirmar que está tudo resolvido?"),
    ),
    "it": (
        ("blame", "your_fault", r"\b(?:e (?:stata )?colpa (?:sua|tua)|la colpa e (?:sua|tua))\b",
         "Mi dispiace per quanto successo. Qualunque sia la causa, la aiuto a risolvere subito."),
        ("blame", "should_have",
         r"\bavrebbe dovuto (?:leggere|controllare|verificare|chiamare|avvisare)\b",
         "È facile non accorgersene, e mi dispiace. Lasci che sistemi io."),
        ("blame", "calm_down", r"\b(?:si calmi|stia calm[oa])\b",
         "Capisco quanto sia stressante e la aiuto io."),
        ("deflect", "nothing_i_can_do", r"\bnon (?:posso|possiamo) fare (?:niente|nulla|altro)\b",
         "Questo non posso cambiarlo, ma ecco cosa posso fare per lei adesso: ..."),
        ("deflect", "not_our_fault",
         r"\bnon e (?:colpa nostra|un nostro problema|di nostra competenza|compito mio)\b",
         "Mi dispiace. Anche se la causa non dipende da noi, vedo cosa posso fare per lei."),
        ("deflect", "you_have_to_call",
         r"\bdeve (?:chiamare|contattare|rivolgersi a|scrivere a|sentire)\b",
         "Ci penso io: porto la richiesta al team giusto e la ricontatto."),
        ("premature_close", "closing_the_contact",
         r"\b(?:chiudo|chiudero|procedo a chiudere) (?:il|la|questo|questa) "
         r"(?:ticket|pratica|chat|segnalazione|richiesta)\b",
         "Prima di chiudere, mi conferma che è tutto risolto?"),
    ),
}  # fmt: skip

_LOCAL: dict[str, tuple[_Rule, ...]] = {
    lang: tuple(
        _Rule(kind, name, re.compile(source.replace(" ", r"\s+")), suggestion, ())
        for kind, name, source, suggestion in rules
    )
    for lang, rules in _LOCAL_RULES.items()
}


_PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
# How far back a guard looks: the same clause, roughly.
_WINDOW = 40


def _clause_before(text: str, start: int, ends: str = ".!?;\n") -> str:
    before = text[max(0, start - _WINDOW) : start]
    # A guard never reaches across a sentence end.
    cut = max(before.rfind(c) for c in ends)
    return before[cut + 1 :] if cut >= 0 else before


def _guarded(rule: _Rule, text: str, match: re.Match[str]) -> bool:
    before = _clause_before(text, match.start())
    after = text[match.end() : match.end() + 60]
    for guard in rule.guards:
        # A negation turns around only its own clause: "that's not my department, you'll have
        # to call" still hands the customer off.
        if guard == "negated" and _NEGATED.search(_clause_before(text, match.start(), ".!?;,:\n")):
            return True
        if guard == "conditional" and _CONDITIONAL.search(before):
            return True
        if guard == "questioned" and _QUESTIONED.search(before):
            return True
        if guard == "confirmed_later" and _CONFIRMED_LATER.search(after):
            return True
    return False


def coach(text: str, language: str | None = None) -> list[Nudge]:
    """The blame, deflection and premature-close phrases in an agent's words, in text order,
    each with a suggested apology or ownership wording; empty when there is nothing to coach.

    ``language`` (ISO 639-1) is the interaction's; without it the text's own is detected. The
    English rules always apply, a language's own rules (and suggestions in it) as well.
    """
    if not text:
        return []
    if language is None:
        language = detect_language(text)
    # Same length, so offsets point into the original text.
    normalised = text.translate(_PUNCTUATION)
    found: list[Nudge] = []
    passes: list[tuple[tuple[_Rule, ...], str]] = [(_RULES, normalised)]
    if language in _LOCAL:
        passes.append((_LOCAL[language], fold(text)))
    for rules, subject in passes:
        for rule in rules:
            for match in rule.pattern.finditer(subject):
                if match.end() == match.start() or _guarded(rule, subject, match):
                    continue
                found.append(
                    Nudge(
                        kind=rule.kind,
                        rule=rule.name,
                        span=text[match.start() : match.end()],
                        start=match.start(),
                        end=match.end(),
                        suggestion=rule.suggestion,
                    )
                )
    # Where two rules claim overlapping words, the earlier, longer phrase speaks for both.
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    kept: list[Nudge] = []
    for nudge in found:
        if kept and nudge.start < kept[-1].end:
            continue
        kept.append(nudge)
    return kept
