"""German cue lexicons: the families of ``lexicon.py`` for customers writing in German.

Written without umlauts (matching folds them away: "wutend", "kundige"); "ß" stays and is written
``(?:ß|ss)``. Weights follow the English ones for the same kind of evidence.
"""

from __future__ import annotations

from kairos.detection.lexicon import Family

#: Words that turn a following cue around ("nicht dringend", "kein Problem").
NEGATION = r"\b(?:nicht|kein(?:e|en|em|er|es)?|nie|niemals|ohne)"

EMOTION: Family = {
    "anger": (
        ("wutend|stinksauer|sauer", 0.75),
        ("verargert", 0.65),
        ("emport", 0.75),
        ("unverschamt|frechheit|eine zumutung|zumutung", 0.75),
        ("inakzeptabel|nicht akzeptabel", 0.65),
        ("skandal(?:os)?", 0.7),
        ("lacherlich", 0.55),
        ("katastroph(?:e|al)", 0.65),
        ("furchtbar|schrecklich|grauenhaft|miserabel|unterirdisch", 0.6),
        ("inkompetent", 0.7),
        ("nutzlos|unbrauchbar", 0.55),
        ("abzocke", 0.6),
        ("unfreundlich|unhoflich|frech", 0.55),
        ("verarscht|verarschen", 0.7),
    ),
    "frustration": (
        ("frustriert|frustrierend", 0.6),
        ("genervt|nervt", 0.5),
        ("es reicht|mir reicht(?:'s| es)", 0.7),
        ("(?:die )?nase voll", 0.7),
        ("(?:immer )?noch (?:keine|nichts|nicht)", 0.4),
        ("niemand (?:hilft|antwortet|meldet sich)", 0.6),
        ("warteschleife", 0.5),
        ("(?:\\d+|zwei|drei|vier) stunden (?:gewartet|in der warteschleife|am telefon)", 0.55),
        ("zeitverschwendung", 0.55),
        ("unzufrieden", 0.5),
        ("argerlich|arger", 0.5),
        ("schon wieder", 0.45),
        # Sarcasm that hides a complaint: "toll, schon wieder eine Stunde Verspätung".
        ("(?:na )?(?:toll|super|klasse|prima),? (?:schon wieder|wieder|noch)", 0.6),
    ),
    "distress": (
        ("verzweifelt|verzweiflung", 0.75),
        ("wei(?:ß|ss) nicht (?:mehr )?(?:weiter|was ich tun soll)", 0.7),
        ("hilflos", 0.7),
        ("(?:bitte )?helfen sie mir", 0.55),
        ("in tranen|ich weine", 0.75),
        ("gestresst", 0.6),
        ("albtraum|alptraum", 0.65),
        ("panik", 0.7),
    ),
    "fear": (
        ("angst", 0.6),
        ("besorgt|sorgen", 0.5),
    ),
    "disappointment": (
        ("enttauscht|enttauschend|enttauschung", 0.55),
        ("vertrauen verloren|kein vertrauen mehr", 0.6),
        ("traurig", 0.45),
    ),
    "profanity": (
        ("schei(?:ß|ss)e?", 0.75),
        ("verdammt", 0.45),
        ("mist", 0.45),
        ("idioten?", 0.7),
        ("arschloch|arschlocher", 0.8),
    ),
    "relief": (
        ("vielen dank|herzlichen dank", -0.35),
        ("perfekt", -0.25),
        ("das hilft", -0.3),
        ("erleichtert", -0.45),
        ("problem gelost", -0.45),
    ),
}

URGENCY: Family = {
    "urgent": (
        ("dringend", 0.7),
        ("so schnell wie moglich|schnellstmoglich", 0.6),
        ("notfall", 0.8),
        ("sofort|umgehend|unverzuglich", 0.6),
        ("keine zeit", 0.55),
        ("kann nicht (?:mehr )?warten", 0.6),
        ("die zeit lauft (?:mir )?davon", 0.75),
        ("(?:verpasse|verpassen) (?:meinen|den|meine|die|unseren) (?:flug|zug|anschluss)", 0.7),
        ("gestrandet|sitze fest|sitzen fest", 0.75),
        ("heute noch|noch heute", 0.4),
        ("heute abend", 0.35),
        ("heute", 0.25),
    ),
    "calm": (
        ("keine eile|eilt nicht|nicht dringend", -0.6),
        ("wenn sie zeit haben|wann immer es passt", -0.5),
        ("nur eine frage|nur aus neugier", -0.4),
    ),
}

STAKES_LEX: Family = {
    "travel_disruption": (
        (
            "(?:flug|zug|verbindung|anschluss)(?:es)? (?:\\w+ )?(?:wurde |ist |wird )?(?:gestrichen|annulliert|storniert|ausgefallen)",
            0.85,
        ),
        ("(?:zug|flug) fallt aus|zugausfall|flugausfall", 0.8),
        ("(?:flug|zug) (?:\\w+ )?(?:hat |mit )?verspatung", 0.6),
        (
            "verspatung von (?:\\d+|zwei|drei|vier|funf|mehreren) stunden|(?:\\d+|zwei|drei) stunden verspatung",
            0.7,
        ),
        ("verspatet", 0.5),
        ("(?:anschluss|anschlusszug|anschlussflug) verpasst", 0.8),
        ("gestrandet", 0.8),
        ("am (?:flughafen|bahnhof) (?:fest|gestrandet)", 0.75),
        ("uberbucht", 0.65),
        ("(?:gepack|koffer) (?:ist )?(?:verloren|weg|nicht angekommen|verschwunden)", 0.6),
        ("schienenersatzverkehr", 0.5),
    ),
    "money_lost": (
        ("doppelt (?:abgebucht|belastet)|zweimal abgebucht", 0.65),
        ("(?:karte|geldborse|portemonnaie|brieftasche|handy) (?:wurde )?gestohlen", 0.8),
        ("geld (?:ist )?(?:weg|verschwunden)", 0.8),
        ("kann (?:die miete )?nicht (?:bezahlen|zahlen)", 0.6),
        ("erstattung|ruckerstattung|geld zuruck", 0.35),
        (
            "(?:bestellung|paket|lieferung|sendung) (?:\\w+ )?(?:ist )?(?:verloren|verschwunden|nie angekommen|nicht angekommen)",
            0.6,
        ),
        ("miete|gehalt|lohn", 0.45),
    ),
    "fraud": (
        ("betrug|betruger|betrugerisch", 0.85),
        ("identitatsdiebstahl", 0.9),
        ("gehackt", 0.75),
        ("nicht autorisiert|unautorisiert|unberechtigt", 0.8),
        ("phishing", 0.75),
        ("(?:diese|die|eine) (?:abbuchung|zahlung|transaktion) kenne ich nicht", 0.8),
        ("jemand hat (?:meine|mein)", 0.7),
    ),
    "health": (
        ("krankenhaus|klinik", 0.7),
        ("notaufnahme", 0.75),
        ("krankenwagen|rettungswagen|notarzt", 0.8),
        ("operation", 0.55),
        ("krebs|chemo(?:therapie)?", 0.8),
        ("herzinfarkt|schlaganfall", 0.85),
        ("medikamente?|insulin|rezept", 0.55),
        ("schwanger", 0.5),
        ("rollstuhl|behindert|behinderung", 0.5),
        ("krank", 0.45),
        ("verletzt", 0.6),
        ("arzt", 0.4),
    ),
    "bereavement": (
        ("verstorben|gestorben|ist tot", 0.85),
        ("todesfall|trauerfall", 0.9),
    ),
    "bereavement+family_event": (("beerdigung|beisetzung|trauerfeier", 0.85),),
    "family_event": (
        ("hochzeit", 0.8),
        ("geburtstag", 0.6),
        ("taufe|konfirmation|kommunion", 0.7),
        ("flitterwochen", 0.75),
        ("abschlussfeier", 0.75),
        ("jahrestag", 0.55),
        ("weihnachten", 0.5),
        ("entbindung", 0.8),
    ),
    "safety": (
        ("gefahr|gefahrlich", 0.75),
        ("gasgeruch|riecht nach gas|gasleck", 0.9),
        ("kein (?:strom|wasser|warmwasser)|keine heizung|ohne (?:strom|heizung|wasser)", 0.6),
        ("bedroht|bedrohung", 0.7),
        ("belastigt|angegriffen", 0.8),
        ("allein (?:im dunkeln|nachts)", 0.75),
        ("auf der autobahn|am stra(?:ß|ss)enrand|pannenstreifen", 0.6),
    ),
    "insurance_claim": (
        ("unfall", 0.75),
        ("schadensfall|schadensmeldung|schaden melden", 0.7),
        ("wasserschaden|brandschaden|sturmschaden|totalschaden", 0.7),
        ("einbruch", 0.75),
        ("abgeschleppt|abschleppdienst", 0.6),
        ("panne", 0.55),
    ),
    "business_deadline": (
        ("kundentermin|kundenprasentation", 0.8),
        ("wichtige(?:r|s)? (?:termin|prasentation|meeting|besprechung)", 0.6),
        ("frist|abgabetermin|deadline", 0.6),
        ("vorstellungsgesprach", 0.6),
        ("mein(?:en)? (?:geschaft|laden|restaurant|betrieb|unternehmen)", 0.5),
        ("(?:den|einen) (?:kunden|auftrag) verlieren", 0.75),
        ("server (?:ist )?down|system (?:ist )?ausgefallen", 0.6),
    ),
    "first_time": (("(?:zum ersten mal|erstmals) (?:beschwere|melde)|erste beschwerde", 0.7),),
}

CHURN: Family = {
    "cancel": (
        ("(?:ich )?(?:kundige|kuendige)|kundigung|kuendigung|kundigen|kuendigen", 0.75),
        ("vertrag (?:auflosen|beenden)", 0.8),
        ("konto (?:schlie(?:ß|ss)en|auflosen)", 0.8),
        ("abo (?:beenden|stornieren)", 0.75),
        ("(?:will|mochte|werde) (?:\\w+ )?stornieren", 0.5),
    ),
    "switch": (
        (
            "(?:wechsle|wechseln|wechsel) (?:zu|zur|zum) (?:einem |einer )?(?:anderen|konkurrenz)",
            0.75,
        ),
        ("(?:zur|zu der) konkurrenz", 0.8),
        ("anbieter wechseln|anbieterwechsel|bank wechseln", 0.75),
    ),
    "leaving": (
        ("nie wieder|nie mehr", 0.8),
        ("(?:das )?letzte mal,? dass ich", 0.85),
        ("(?:einen|mich als) kunden verloren", 0.85),
        ("anwalt|verbraucherzentrale|klage|rechtliche schritte|fahrgastrechte", 0.65),
        ("schlechte bewertung", 0.45),
    ),
    "tenure": (
        (
            "(?:seit|schon seit) (?:uber )?(?:\\d+|zehn|zwanzig|vielen) jahren kunde|kunde seit (?:uber )?(?:\\d+|zehn|zwanzig|vielen) jahren",
            0.55,
        ),
        ("treuer kunde|langjahriger kunde", 0.45),
        ("bahncard 100|vielflieger|senator", 0.35),
    ),
}

COMPLEXITY: Family = {
    "repeat": (
        ("zum (?:zweiten|dritten|vierten|funften|\\d+\\.?) mal", 0.8),
        (
            "(?:zweimal|dreimal|viermal|funfmal|mehrmals|x-mal) (?:angerufen|geschrieben|gemeldet|nachgefragt)",
            0.75,
        ),
        (
            "(?:habe|hab) (?:ich )?(?:ihnen )?(?:doch )?(?:schon|bereits) (?:gesagt|erklart|geschickt)",
            0.65,
        ),
        ("immer (?:noch|wieder) (?:nicht )?(?:gelost|behoben|repariert)", 0.6),
        ("(?:gleiche|selbe|dasselbe) problem", 0.6),
        ("wurde (?:mir )?versprochen", 0.5),
        ("vorgangsnummer|fallnummer|ticketnummer|aktenzeichen", 0.35),
    ),
    "transfer": (
        ("weitergeleitet|weiterverbunden|hin und her (?:verbunden|geschickt)", 0.6),
        ("andere abteilung", 0.5),
    ),
    "multi_issue": (
        ("au(?:ß|ss)erdem|zusatzlich", 0.3),
        ("noch ein (?:problem|anliegen)", 0.45),
    ),
    "policy_exception": (
        ("(?:vorgesetzten|teamleiter|manager|chef) sprechen", 0.55),
        ("entschadigung|kulanz", 0.45),
        ("ausnahme", 0.6),
    ),
}

AGENT: Family = {
    "blame": (
        ("(?:das ist|das war) (?:ihre|ihr|deine|dein) (?:schuld|problem|fehler)", 0.85),
        ("nicht unser (?:problem|fehler)|nicht unsere schuld", 0.85),
        ("(?:da )?(?:kann ich|konnen wir) nichts (?:machen|tun)", 0.75),
        ("beruhigen sie sich", 0.6),
        ("hatten sie (?:das )?(?:lesen|prufen) (?:mussen|sollen)", 0.7),
        ("wie (?:ich )?(?:bereits|schon) gesagt", 0.4),
    ),
    "ownership": (
        (
            "es tut mir (?:sehr |wirklich )?leid|tut mir leid|ich entschuldige mich|wir entschuldigen uns",
            -0.35,
        ),
        ("ich kummere mich (?:personlich )?darum|uberlassen sie das mir", -0.6),
        ("ich habe (?:es |das |ihnen )?(?:erstattet|umgebucht|behoben|erledigt)", -0.55),
    ),
}
