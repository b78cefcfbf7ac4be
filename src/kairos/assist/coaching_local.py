"""The coaching rules in Spanish, German, French, Portuguese and Italian, as data.

The same kinds of nudge as English (``coaching_phrases``), matched on folded text, each with
its suggestion in the agent's language; ``kairos.assist.coaching.coach`` runs them.
"""

from __future__ import annotations

import re

from kairos.assist.coaching_phrases import NudgeKind, _Rule

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
