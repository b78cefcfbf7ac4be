"""What Spanish, German, French, Portuguese and Italian customers say around a deadline.

Data only: one ``Lexicon`` per language. ``kairos.detection.deadline_languages`` compiles the
patterns from them and resolves what they find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

from kairos.detection.deadline_patterns import AFTERNOON, EVENING, MORNING, NIGHT, TONIGHT

__all__ = ["FRENCH", "GERMAN", "ITALIAN", "LANGUAGES", "PORTUGUESE", "SPANISH", "Lexicon"]

_M, _A, _E, _T, _N = MORNING, AFTERNOON, EVENING, TONIGHT, NIGHT


@dataclass(frozen=True)
class Lexicon:
    """What one language says around a deadline."""

    code: str
    tokens: frozenset[str]  # one of these words must occur for the patterns to run
    by: tuple[str, ...]  # a deadline by construction: "antes de las", "bis", "avant"
    at: tuple[str, ...]  # an appointment: "a las", "um", "à"
    # Prepositions that make the number after them an hour whatever follows ("a las 10 tengo").
    strong: tuple[str, ...]
    noon_preps: tuple[str, ...]
    noon: dict[str, bool]  # word -> True for midnight
    hour_words: dict[str, int]
    markers_24h: tuple[str, ...]  # written after the hour: "uhr", "h", "heures"
    parts: dict[str, bool]  # after a time: "de la tarde" -> pm
    suffix_fracs: dict[str, int]  # "y media" -> +30, "menos cuarto" -> -15
    prefix_fracs: dict[str, int]  # German "halb 8" -> -30 (7:30), "viertel nach 3" -> +15
    days: dict[str, tuple[int, time | None]]  # "pasado mañana" -> (2, None), "esta tarde"
    guarded_days: dict[str, tuple[str, ...]]  # a day word not meant after these ("guten morgen")
    weekdays: dict[str, int]
    weekday_preps: tuple[str, ...]  # "el", "am", "na", "entro"
    next_words: tuple[str, ...]  # "próximo", "prochain": after or before the weekday
    day_by: tuple[str, ...]  # before a bare day it makes a deadline: "hasta", "bis", "avant"
    rel_preps: tuple[str, ...]
    half_hours: tuple[str, ...]  # "media hora" -> 30 minutes
    and_half: tuple[str, ...]  # "una hora y media"
    units: str  # regex alternation of time units
    numbers: dict[str, float]
    past_before: tuple[str, ...]  # "desde", "seit", "hier", "chegou": the time is past
    # "Until" before a bare day: "até hoje não chegou" (still not here), "bis heute", "hasta
    # mañana!" (see you tomorrow) are not deadlines; "até amanhã às 15h" is.
    until: tuple[str, ...]
    # Words after a weekday name that make it an ordinal: Portuguese "na segunda semana".
    not_after_weekday: tuple[str, ...] = ()
    # A part of the day after a weekday name: "samedi matin", "el viernes por la tarde".
    weekday_parts: dict[str, time] = field(default_factory=dict)
    # Whether "15.30" after a strong preposition is a time ("alle 15.30"); elsewhere a dot needs
    # "Uhr" or a part of the day, since "até 11.01" is as often a date.
    dot_times: bool = False
    closers: tuple[str, ...] = ()  # words that may follow a bare hour after a weak preposition
    compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False)


# After a number: money, percentages, durations and counts, never a clock time.
UNITS_AND_CURRENCY = (
    r"€|\$|£|%|r\$|euros?\b|eur\b|reais\b|d[oó]lar|dollars?\b|prozent|por\s*ciento|pour\s*cent|"
    r"per\s*cento|por\s*cento|st[üu]ck|minut|stund|hora|heure|ore\b|tage\b|d[ií]as?\b|jours?\b|"
    r"giorni|mal\b|veces|vezes|fois\b|volte\b|art[ií]cul|artikel|articl|articoli|itens|person|"
    r"pessoa|euro"
)

SPANISH = Lexicon(
    code="es",
    tokens=frozenset(("las", "la", "mañana", "manana", "hoy", "tarde", "noche", "minutos", "minuto",
                      "hora", "horas", "media", "lunes", "martes", "miércoles", "miercoles",
                      "jueves", "viernes", "sábado", "sabado", "domingo", "mediodía", "mediodia",
                      "medianoche", "días", "dias")),
    by=("antes de las", "antes de la", "hasta las", "hasta la", "para las", "para la",
        "a más tardar a las", "no más tarde de las"),
    at=("a las", "a la", "sobre las", "hacia las"),
    strong=("antes de las", "antes de la", "hasta las", "hasta la", "para las", "para la",
            "a más tardar a las", "no más tarde de las", "a las", "a la", "sobre las",
            "hacia las"),
    noon_preps=("antes del", "antes de", "al", "a", "hasta el", "hasta", "para el", "para",
                "a la"),
    noon={"mediodía": False, "mediodia": False, "medianoche": True},
    hour_words={"una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
                "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12},
    markers_24h=("horas", "h"),
    parts={"de la mañana": False, "de la manana": False, "de la madrugada": False,
           "de la tarde": True, "de la noche": True, "del mediodía": True, "del mediodia": True},
    suffix_fracs={"y media": 30, "y cuarto": 15, "menos cuarto": -15},
    prefix_fracs={},
    days={"pasado mañana": (2, None), "pasado manana": (2, None),
          "mañana por la mañana": (1, _M), "mañana temprano": (1, _M),
          "mañana por la tarde": (1, _A), "mañana por la noche": (1, _N),
          "mañana": (1, None), "manana": (1, None),
          "esta mañana": (0, _M), "esta tarde": (0, _A), "esta noche": (0, _T),
          "hoy por la tarde": (0, _A), "hoy por la noche": (0, _T), "hoy": (0, None)},
    guarded_days={"mañana": ("la ", "esta ", "cada ", "una ", "toda la "),
                  "manana": ("la ", "esta ", "cada ", "una ")},
    weekdays={"lunes": 0, "martes": 1, "miércoles": 2, "miercoles": 2, "jueves": 3,
              "viernes": 4, "sábado": 5, "sabado": 5, "domingo": 6},
    weekday_preps=("el", "para el", "antes del", "hasta el", "este", "el próximo", "el proximo"),
    next_words=("próximo", "proximo", "que viene"),
    day_by=("antes de", "hasta", "para"),
    rel_preps=("en", "dentro de", "en menos de", "en unos", "en unas"),
    half_hours=("media hora",),
    and_half=("y media",),
    units=r"minutos?|mins?|horas?|h|d[ií]as?",
    numbers={"un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
             "diez": 10, "quince": 15, "veinte": 20, "treinta": 30, "cuarenta": 40,
             "cuarenta y cinco": 45, "cincuenta": 50, "sesenta": 60, "noventa": 90},
    past_before=("desde", "hace", "ayer", "anoche", "llevo", "llegó", "llegaron", "recibí",
                 "tardó", "tardaron", "fue", "era", "estuve", "esperé", "llamé", "respondieron",
                 "respondió", "contestaron", "contestó", "entregaron", "entregó"),
    until=("hasta",),
    weekday_parts={"por la mañana": _M, "por la manana": _M, "por la tarde": _A,
                   "por la noche": _N},
)  # fmt: skip

GERMAN = Lexicon(
    code="de",
    tokens=frozenset(("uhr", "um", "bis", "vor", "gegen", "morgen", "übermorgen", "heute", "abend",
                      "minuten", "minute", "stunde", "stunden", "montag", "dienstag", "mittwoch",
                      "donnerstag", "freitag", "samstag", "sonntag", "mittag", "mitternacht",
                      "nachmittag", "vormittag", "spätestens", "tag", "tage", "tagen")),
    by=("bis spätestens", "spätestens um", "spätestens", "bis", "vor"),
    at=("um", "gegen"),
    strong=("um", "spätestens um"),
    noon_preps=("bis", "vor", "um", "gegen", "bis spätestens"),
    noon={"mittag": False, "mitternacht": True},
    hour_words={"eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
                "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12},
    markers_24h=("uhr",),
    parts={"morgens": False, "früh": False, "vormittags": False, "nachmittags": True,
           "abends": True},
    suffix_fracs={},
    prefix_fracs={"halb": -30, "viertel nach": 15, "viertel vor": -15, "dreiviertel": -15},
    days={"übermorgen": (2, None), "morgen früh": (1, _M), "morgen vormittag": (1, _M),
          "morgen nachmittag": (1, _A), "morgen abend": (1, _E), "morgen": (1, None),
          "heute morgen": (0, _M), "heute früh": (0, _M), "heute vormittag": (0, _M),
          "heute nachmittag": (0, _A), "heute abend": (0, _E), "heute nacht": (0, _T),
          "heute": (0, None)},
    guarded_days={"morgen": ("guten ", "heute ", "am ", "jeden ", "einen ", "schönen ",
                             "jeden ")},
    weekdays={"montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4,
              "samstag": 5, "sonnabend": 5, "sonntag": 6},
    weekday_preps=("am", "bis", "bis zum", "vor", "diesen", "kommenden", "nächsten",
                   "am nächsten", "bis nächsten", "bis spätestens"),
    next_words=("nächsten", "nächster", "kommenden"),
    day_by=("bis", "vor", "bis spätestens", "spätestens"),
    rel_preps=("in", "innerhalb von", "innerhalb", "binnen", "in den nächsten", "in weniger als"),
    half_hours=("einer halben stunde", "eine halbe stunde", "halben stunde"),
    and_half=("und eine halbe", "und einer halben"),
    units=r"minuten|minute|min|stunden|stunde|std|tagen|tage|tag",
    numbers={"ein": 1, "eine": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
             "zehn": 10, "fünfzehn": 15, "zwanzig": 20, "dreißig": 30, "dreissig": 30,
             "vierzig": 40, "fünfundvierzig": 45, "fünfzig": 50, "sechzig": 60, "neunzig": 90,
             "anderthalb": 1.5},
    past_before=("seit", "gestern", "vorgestern", "musste", "mussten", "war", "waren", "hatte",
                 "kam", "kamen", "letzte", "letzten"),
    until=("bis",),
    weekday_parts={"früh": _M, "morgen": _M, "vormittag": _M, "nachmittag": _A, "abend": _E},
    closers=("und", "oder", "aber", "weil", "ich", "wir", "bitte", "sonst", "beim", "im", "zu",
             "sein", "da", "dort", "ist", "muss"),
)  # fmt: skip

FRENCH = Lexicon(
    code="fr",
    tokens=frozenset(("demain", "après-demain", "apres-demain", "aujourd'hui", "soir", "matin",
                      "midi", "minuit", "heure", "heures", "avant", "à", "vers", "jusqu'à",
                      "jusqu'a", "d'ici", "dans", "demi-heure", "lundi", "mardi", "mercredi",
                      "jeudi", "vendredi", "samedi", "dimanche", "après-midi", "pour")),
    by=("avant", "d'ici", "jusqu'à", "jusqu'a", "au plus tard à", "pour"),
    at=("à", "vers"),
    strong=(),
    noon_preps=("avant", "à", "vers", "jusqu'à", "d'ici", "pour"),
    noon={"midi": False, "minuit": True},
    hour_words={"une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
                "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12},
    markers_24h=("heures", "heure", "h"),
    parts={"du matin": False, "de l'après-midi": True, "de l'apres-midi": True, "du soir": True},
    suffix_fracs={"et demie": 30, "et quart": 15, "moins le quart": -15, "moins quart": -15},
    prefix_fracs={},
    days={"après-demain": (2, None), "apres-demain": (2, None), "après demain": (2, None),
          "demain matin": (1, _M), "demain après-midi": (1, _A), "demain soir": (1, _E),
          "demain": (1, None), "ce matin": (0, _M), "cet après-midi": (0, _A),
          "cet apres-midi": (0, _A), "ce soir": (0, _T), "aujourd'hui": (0, None)},
    guarded_days={},
    weekdays={"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
              "dimanche": 6},
    weekday_preps=("avant", "d'ici", "pour", "jusqu'à", "ce", "dès"),
    next_words=("prochain",),
    day_by=("avant", "d'ici", "pour", "jusqu'à", "à"),
    rel_preps=("dans", "d'ici", "en moins de", "sous"),
    half_hours=("une demi-heure", "une demi heure", "une demie heure"),
    and_half=("et demie",),
    units=r"minutes?|mins?|heures?|h|jours?",
    numbers={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "dix": 10,
             "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40, "quarante-cinq": 45,
             "cinquante": 50, "soixante": 60, "quatre-vingt-dix": 90},
    past_before=("depuis", "hier", "il y a", "était", "arrivé", "arrivée", "reçu", "livré",
                 "attendu", "appelé"),
    until=("jusqu'à", "jusqu'a", "à"),
    weekday_parts={"matin": _M, "après-midi": _A, "apres-midi": _A, "soir": _E},
    closers=("et", "ou", "mais", "car", "je", "nous", "sinon", "sil", "s'il", "pile"),
)  # fmt: skip

PORTUGUESE = Lexicon(
    code="pt",
    tokens=frozenset(("amanhã", "amanha", "hoje", "às", "até", "ate", "antes", "noite", "manhã",
                      "tarde", "minutos", "hora", "horas", "meio-dia", "meia", "meia-noite",
                      "segunda", "segunda-feira", "terça", "terça-feira", "terca", "quarta",
                      "quarta-feira", "quinta", "quinta-feira", "sexta", "sexta-feira", "sábado",
                      "sabado", "domingo", "daqui", "em", "ao")),
    by=("até às", "até as", "até a", "até", "ate", "antes das", "antes da", "antes do",
        "antes de", "no máximo às"),
    at=("às", "as", "à", "a partir das"),
    strong=("até às", "até as", "antes das", "antes da", "às", "no máximo às"),
    noon_preps=("ao", "até o", "até ao", "antes do", "até", "antes de", "às"),
    noon={"meio-dia": False, "meio dia": False, "meia-noite": True, "meia noite": True},
    hour_words={"uma": 1, "duas": 2, "três": 3, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
                "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12},
    markers_24h=("horas", "h"),
    parts={"da manhã": False, "da manha": False, "da madrugada": False, "da tarde": True,
           "da noite": True},
    suffix_fracs={"e meia": 30, "e quinze": 15, "e um quarto": 15},
    prefix_fracs={},
    days={"depois de amanhã": (2, None), "depois de amanha": (2, None),
          "amanhã de manhã": (1, _M), "amanhã cedo": (1, _M), "amanhã à tarde": (1, _A),
          "amanhã a tarde": (1, _A), "amanhã à noite": (1, _N), "amanhã": (1, None),
          "amanha": (1, None), "hoje de manhã": (0, _M), "hoje à tarde": (0, _A),
          "hoje a tarde": (0, _A), "esta tarde": (0, _A), "hoje à noite": (0, _T),
          "hoje a noite": (0, _T), "esta noite": (0, _T), "hoje": (0, None)},
    guarded_days={},
    weekdays={"segunda-feira": 0, "segunda": 0, "terça-feira": 1, "terça": 1, "terca": 1,
              "quarta-feira": 2, "quarta": 2, "quinta-feira": 3, "quinta": 3,
              "sexta-feira": 4, "sexta": 4, "sábado": 5, "sabado": 5, "domingo": 6},
    weekday_preps=("na", "no", "até", "ate", "antes de", "antes da", "antes do", "para", "pra",
                   "nesta", "neste", "na próxima", "no próximo"),
    next_words=("próxima", "próximo", "que vem"),
    day_by=("até", "ate", "antes de"),
    rel_preps=("em", "dentro de", "daqui a", "daqui", "em até", "em menos de"),
    half_hours=("meia hora", "meia-hora"),
    and_half=("e meia",),
    units=r"minutos?|mins?|horas?|h|dias?",
    numbers={"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "tres": 3, "quatro": 4,
             "cinco": 5, "dez": 10, "quinze": 15, "vinte": 20, "trinta": 30, "quarenta": 40,
             "quarenta e cinco": 45, "cinquenta": 50, "sessenta": 60, "noventa": 90},
    past_before=("desde", "há", "ha", "ontem", "chegou", "chegaram", "recebi", "recebeu", "veio",
                 "foi", "era", "esperei", "liguei", "durou"),
    until=("até", "ate"),
    not_after_weekday=("semana", "semanas", "vez", "vezes", "parte", "unidade", "tentativa",
                       "opção", "compra", "mão", "via", "aplicação", "geração", "edição", "etapa",
                       "fase", "lavagem", "noite", "dia"),
    weekday_parts={"de manhã": _M, "de manha": _M, "à tarde": _A, "a tarde": _A, "à noite": _N,
                   "a noite": _N},
    closers=("e", "ou", "mas", "porque", "senão", "eu", "por"),
)  # fmt: skip

ITALIAN = Lexicon(
    code="it",
    tokens=frozenset(("domani", "domattina", "dopodomani", "oggi", "stasera", "stamattina",
                      "stamani", "stanotte", "sera", "mattina", "pomeriggio", "alle", "entro",
                      "prima", "fino", "minuti", "ore", "ora", "mezz'ora", "mezzora", "tra", "fra",
                      "lunedì", "lunedi", "martedì", "martedi", "mercoledì", "mercoledi",
                      "giovedì", "giovedi", "venerdì", "venerdi", "sabato", "domenica",
                      "mezzogiorno", "mezzanotte", "verso")),
    by=("entro le ore", "entro le", "entro l'", "entro", "prima delle ore", "prima delle",
        "prima dell'", "prima di", "non oltre le ore", "non oltre le", "fino alle ore",
        "fino alle"),
    at=("alle ore", "alle", "all'", "verso le ore", "verso le", "per le ore", "per le"),
    strong=("entro le ore", "entro le", "prima delle ore", "prima delle", "non oltre le ore",
            "non oltre le", "fino alle ore", "fino alle", "alle ore", "alle", "verso le ore",
            "verso le", "per le ore", "per le"),
    noon_preps=("entro", "prima di", "a", "per", "verso"),
    noon={"mezzogiorno": False, "mezzanotte": True},
    hour_words={"una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7,
                "otto": 8, "nove": 9, "dieci": 10, "undici": 11, "dodici": 12},
    markers_24h=(),
    parts={"di mattina": False, "del mattino": False, "della mattina": False,
           "del pomeriggio": True, "di pomeriggio": True, "di sera": True, "della sera": True,
           "di notte": True},
    suffix_fracs={"e mezza": 30, "e mezzo": 30, "e un quarto": 15, "e quarto": 15,
                  "meno un quarto": -15, "meno un quarto di": -15},
    prefix_fracs={},
    days={"dopodomani": (2, None), "domani mattina": (1, _M), "domattina": (1, _M),
          "domani pomeriggio": (1, _A), "domani sera": (1, _E), "domani": (1, None),
          "stamattina": (0, _M), "stamani": (0, _M), "questa mattina": (0, _M),
          "oggi pomeriggio": (0, _A), "questo pomeriggio": (0, _A), "stasera": (0, _T),
          "questa sera": (0, _T), "stanotte": (0, _T), "oggi": (0, None)},
    guarded_days={},
    weekdays={"lunedì": 0, "lunedi": 0, "martedì": 1, "martedi": 1, "mercoledì": 2,
              "mercoledi": 2, "giovedì": 3, "giovedi": 3, "venerdì": 4, "venerdi": 4,
              "sabato": 5, "domenica": 6},
    weekday_preps=("entro", "prima di", "per", "di", "il", "questo", "questa"),
    next_words=("prossimo", "prossima"),
    day_by=("entro", "prima di", "per", "a"),
    rel_preps=("tra", "fra", "entro", "nel giro di", "entro i prossimi", "entro le prossime"),
    half_hours=("mezz'ora", "mezzora", "mezza ora"),
    and_half=("e mezza", "e mezzo"),
    units=r"minuti|minuto|min|ore|ora|h|giorni|giorno",
    numbers={"un": 1, "una": 1, "uno": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5,
             "dieci": 10, "quindici": 15, "venti": 20, "trenta": 30, "quaranta": 40,
             "quarantacinque": 45, "cinquanta": 50, "sessanta": 60, "novanta": 90},
    past_before=("da", "dalle", "dal", "ieri", "arrivato", "arrivata", "ricevuto", "era",
                 "aspettato", "chiamato"),
    until=("fino a", "a"),
    dot_times=True,
    weekday_parts={"mattina": _M, "mattino": _M, "pomeriggio": _A, "sera": _E, "notte": _N},
    closers=("e", "o", "ma", "perché", "altrimenti", "ho", "devo"),
)  # fmt: skip

LANGUAGES: dict[str, Lexicon] = {
    lex.code: lex for lex in (SPANISH, GERMAN, FRENCH, PORTUGUESE, ITALIAN)
}
