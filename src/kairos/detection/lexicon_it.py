"""Italian cue lexicons: the families of ``lexicon.py`` for customers writing in Italian.

Written without accents (matching folds them away: "perche", "gia"). Weights follow the English
ones for the same kind of evidence.
"""

from __future__ import annotations

from kairos.detection.lexicon import Family

#: Words that turn a following cue around ("non e urgente", "mai arrabbiato").
NEGATION = r"\b(?:non|mai|senza|nessun[oa]?)"

EMOTION: Family = {
    "anger": (
        ("furios[oaie]", 0.85),
        ("arrabbiat[oaie]", 0.7),
        ("incazzat[oaie]", 0.8),
        ("indignat[oaie]", 0.75),
        ("inaccettabile|inammissibile", 0.7),
        ("(?:una )?vergogna|vergognos[oa]", 0.65),
        ("ridicol[oa]", 0.55),
        ("pessim[oaie]|orribile|terribile", 0.6),
        ("(?:fa )?schifo|schifos[oa]", 0.75),
        ("scandalo|scandalos[oa]", 0.7),
        ("incompetenti?", 0.7),
        ("inutili?", 0.55),
        ("truffa(?:t[oaie])?", 0.6),
        ("maleducat[oaie]|scortes[ie]", 0.55),
        ("(?:presi|preso|presa) in giro|prendete in giro", 0.7),
    ),
    "frustration": (
        ("frustrat[oaie]|frustrante", 0.6),
        ("stuf[oaie]", 0.7),
        ("ne ho abbastanza|sono stanc[oa]", 0.6),
        ("ancora (?:niente|nulla|non)", 0.45),
        ("nessuno (?:mi )?(?:aiuta|risponde|richiama)", 0.6),
        ("tempo perso|perdita di tempo", 0.55),
        ("in attesa da", 0.5),
        ("(?:\\d+|due|tre) ore (?:di attesa|al telefono|in attesa)", 0.55),
        ("insoddisfatt[oaie]", 0.5),
        ("seccat[oa]|infastidit[oa]", 0.45),
        # Sarcasm that hides a complaint: "perfetto, un'altra ora di attesa".
        (
            "(?:ottimo|perfetto|fantastico|complimenti|bene),? (?:un'altra|un altro|altre|altri|ancora)",
            0.6,
        ),
    ),
    "distress": (
        ("disperat[oaie]", 0.75),
        ("non so (?:piu )?cosa fare", 0.7),
        ("aiutatemi|aiuto", 0.55),
        ("in lacrime|sto piangendo", 0.75),
        ("angosciat[oa]", 0.75),
        ("stressat[oa]", 0.6),
        ("incubo", 0.65),
        ("panico", 0.7),
    ),
    "fear": (
        ("preoccupat[oaie]", 0.55),
        ("paura", 0.6),
    ),
    "disappointment": (
        ("delus[oaie]|deludente|delusione", 0.55),
        ("(?:ho )?perso (?:la )?fiducia", 0.6),
        ("triste", 0.45),
    ),
    "profanity": (
        ("cazzo|vaffanculo", 0.8),
        ("merda", 0.75),
        ("idioti?|deficienti?", 0.7),
        ("porca (?:miseria|puttana)", 0.6),
    ),
    "relief": (
        ("grazie mille|grazie infinite", -0.35),
        ("perfetto", -0.25),
        ("sollevat[oa]", -0.45),
        ("problema risolto", -0.45),
    ),
}

URGENCY: Family = {
    "urgent": (
        ("urgente(?:mente)?|urgenza", 0.7),
        ("il prima possibile|al piu presto|quanto prima", 0.6),
        ("emergenza", 0.8),
        ("subito|immediatamente", 0.6),
        ("non posso aspettare", 0.6),
        ("(?:perdo|perdero|sto per perdere) (?:il|la) (?:volo|treno|coincidenza)", 0.7),
        ("bloccat[oaie] in aeroporto", 0.7),
        ("stasera", 0.35),
        ("oggi stesso", 0.4),
        ("oggi", 0.25),
    ),
    "calm": (
        ("nessuna fretta|senza fretta|non e urgente|con calma", -0.6),
        ("quando (?:potete|puo|avete tempo)", -0.5),
        ("solo una domanda|per curiosita", -0.4),
    ),
}

STAKES_LEX: Family = {
    "travel_disruption": (
        (
            "(?:volo|voli|treno|treni|aereo|coincidenza) (?:\\w+ )?(?:e stato |e |sono stati )?cancellat[oaie]",
            0.85,
        ),
        ("hanno cancellato (?:il )?(?:mio |nostro )?(?:volo|treno)", 0.85),
        ("(?:volo|treno) (?:\\w+ )?in ritardo", 0.6),
        ("ritardo di (?:\\d+|due|tre|quattro|cinque|diverse) ore", 0.7),
        ("(?:ho|abbiamo) perso (?:la|il) (?:coincidenza|volo|treno)", 0.8),
        ("bloccat[oaie] (?:in|all'|nell')aeroporto", 0.75),
        ("overbooking", 0.65),
        ("negato l'imbarco", 0.75),
        (
            "(?:valigia|bagaglio|bagagli) (?:\\w+ )?(?:smarrit[oaie]|pers[oaie]|non e arrivat[oa])",
            0.6,
        ),
    ),
    "money_lost": (
        ("addebitat[oaie] due volte|doppio addebito", 0.65),
        ("(?:carta|portafoglio|telefono) (?:\\w+ )?rubat[oa]|mi hanno rubato", 0.8),
        ("soldi (?:spariti|scomparsi)", 0.8),
        ("non posso pagare", 0.6),
        ("rimborso", 0.35),
        (
            "(?:pacco|ordine|spedizione) (?:\\w+ )?(?:smarrit[oa]|pers[oa]|mai arrivat[oa]|non (?:e )?arrivat[oa])",
            0.6,
        ),
        ("affitto|mutuo|stipendio", 0.45),
    ),
    "fraud": (
        ("frode|fraudolent[oaie]", 0.85),
        ("truffa", 0.7),
        ("furto d'identita", 0.9),
        ("hackerat[oa]", 0.75),
        (
            "non riconosco (?:questo|questa|il|la|questi) (?:addebito|pagamento|transazione|movimento)",
            0.8,
        ),
        ("non autorizzat[oaie]", 0.8),
        ("qualcuno ha usato", 0.7),
    ),
    "health": (
        ("ospedale", 0.7),
        ("pronto soccorso", 0.75),
        ("ambulanza", 0.8),
        ("intervento chirurgico|operazione chirurgica", 0.6),
        ("cancro|tumore|chemio(?:terapia)?", 0.8),
        ("infarto|ictus", 0.85),
        ("farmac[oi]|medicin[ae]|insulina|ricetta", 0.55),
        ("incinta", 0.5),
        ("sedia a rotelle|disabile|disabilita", 0.5),
        ("malat[oa]", 0.45),
        ("ferit[oa]", 0.6),
        ("medico", 0.4),
    ),
    "bereavement": (
        ("(?:e )?mort[oa]|morte|decedut[oa]|decesso", 0.85),
        ("lutto", 0.8),
    ),
    "bereavement+family_event": (("funerale", 0.85),),
    "family_event": (
        ("matrimonio", 0.8),
        ("compleanno", 0.6),
        ("laurea", 0.75),
        ("luna di miele|viaggio di nozze", 0.75),
        ("battesimo|comunione|cresima", 0.7),
        ("anniversario", 0.55),
        ("natale", 0.5),
        ("parto|partorire", 0.85),
    ),
    "safety": (
        ("pericol(?:o|oso|osa)", 0.75),
        ("fuga di gas|odore di gas|puzza di gas", 0.9),
        ("(?:senza|non ho) (?:la |l')?(?:luce|acqua|corrente|riscaldamento)", 0.6),
        ("minacciat[oa]|minacce", 0.7),
        ("aggredit[oa]|molestat[oa]", 0.8),
        ("da sol[oa] (?:di notte|al buio)", 0.75),
        ("in autostrada|a bordo strada|corsia di emergenza", 0.6),
    ),
    "insurance_claim": (
        ("incidente", 0.75),
        ("sinistro", 0.7),
        ("allagat[oa]|allagamento|alluvione", 0.65),
        ("incendio", 0.8),
        ("furto in casa|scasso|ladri", 0.75),
        ("carro attrezzi|soccorso stradale", 0.6),
        ("in panne|guasto", 0.5),
    ),
    "business_deadline": (
        ("appuntamento importante|riunione (?:importante|con (?:un|il) cliente)", 0.7),
        ("presentazione (?:importante|al cliente)", 0.7),
        ("scadenza", 0.55),
        ("colloquio di lavoro", 0.6),
        ("la mia (?:azienda|attivita)|il mio (?:negozio|ristorante)", 0.5),
        ("perdere (?:il|un) (?:cliente|contratto)", 0.75),
    ),
    "first_time": (("prima volta che (?:mi lamento|reclamo|chiamo)", 0.7),),
}

CHURN: Family = {
    "cancel": (
        ("disdico|disdire|disdetta|disdetto", 0.75),
        ("recedo|recesso dal contratto", 0.75),
        ("(?:chiudere|chiudo) (?:il mio |il )?conto", 0.8),
        ("annullare (?:l'abbonamento|il contratto)", 0.75),
        ("(?:voglio|vorrei) annullare", 0.5),
    ),
    "switch": (
        (
            "(?:passo|passero|cambio) (?:a un altro|ad un altro|alla concorrenza|operatore|gestore|banca)",
            0.75,
        ),
        ("concorrenza", 0.7),
    ),
    "leaving": (
        ("mai piu", 0.8),
        ("non (?:comprero|volero|usero) piu", 0.85),
        ("ultima volta che (?:compro|volo|uso)", 0.85),
        ("avvocato|denuncia|associazione consumatori|codacons", 0.6),
        ("(?:avete )?perso un cliente", 0.85),
    ),
    "tenure": (
        ("cliente da (?:oltre |piu di )?(?:\\d+|dieci|venti|quindici|molti) anni", 0.55),
        ("cliente fedele", 0.45),
    ),
}

COMPLEXITY: Family = {
    "repeat": (
        ("la (?:seconda|terza|quarta|quinta|\\d+a?) volta", 0.8),
        ("(?:ve|te|gliel)?l'ho gia (?:detto|spiegato)|gia spiegato", 0.6),
        (
            "(?:chiamato|scritto|sollecitato) (?:\\d+|due|tre|quattro|cinque|diverse|molte) volte",
            0.75,
        ),
        ("(?:lo )?stesso problema", 0.6),
        ("(?:ancora|non ancora) (?:risolto|funziona)", 0.6),
        ("(?:mi avevano|mi avete) promesso", 0.5),
        ("numero di (?:pratica|ticket|segnalazione)", 0.35),
    ),
    "transfer": (
        ("passat[oa] da un (?:ufficio|reparto) all'altro|rimbalzat[oa]", 0.65),
        ("un altro (?:ufficio|reparto)", 0.5),
    ),
    "multi_issue": (
        ("inoltre", 0.3),
        ("un altro problema", 0.45),
    ),
    "policy_exception": (
        ("parlare con (?:un |il )?(?:responsabile|supervisore|direttore)", 0.55),
        ("risarcimento|indennizzo", 0.45),
        ("eccezione", 0.6),
    ),
}

AGENT: Family = {
    "blame": (
        ("(?:e )?colpa (?:sua|tua)|e un suo problema", 0.85),
        ("non e (?:colpa nostra|un nostro problema)", 0.85),
        ("non (?:posso|possiamo) fare (?:niente|nulla)", 0.75),
        ("si calmi|stia calmo", 0.6),
        ("avrebbe dovuto (?:leggere|controllare|verificare)", 0.7),
        ("come (?:le )?ho gia detto", 0.4),
    ),
    "ownership": (
        ("mi dispiace(?: molto)?|ci scusiamo|mi scuso|chiedo scusa|scusi per il disagio", -0.35),
        ("ci penso io|me ne occupo (?:io|personalmente)", -0.6),
        ("ho (?:gia )?(?:rimborsato|risolto|corretto|riprenotato)", -0.55),
    ),
}
