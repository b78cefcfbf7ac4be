"""French cue lexicons: the families of ``lexicon.py`` for customers writing in French.

Written without accents (matching folds them away: "resilier", "deja"); an apostrophe is optional
as in English ("j'en ai marre" also matches "jen ai marre"). Weights follow the English ones.
"""

from __future__ import annotations

from kairos.detection.lexicon import Family

#: Words that turn a following cue around ("pas urgent", "jamais en colere").
NEGATION = r"\b(?:pas|jamais|sans|aucun(?:e)?|ni)"

EMOTION: Family = {
    "anger": (
        ("furieu(?:x|se)", 0.85),
        ("en colere", 0.7),
        ("enerve(?:e)?s?", 0.6),
        ("enrage(?:e)?s?", 0.8),
        ("scandaleu(?:x|se)|(?:c'est )?un scandale", 0.7),
        ("inadmissible|inacceptable|intolerable", 0.7),
        ("honteu(?:x|se)|une honte", 0.65),
        ("lamentable|pitoyable|minable", 0.6),
        ("ridicule", 0.55),
        ("incompetent(?:e|s|es)?", 0.7),
        ("horrible|affreu(?:x|se)|catastrophique", 0.6),
        ("arnaque(?:s|r)?", 0.6),
        ("degoute(?:e)?s?", 0.7),
        ("impoli(?:e)?s?|malpoli(?:e)?s?|desagreable|grossier(?:e)?s?", 0.55),
        ("(?:se )?foutent? de (?:moi|nous)|foutage de gueule", 0.75),
    ),
    "frustration": (
        ("j'en ai marre|ras le bol|marre", 0.7),
        ("agace(?:e)?|agacant", 0.45),
        ("frustre(?:e)?|frustrant(?:e)?", 0.6),
        ("toujours (?:rien|pas|aucune|aucun)", 0.45),
        ("personne ne (?:repond|m'aide|rappelle)", 0.6),
        ("en attente depuis", 0.5),
        ("(?:\\d+|une|deux|trois) heures? (?:d'attente|au telephone|en attente)", 0.55),
        ("perte de temps", 0.55),
        ("mecontent(?:e)?s?|pas content(?:e)?", 0.5),
        ("encore une fois", 0.4),
        # Sarcasm that hides a complaint: "super, encore une heure d'attente".
        ("(?:super|genial|parfait|bravo|formidable),? (?:encore|une fois de plus)", 0.6),
    ),
    "distress": (
        ("desespere(?:e)?s?", 0.75),
        ("(?:je )?ne sais (?:plus )?(?:pas )?quoi faire", 0.7),
        ("aidez moi", 0.55),
        ("en larmes|je pleure", 0.75),
        ("angoisse(?:e)?s?", 0.7),
        ("stresse(?:e)?s?", 0.6),
        ("cauchemar", 0.65),
        ("panique", 0.7),
    ),
    "fear": (
        ("inquiet(?:e)?s?|inquietude", 0.55),
        ("peur", 0.6),
    ),
    "disappointment": (
        ("decu(?:e)?s?|decevant(?:e)?|deception", 0.55),
        ("(?:plus|perdu) confiance", 0.6),
        ("triste", 0.45),
    ),
    "profanity": (
        ("putain", 0.75),
        ("merde", 0.7),
        ("bordel", 0.6),
        ("connards?|abrutis?|idiots?", 0.75),
    ),
    "relief": (
        ("merci beaucoup|merci infiniment|mille mercis", -0.35),
        ("parfait", -0.25),
        ("soulage(?:e)?s?", -0.45),
        ("probleme (?:resolu|regle)", -0.45),
    ),
}

URGENCY: Family = {
    "urgent": (
        ("urgent(?:e|s|es)?|urgence", 0.7),
        ("le plus vite possible|au plus vite|des que possible", 0.6),
        ("immediatement|tout de suite|sur le champ", 0.6),
        ("(?:je )?ne peux pas attendre", 0.6),
        ("pas le temps", 0.5),
        ("(?:je vais|on va) rater (?:mon|le|ma|notre) (?:vol|train|correspondance|avion)", 0.7),
        ("bloque(?:e)?s? (?:a l'aeroport|a la gare)", 0.7),
        ("(?:l'embarquement|la porte) (?:d'embarquement )?(?:ferme|est dans)", 0.6),
        ("ce soir", 0.35),
        ("aujourd'hui", 0.25),
    ),
    "calm": (
        ("pas urgent|rien d'urgent|pas presse", -0.6),
        ("quand vous (?:pourrez|aurez le temps)", -0.5),
        ("simple question|juste une question|par curiosite", -0.4),
    ),
}

STAKES_LEX: Family = {
    "travel_disruption": (
        (
            "(?:vol|train|avion|correspondance)s? (?:\\w+ )?(?:a ete |est |etait )?annule(?:e)?s?",
            0.85,
        ),
        ("(?:ont|a) annule (?:mon|le|notre) (?:vol|train)", 0.85),
        ("(?:vol|train|avion)s? (?:\\w+ )?(?:est |a ete )?(?:retarde|en retard)", 0.6),
        ("retard de (?:\\d+|deux|trois|quatre|cinq|plusieurs) heures", 0.7),
        ("(?:rate|manque|loupe) (?:ma|la|notre|mon) (?:correspondance|vol|train)", 0.8),
        ("(?:bloque|coince)(?:e)?s? a l'aeroport", 0.75),
        ("surbooking|surreservation", 0.65),
        ("refus d'embarquement|refuse(?:e)? a l'embarquement", 0.75),
        (
            "(?:valise|bagage)s? (?:\\w+ )?(?:perdue?s?|egaree?s?|n'est (?:toujours )?pas arrivee?s?|toujours pas arrivee?s?)",
            0.6,
        ),
    ),
    "money_lost": (
        ("(?:debite|preleve)(?:e)?s? deux fois|double (?:prelevement|debit)", 0.65),
        ("(?:carte|portefeuille|telephone) (?:\\w+ )?vole(?:e)?|on m'a vole", 0.8),
        ("argent (?:a )?disparu", 0.8),
        ("(?:je )?ne peux pas payer", 0.6),
        ("rembourse(?:ment|r)?", 0.35),
        (
            "(?:colis|commande|livraison) (?:\\w+ )?(?:perdue?|jamais (?:arrivee?|recue?)|pas (?:arrivee?|recue?))",
            0.6,
        ),
        ("loyer|salaire", 0.45),
    ),
    "fraud": (
        ("fraude|frauduleu(?:x|se)", 0.85),
        ("escroquerie|escroc", 0.75),
        ("usurpation d'identite", 0.9),
        ("pirate(?:e)?|hacke(?:e)?", 0.7),
        (
            "(?:je )?ne reconnais pas (?:ce|cette|ces) (?:paiement|prelevement|achat|operation|transaction)s?",
            0.8,
        ),
        ("non autorise(?:e)?s?", 0.8),
        ("quelqu'un a utilise", 0.7),
    ),
    "health": (
        ("hopital", 0.7),
        ("urgences", 0.7),
        ("ambulance|samu", 0.8),
        ("operation|chirurgie", 0.55),
        ("cancer|chimio(?:therapie)?", 0.8),
        ("crise cardiaque|infarctus|avc", 0.85),
        ("medicaments?|insuline|ordonnance", 0.55),
        ("enceinte", 0.5),
        ("fauteuil roulant|handicap(?:e)?", 0.5),
        ("malade", 0.45),
        ("blesse(?:e)?s?", 0.6),
        ("medecin", 0.4),
    ),
    "bereavement": (
        ("decede(?:e)?|deces", 0.9),
        ("est mort(?:e)?", 0.85),
        ("en deuil", 0.8),
    ),
    "bereavement+family_event": (("obseques|enterrement|funerailles", 0.85),),
    "family_event": (
        ("mariage", 0.8),
        ("anniversaire", 0.6),
        ("bapteme|communion", 0.7),
        ("lune de miel|voyage de noces", 0.75),
        ("remise de diplome", 0.75),
        ("accouch(?:e|er|ement)", 0.85),
        ("noel", 0.5),
    ),
    "safety": (
        ("danger(?:eu(?:x|se))?", 0.75),
        ("fuite de gaz|odeur de gaz", 0.9),
        (
            "sans (?:electricite|eau|chauffage)|plus (?:d'electricite|de courant|de chauffage|d'eau)",
            0.6,
        ),
        ("menace(?:e|s)?", 0.7),
        ("agresse(?:e)?|harcele(?:e)?|harcelement", 0.8),
        ("seul(?:e)? (?:la nuit|dans le noir)", 0.75),
        ("au bord de la route|sur l'autoroute|bande d'arret d'urgence", 0.6),
    ),
    "insurance_claim": (
        ("accident", 0.75),
        ("sinistre|declaration de sinistre", 0.7),
        ("degats? des eaux|inondation|inonde(?:e)?", 0.65),
        ("incendie", 0.8),
        ("cambriol(?:age|e|ee)", 0.75),
        ("depanneuse|remorqu(?:e|age)", 0.6),
        ("en panne", 0.5),
    ),
    "business_deadline": (
        ("rendez vous (?:tres )?important|reunion (?:importante|avec un client)", 0.7),
        ("presentation (?:importante|client)", 0.7),
        ("date limite|echeance", 0.55),
        ("entretien d'embauche", 0.6),
        ("mon (?:entreprise|magasin|restaurant|commerce)", 0.5),
        ("perdre (?:le|ce|un) (?:client|contrat|marche)", 0.75),
        ("(?:serveur|site) en panne", 0.6),
    ),
    "first_time": (("premiere fois que je (?:me plains|reclame|appelle)", 0.7),),
}

CHURN: Family = {
    "cancel": (
        ("resili(?:er|e|ation)", 0.75),
        ("(?:fermer|cloturer) (?:mon|le) compte", 0.8),
        ("(?:annuler|arreter) (?:mon |l')abonnement", 0.75),
        ("(?:je veux|je vais) annuler", 0.5),
    ),
    "switch": (
        ("(?:passer|aller|partir) (?:chez|a) la concurrence|chez un concurrent", 0.8),
        ("changer (?:d'operateur|de banque|de fournisseur|d'assurance|de compagnie)", 0.75),
    ),
    "leaving": (
        ("plus jamais|jamais plus", 0.8),
        ("la derniere fois que (?:je|j')", 0.85),
        ("perdu un client", 0.85),
        ("avocat|porter plainte|mediateur|que choisir", 0.6),
        ("avis negatif", 0.45),
    ),
    "tenure": (
        ("client(?:e)? depuis (?:plus de )?(?:\\d+|dix|vingt|quinze|nombreuses) ans", 0.55),
        ("client(?:e)? fidele", 0.45),
    ),
}

COMPLEXITY: Family = {
    "repeat": (
        ("la (?:deuxieme|troisieme|quatrieme|cinquieme|\\d+e) fois", 0.8),
        ("(?:je vous l'ai|je l'ai) deja (?:dit|explique)|deja explique", 0.65),
        ("(?:appele|ecrit|relance) (?:\\d+|deux|trois|quatre|cinq|plusieurs) fois", 0.75),
        ("toujours pas (?:resolu|regle|repare)", 0.6),
        ("(?:le )?meme probleme", 0.6),
        ("(?:on m'avait|vous m'aviez) promis", 0.5),
        ("numero de (?:dossier|ticket|reclamation)", 0.35),
    ),
    "transfer": (
        ("(?:transfere|renvoye|balade)(?:e)? d'un service a l'autre", 0.65),
        ("un autre service", 0.5),
    ),
    "multi_issue": (
        ("en plus|de plus", 0.3),
        ("un autre probleme", 0.45),
    ),
    "policy_exception": (
        ("parler (?:a|avec) (?:un |le |votre )?(?:responsable|superieur|manager)", 0.55),
        ("dedommagement|indemnisation|compensation|geste commercial", 0.45),
        ("exception", 0.6),
    ),
}

AGENT: Family = {
    "blame": (
        ("c'est (?:de )?votre faute|c'est votre probleme", 0.85),
        ("ce n'est pas (?:de )?notre faute|ce n'est pas notre probleme", 0.85),
        ("(?:je ne peux|on ne peut|nous ne pouvons) rien (?:faire|pour vous)", 0.75),
        ("calmez vous", 0.6),
        ("vous auriez du (?:lire|verifier)", 0.7),
        ("comme je (?:vous l'ai )?(?:deja )?dit", 0.4),
    ),
    "ownership": (
        (
            "(?:je suis )?(?:vraiment |sincerement )?desole(?:e)?|toutes nos excuses|je m'excuse|nous nous excusons",
            -0.35,
        ),
        ("je m'en occupe(?: personnellement)?|laissez moi faire", -0.6),
        ("j'ai (?:rembourse|rectifie|corrige|reserve)", -0.55),
    ),
}
