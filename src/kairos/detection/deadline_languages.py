"""Deadlines said in Spanish, German, French, Portuguese and Italian.

Each language is a lexicon (its prepositions, day words, parts of the day, weekdays, units and
number words) from which the same three pattern families as English are compiled once:

- clock times after a preposition, with a day before or after ("mañana a las 15:00", "bis morgen
  15 Uhr", "avant 19h", "até amanhã às 15h", "entro le 19", "um halb 8 heute Abend");
- days and parts of days ("pasado mañana", "morgen früh", "ce soir", "hoje à tarde", "entro
  venerdì");
- durations ahead ("en 40 minutos", "in 40 Minuten", "dans une demi-heure", "daqui a 2 horas",
  "tra quaranta minuti").

Resolution (what a day or an ambiguous hour means, what happens to a time already past) is the
English finder's (``kairos.detection.deadlines``), so every language follows one policy. A
language's patterns run only when one of its marker words occurs in the text, so an English
utterance pays one split and one set test.

Conventions: a time written with "Uhr", "h" or "heures" is read on the 24-hour clock ("7 Uhr" is
07:00); "a las 7" with no part of the day is ambiguous and resolved like English "at 7".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from kairos.detection import deadlines as core

__all__ = ["LANGUAGES", "Lexicon", "foreign_deadlines", "languages_in"]

_M, _A, _E, _T, _N = core.MORNING, core.AFTERNOON, core.EVENING, core.TONIGHT, core.NIGHT


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of literal phrases, longest first, any run of spaces between words."""
    escaped = {re.escape(w).replace(r"\ ", r"\s+") for w in words}
    return "|".join(sorted(escaped, key=len, reverse=True))


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
    past_before: tuple[str, ...]  # "desde", "seit", "hier": the time is past
    closers: tuple[str, ...] = ()  # words that may follow a bare hour after a weak preposition
    compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False)


_SHARED_UNITS_CURRENCY = (
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
                      "medianoche")),
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
    past_before=("desde", "hace", "ayer", "anoche", "llevo"),
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
    past_before=("seit", "gestern", "vorgestern"),
    closers=("und", "oder", "aber", "weil", "ich", "wir", "bitte", "sonst", "beim", "im", "zu",
             "sein", "da", "dort", "ist", "muss"),
)  # fmt: skip

FRENCH = Lexicon(
    code="fr",
    tokens=frozenset(("demain", "après-demain", "apres-demain", "aujourd'hui", "soir", "matin",
                      "midi", "minuit", "heure", "heures", "avant", "à", "vers", "jusqu'à",
                      "jusqu'a", "d'ici", "dans", "demi-heure", "lundi", "mardi", "mercredi",
                      "jeudi", "vendredi", "samedi", "dimanche", "après-midi")),
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
    day_by=("avant", "d'ici", "pour", "jusqu'à"),
    rel_preps=("dans", "d'ici", "en moins de", "sous"),
    half_hours=("une demi-heure", "une demi heure", "une demie heure"),
    and_half=("et demie",),
    units=r"minutes?|mins?|heures?|h|jours?",
    numbers={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "dix": 10,
             "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40, "quarante-cinq": 45,
             "cinquante": 50, "soixante": 60, "quatre-vingt-dix": 90},
    past_before=("depuis", "hier", "il y a"),
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
    past_before=("desde", "há", "ha", "ontem"),
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
    by=("entro le", "entro l'", "entro", "prima delle", "prima dell'", "prima di",
        "non oltre le", "fino alle"),
    at=("alle", "all'", "verso le", "per le"),
    strong=("entro le", "prima delle", "non oltre le", "fino alle", "alle", "verso le",
            "per le"),
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
    day_by=("entro", "prima di", "per"),
    rel_preps=("tra", "fra", "entro", "nel giro di", "entro i prossimi", "entro le prossime"),
    half_hours=("mezz'ora", "mezzora", "mezza ora"),
    and_half=("e mezza", "e mezzo"),
    units=r"minuti|minuto|min|ore|ora|h|giorni|giorno",
    numbers={"un": 1, "una": 1, "uno": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5,
             "dieci": 10, "quindici": 15, "venti": 20, "trenta": 30, "quaranta": 40,
             "quarantacinque": 45, "cinquanta": 50, "sessanta": 60, "novanta": 90},
    past_before=("da", "dalle", "dal", "ieri"),
    closers=("e", "o", "ma", "perché", "altrimenti", "ho", "devo"),
)  # fmt: skip

LANGUAGES: dict[str, Lexicon] = {
    lex.code: lex for lex in (SPANISH, GERMAN, FRENCH, PORTUGUESE, ITALIAN)
}


def _day_expr(lex: Lexicon) -> str:
    """A day phrase (no named groups, for embedding): 'pasado mañana', 'am Montag', 'ce soir'."""
    plain = [d for d in lex.days if d not in lex.guarded_days]
    guarded = [
        "".join(f"(?<!{re.escape(g)})" for g in guards) + re.escape(word)
        for word, guards in lex.guarded_days.items()
    ]
    weekday = (
        r"(?:(?:" + _alt(lex.weekday_preps) + r")\s+)?(?:(?:" + _alt(lex.next_words) + r")\s+)?"
        r"(?:" + _alt(lex.weekdays) + r")(?:\s+(?:" + _alt(lex.next_words) + r"))?"
    )
    return r"(?:" + _alt(plain) + r"|" + "|".join(guarded or ["(?!)"]) + r"|" + weekday + r")"


def _compile(lex: Lexicon) -> dict[str, re.Pattern[str]]:
    """The language's patterns, compiled once."""
    day = _day_expr(lex)
    hour = r"\d{1,2}|" + _alt(lex.hour_words)
    markers = r"(?<=\d)h|\s*(?:" + _alt(lex.markers_24h) + r")" if lex.markers_24h else "(?!)"
    after_hour = (
        r"(?:(?P<sep>[:.]|(?<=\d)h|\s*uhr\s*)(?P<m>[0-5]\d)(?P<uhr>\s*uhr)?|(?P<hh>"
        + markers
        + r"))"
    )
    pfrac = r"(?:(?P<pfrac>" + (_alt(lex.prefix_fracs) or "(?!)") + r")\s+)?"
    sfrac = r"(?:\s+(?P<sfrac>" + (_alt(lex.suffix_fracs) or "(?!)") + r"))?"
    closers = _alt(lex.closers) if lex.closers else "(?!)"
    explicit_end = r"(?![\w:'-]|[.,/]\d)"
    weak_end = (
        r"(?=\s*(?:$|[!?;)]|[.,:\-](?!\d)|(?:"
        + _alt(lex.parts)
        + r"|"
        + day
        + r"|"
        + closers
        + r")\b))"
    )
    no_units = r"(?!\s*(?:" + _SHARED_UNITS_CURRENCY + r"))"
    weak = _alt(p for p in lex.by + lex.at if p not in lex.strong) or "(?!)"
    clock = (
        r"\b(?:(?P<pre>" + day + r")\s*,?\s+)?"
        r"(?:(?:(?P<sprep>" + _alt(lex.strong or ("(?!)",)) + r")|(?P<wprep>" + weak + r"))\s+"
        r"(?:(?P<mid>" + day + r")\s+(?:(?:" + _alt(lex.at) + r")\s+)?)?"
        r"(?:"
        + pfrac
        + r"(?P<h>"
        + hour
        + r")"
        + after_hour
        + r"?"
        + no_units
        + sfrac
        + r"(?:\s+(?P<part>"
        + _alt(lex.parts)
        + r"))?"
        r"|(?P<noon>" + _alt(lex.noon) + r"))"
        r"|(?P<nprep>" + _alt(lex.noon_preps) + r")\s+(?P<noon2>" + _alt(lex.noon) + r"))"
        r"(?:\s*,?\s*(?P<post>" + day + r"))?"
        r"(?(m)"
        + explicit_end
        + r"|(?(hh)"
        + explicit_end
        + r"|(?(part)"
        + explicit_end
        + r"|(?(sfrac)"
        + explicit_end
        + r"|(?(noon)"
        + explicit_end
        + r"|(?(noon2)"
        + explicit_end
        + r"|(?(sprep)"
        + explicit_end
        + r"|"
        + weak_end
        + explicit_end
        + r")))))))"
    )
    # A bare hour with "Uhr" and no preposition: "morgen 15 Uhr".
    bare = (
        r"\b(?:(?P<pre>" + day + r")\s+)?(?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?(?P<uhr>\s*uhr)\b"
        if "uhr" in lex.markers_24h
        else r"(?!)"
    )
    days = r"\b(?:(?P<prep>" + _alt(lex.day_by) + r")\s+)?(?P<day>" + day + r")(?![\w'-])"
    num = r"\d+(?:[.,]\d+)?|" + _alt(lex.numbers)
    relative = (
        r"\b(?P<prep>" + _alt(lex.rel_preps) + r")\s+"
        r"(?:(?P<half>" + _alt(lex.half_hours) + r")|(?P<num>" + num + r")\s*"
        r"(?P<unit>" + lex.units + r")(?P<and_half>\s+(?:" + _alt(lex.and_half) + r"))?)"
        r"(?![\w'-])"
    )
    # "gestern um 15 Uhr", "desde las 7", "ontem às 15h": one word may sit in between.
    past = r"\b(?:" + _alt(lex.past_before) + r")(?:\s+[\w']+)?\s*$"
    return {
        "clock": re.compile(clock),
        "bare": re.compile(bare),
        "day": re.compile(days),
        "relative": re.compile(relative),
        "past": re.compile(past),
    }


for _lex in LANGUAGES.values():
    _lex.compiled.update(_compile(_lex))


def _norm(phrase: str) -> str:
    return " ".join(phrase.split())


def _resolve_day_phrase(
    lex: Lexicon, phrase: str, today: date
) -> tuple[date, time | None, bool | None, bool]:
    """(day, part-of-day wall time, pm hint, whether it is a weekday) of a day phrase."""
    norm = _norm(phrase)
    found = lex.days.get(norm)
    if found is not None:
        offset, part = found
        pm = None if part is None else part != core.MORNING
        return today + timedelta(days=offset), part, pm, False
    weekday = None
    for word, index in lex.weekdays.items():
        if re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w])", norm):
            weekday = index
            break
    if weekday is None:  # a phrase that ends in a day word: "bis morgen" stripped elsewhere
        for word, (offset, part) in lex.days.items():
            if norm.endswith(word):
                pm = None if part is None else part != core.MORNING
                return today + timedelta(days=offset), part, pm, False
        return today, None, None, False
    strictly = any(w in norm for w in lex.next_words)
    return core._next_weekday(today, weekday, strictly_after=strictly), None, None, True


def _past(lex: Lexicon, low: str, start: int) -> bool:
    return lex.compiled["past"].search(low, max(0, start - 25), start) is not None


def _wall(lex: Lexicon, m: re.Match[str], pm_hint: bool | None) -> tuple[time, bool] | None:
    """The wall time of a clock match and whether its am/pm is ambiguous."""
    h = m.group("h")
    hour = int(h) if h.isdigit() else lex.hour_words[_norm(h)]
    minute = int(m.group("m") or 0)
    if hour > 24 or (hour == 24 and minute):
        return None
    hour %= 24
    part = m.groupdict().get("part")
    if part:
        pm_hint = lex.parts[_norm(part)]
    for name, table in (("pfrac", lex.prefix_fracs), ("sfrac", lex.suffix_fracs)):
        frac = m.groupdict().get(name)
        if frac:
            if minute or hour > 12:
                return None
            offset = table[_norm(frac)]
            if offset < 0:
                hour, minute = (hour - 1) % 12 or 12, 60 + offset
            else:
                minute = offset
    sep = (m.groupdict().get("sep") or "").strip()
    twenty_four = bool(m.groupdict().get("hh") or m.groupdict().get("uhr")) or sep in ("h", "uhr")
    if pm_hint is True and hour < 12:
        hour += 12
    elif pm_hint is False and hour == 12:
        hour = 0
    ambiguous = pm_hint is None and not twenty_four and 1 <= hour <= 12
    return time(hour, minute), ambiguous


def _clock(
    lex: Lexicon, text: str, low: str, now: datetime, zone: tzinfo
) -> list[core.DeadlineMatch]:
    out: list[core.DeadlineMatch] = []
    today = now.date()
    for pattern in (lex.compiled["clock"], lex.compiled["bare"]):
        for m in pattern.finditer(low):
            if m.start() == m.end() or _past(lex, low, m.start()):
                continue
            groups = m.groupdict()
            anchor = groups.get("pre") or groups.get("mid") or groups.get("post")
            day, _, pm, _ = (
                _resolve_day_phrase(lex, anchor, today) if anchor else (today, None, None, False)
            )
            noon = groups.get("noon") or groups.get("noon2")
            if noon:
                midnight = lex.noon[_norm(noon)]
                wall, ambiguous = (time(0, 0) if midnight else time(12, 0)), False
                noon_word: str | None = "midnight" if midnight else "noon"
            else:
                h = groups.get("h")
                if h is None:
                    continue
                strong = groups.get("sprep") is not None
                if (
                    not h.isdigit()
                    and anchor is None
                    and not (groups.get("part") or groups.get("hh") or strong)
                ):
                    continue  # a number word is an hour only with a day, a part or "las"
                resolved_wall = _wall(lex, m, pm)
                if resolved_wall is None:
                    continue
                wall, ambiguous = resolved_wall
                noon_word = None
            prep = groups.get("sprep") or groups.get("wprep") or groups.get("nprep")
            if prep is None:
                conf = core._CONF_BARE
            else:
                conf = core._CONF_BY if _norm(prep) in lex.by else core._CONF_AT
            res = core._resolve_clock(day, wall, ambiguous, anchor is None, now, zone, noon_word)
            if res is None:
                continue
            out.append(
                core.DeadlineMatch(
                    at=res[0],
                    text=text[m.start() : m.end()],
                    start=m.start(),
                    end=m.end(),
                    kind="clock",
                    confidence=round(conf * (core._ROLLED_FACTOR if res[1] else 1.0), 3),
                )
            )
    return out


def _days(
    lex: Lexicon, text: str, low: str, now: datetime, zone: tzinfo
) -> list[core.DeadlineMatch]:
    out: list[core.DeadlineMatch] = []
    today = now.date()
    for m in lex.compiled["day"].finditer(low):
        if _past(lex, low, m.start()):
            continue
        phrase = m.group("day")
        day, part, _, weekday = _resolve_day_phrase(lex, phrase, today)
        norm = _norm(phrase)
        bare_weekday = weekday and norm in lex.weekdays
        if bare_weekday and not m.group("prep"):
            continue  # "el martes" is a day; "martes" alone is as often a day told about
        if part is not None:
            wall = part
        elif day == today and not weekday:
            if not m.group("prep"):
                continue  # "hoy" alone is not a deadline; "hasta hoy" is
            wall = core.END_OF_DAY
        else:
            wall = core.DAY_START
        when = core._at(day, wall, zone)
        if when <= now:
            continue
        out.append(
            core.DeadlineMatch(
                when, text[m.start() : m.end()], m.start(), m.end(), "day", core._CONF_DAY
            )
        )
    return out


def _relative(
    lex: Lexicon, text: str, low: str, now: datetime, zone: tzinfo
) -> list[core.DeadlineMatch]:
    out: list[core.DeadlineMatch] = []
    for m in lex.compiled["relative"].finditer(low):
        if _past(lex, low, m.start()):
            continue
        if m.group("half"):
            minutes = 30.0
        else:
            raw = _norm(m.group("num"))
            amount = float(raw.replace(",", ".")) if raw[0].isdigit() else lex.numbers[raw]
            if m.group("and_half"):
                amount += 0.5
            unit = m.group("unit")
            per = 1.0 if unit.startswith("m") else 1440.0 if unit[0] in "dtjg" else 60.0
            minutes = amount * per
        if minutes <= 0 or minutes > 60 * 24 * 14:
            continue
        out.append(
            core.DeadlineMatch(
                at=(now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone),
                text=text[m.start() : m.end()],
                start=m.start(),
                end=m.end(),
                kind="relative",
                confidence=core._CONF_RELATIVE,
            )
        )
    return out


# A marker word as it may stand in ``str.split()`` output: bare, or with one punctuation mark
# against it ("mañana?", "¿mañana", "(demain)"). Checking these beats cleaning the text first.
_AFTER, _BEFORE = (".", ",", ";", ":", "!", "?", ")", "..."), ("¿", "¡", "(")
_WORDS: dict[str, frozenset[str]] = {
    code: lex.tokens
    | {t + p for t in lex.tokens for p in _AFTER}
    | {p + t for t in lex.tokens for p in _BEFORE}
    for code, lex in LANGUAGES.items()
}
_ANY_WORD = frozenset().union(*_WORDS.values())


def languages_in(low: str, code: str | None = None) -> list[Lexicon]:
    """The languages (``code`` only, when given) one of whose marker words occurs in ``low``.

    One split and a set test: far cheaper than a substring test per marker.
    """
    words = low.split()
    if _ANY_WORD.isdisjoint(words):
        return []
    codes = LANGUAGES if code is None else (code,) if code in LANGUAGES else ()
    return [LANGUAGES[c] for c in codes if not _WORDS[c].isdisjoint(words)]


def foreign_deadlines(
    text: str, low: str, now: datetime, zone: tzinfo, languages: Iterable[Lexicon]
) -> list[core.DeadlineMatch]:
    """Deadlines in the given languages (see :func:`languages_in`)."""
    out: list[core.DeadlineMatch] = []
    for lex in languages:
        relative = _relative(lex, text, low, now, zone)
        spans = {(r.start, r.end) for r in relative}
        # "d'ici 2 heures" reads as a clock time and as a duration: the duration wins.
        out += [c for c in _clock(lex, text, low, now, zone) if (c.start, c.end) not in spans]
        out += _days(lex, text, low, now, zone)
        out += relative
    return out
