"""Portuguese cue lexicons (Brazilian and European): the families of ``lexicon.py``.

Written without accents (matching folds them away: "nao", "cobranca"). Weights follow the English
ones for the same kind of evidence.
"""

from __future__ import annotations

from kairos.detection.lexicon import Family

#: Words that turn a following cue around ("nao e urgente", "nunca fiquei irritado").
NEGATION = r"\b(?:nao|nunca|jamais|sem|nem)"

EMOTION: Family = {
    "anger": (
        ("furios[oa]s?", 0.85),
        ("revoltad[oa]s?|revoltante", 0.75),
        ("indignad[oa]s?", 0.75),
        ("irritad[oa]s?", 0.6),
        ("(?:com |que )?raiva", 0.65),
        ("absurdo", 0.6),
        ("inaceitavel|inadmissivel", 0.7),
        ("(?:uma |que )?vergonha|vergonhoso", 0.65),
        ("ridiculo", 0.55),
        ("pessim[oa]s?|horrivel|terrivel|lamentavel", 0.6),
        ("incompetentes?|incompetencia", 0.7),
        ("descaso|palhacada", 0.7),
        ("enganad[oa]s?|enganacao", 0.65),
        ("mal educad[oa]s?|grosseir[oa]s?|grosso|grossa|falta de respeito|desrespeito", 0.6),
    ),
    "frustration": (
        ("frustrad[oa]s?|frustrante", 0.6),
        ("cansad[oa]s? de", 0.6),
        ("ainda nao (?:chegou|recebi|resolveram)", 0.5),
        ("ninguem (?:me )?(?:ajuda|responde|resolve)", 0.6),
        ("perda de tempo", 0.55),
        ("(?:\\d+|duas|tres) horas (?:esperando|no telefone|na espera)", 0.55),
        ("insatisfeit[oa]s?", 0.5),
        ("chatead[oa]s?", 0.5),
        ("nao aguento mais", 0.65),
        ("de novo", 0.35),
        # Sarcasm that hides a complaint: "otimo, mais uma hora de espera".
        ("(?:otimo|perfeito|maravilha|parabens),? (?:mais|de novo|outra|outro)", 0.6),
    ),
    "distress": (
        ("desesperad[oa]s?", 0.75),
        ("nao sei (?:mais )?o que fazer", 0.7),
        ("me ajudem|socorro", 0.55),
        ("chorando", 0.75),
        ("angustiad[oa]s?", 0.75),
        ("estressad[oa]s?", 0.6),
        ("pesadelo", 0.65),
    ),
    "fear": (
        ("preocupad[oa]s?", 0.55),
        ("medo", 0.6),
    ),
    "disappointment": (
        ("decepcionad[oa]s?|decepcao|decepcionante", 0.55),
        ("perdi a confianca", 0.6),
        ("nao recomendo", 0.55),
        ("triste", 0.45),
    ),
    "profanity": (
        ("porra|caralho", 0.8),
        ("merda", 0.75),
        ("droga", 0.45),
        ("idiotas?", 0.7),
    ),
    "relief": (
        ("muito obrigad[oa]|obrigadao", -0.35),
        ("perfeito", -0.25),
        ("aliviad[oa]", -0.45),
        ("problema resolvido", -0.45),
    ),
}

URGENCY: Family = {
    "urgent": (
        ("urgente(?:mente)?|urgencia", 0.7),
        ("o quanto antes|o mais rapido possivel|assim que possivel", 0.6),
        ("emergencia", 0.8),
        ("imediatamente|agora mesmo", 0.6),
        ("nao posso esperar", 0.6),
        ("(?:vou|vamos) perder (?:o|meu|nosso|a|minha) (?:voo|conexao|onibus|trem)", 0.7),
        ("hoje ainda|ainda hoje", 0.4),
        ("hoje a noite", 0.35),
        ("hoje", 0.25),
    ),
    "calm": (
        ("sem pressa|nao e urgente", -0.6),
        ("quando puder", -0.5),
        ("so uma duvida|so por curiosidade", -0.4),
    ),
}

STAKES_LEX: Family = {
    "travel_disruption": (
        ("(?:voo|trem|onibus|conexao)s? (?:\\w+ )?(?:foi |foram |esta )?cancelad[oa]s?", 0.85),
        ("cancelaram (?:meu|o|nosso) (?:voo|trem)", 0.85),
        ("(?:voo|onibus)s? (?:\\w+ )?atrasad[oa]s?", 0.6),
        ("atraso de (?:\\d+|duas|tres|quatro|cinco|varias) horas", 0.7),
        ("perdi (?:a |minha )conexao|perdi (?:o |meu )voo", 0.8),
        ("pres[oa]s? no aeroporto", 0.75),
        ("overbooking", 0.65),
        (
            "(?:mala|malas|bagagem|bagagens) (?:\\w+ )?(?:extraviad[oa]s?|perdid[oa]s?|nao chegou)|extraviaram",
            0.6,
        ),
    ),
    "money_lost": (
        ("cobrad[oa]s? (?:duas vezes|em dobro)|cobranca (?:duplicada|indevida)", 0.65),
        ("(?:cartao|carteira|celular) (?:\\w+ )?roubad[oa]|roubaram (?:meu|minha)", 0.8),
        ("dinheiro (?:sumiu|desapareceu)", 0.8),
        ("nao consigo pagar", 0.6),
        ("reembolso|estorno|dinheiro de volta", 0.35),
        (
            "(?:pedido|produto|encomenda|entrega) (?:\\w+ )?(?:nao (?:chegou|foi entregue)|nunca chegou|extraviad[oa]|perdid[oa])",
            0.6,
        ),
        ("nao recebi (?:o|meu|a|minha) (?:produto|pedido|encomenda)|paguei e nao recebi", 0.6),
        ("aluguel|salario", 0.45),
    ),
    "fraud": (
        ("fraude|fraudulent[oa]s?", 0.85),
        ("golpe|golpista", 0.75),
        ("clonad[oa]", 0.8),
        ("roubo de identidade", 0.9),
        ("hackead[oa]|invadid[oa]", 0.7),
        (
            "nao reconheco (?:essa|esta|a|essas|estas) (?:compras?|cobrancas?|transac(?:ao|oes))",
            0.8,
        ),
        ("nao autorizad[oa]s?", 0.8),
        ("alguem usou (?:meu|minha)", 0.7),
    ),
    "health": (
        ("hospital", 0.7),
        ("pronto socorro", 0.75),
        ("ambulancia|samu", 0.8),
        ("cirurgia", 0.7),
        ("cancer|quimio(?:terapia)?", 0.8),
        ("infarto|derrame|avc", 0.85),
        ("remedios?|medicamentos?|insulina|receita", 0.55),
        ("gravida", 0.5),
        ("cadeira de rodas|deficiencia|deficiente", 0.5),
        ("doente", 0.45),
        ("ferid[oa]s?", 0.6),
        ("medico", 0.4),
    ),
    "bereavement": (
        ("faleceu|falecimento|morreu|morte", 0.85),
        ("luto", 0.8),
    ),
    "bereavement+family_event": (("velorio|enterro|funeral", 0.85),),
    "family_event": (
        ("casamento", 0.8),
        ("aniversario", 0.6),
        ("formatura", 0.75),
        ("lua de mel", 0.75),
        ("batizado", 0.7),
        ("natal|dia das maes|dia dos pais", 0.5),
        ("parto|dar a luz", 0.85),
    ),
    "safety": (
        ("perigo(?:so|sa)?", 0.75),
        ("vazamento de gas|cheiro de gas", 0.9),
        ("sem (?:luz|agua|energia)", 0.6),
        ("ameaca(?:d[oa])?", 0.7),
        ("assaltad[oa]|agredid[oa]|assedio", 0.8),
        ("sozinh[oa] (?:a noite|no escuro)", 0.75),
        ("acostamento|na estrada|rodovia", 0.6),
    ),
    "insurance_claim": (
        ("acidente", 0.75),
        ("batida|bateram no meu carro", 0.7),
        ("sinistro", 0.7),
        ("enchente|alagad[oa]|inundad[oa]", 0.65),
        ("incendio", 0.8),
        ("assalto|arrombamento|furto", 0.75),
        ("guincho|reboque", 0.6),
        ("pane", 0.5),
    ),
    "business_deadline": (
        ("reuniao (?:importante|com (?:o|um) cliente)", 0.7),
        ("apresentacao (?:importante|para (?:o|um) cliente)", 0.7),
        ("prazo", 0.55),
        ("entrevista de emprego", 0.6),
        ("minha (?:empresa|loja)|meu (?:negocio|restaurante)", 0.5),
        ("perder (?:o|um) (?:cliente|contrato)", 0.75),
        ("(?:sistema|site) fora do ar", 0.6),
    ),
    "first_time": (("primeira vez que (?:reclamo|ligo)", 0.7),),
}

CHURN: Family = {
    "cancel": (
        ("(?:vou|quero) cancelar", 0.6),
        ("cancelar (?:minha|meu|a|o) (?:conta|assinatura|plano|contrato|cartao|linha)", 0.75),
        ("encerrar (?:minha|a) conta", 0.8),
        ("rescindir (?:o )?contrato", 0.8),
    ),
    "switch": (
        ("(?:vou|quero) (?:mudar|trocar) de (?:operadora|banco|empresa|plano|seguradora)", 0.75),
        ("(?:ir|vou) para a concorrencia|concorrente", 0.75),
    ),
    "leaving": (
        ("nunca mais", 0.8),
        ("nao compro mais|nao volto a comprar", 0.85),
        ("ultima vez que (?:compro|voo|uso)", 0.85),
        ("procon|reclame aqui|advogado|processar|justica", 0.65),
        ("perderam (?:um|uma) cliente", 0.85),
    ),
    "tenure": (
        ("cliente (?:ha|desde ha|faz) (?:mais de )?(?:\\d+|dez|vinte|quinze|muitos) anos", 0.55),
        ("cliente fiel", 0.45),
    ),
}

COMPLEXITY: Family = {
    "repeat": (
        ("(?:e a|ja e a|pela) (?:segunda|terceira|quarta|quinta|\\d+a?) vez", 0.8),
        ("ja (?:expliquei|falei|disse|enviei|mandei)", 0.6),
        ("(?:liguei|reclamei|escrevi) (?:\\d+|duas|tres|quatro|cinco|varias|muitas) vezes", 0.75),
        ("(?:o )?mesmo problema", 0.6),
        ("continua sem (?:funcionar|solucao)|ainda nao resolveram", 0.6),
        ("prometeram", 0.5),
        ("(?:numero de )?protocolo", 0.35),
    ),
    "transfer": (
        ("(?:me )?transferiram|de um setor (?:para|pro) outro", 0.6),
        ("outro (?:setor|departamento)", 0.5),
    ),
    "multi_issue": (
        ("alem disso", 0.3),
        ("outro problema", 0.45),
    ),
    "policy_exception": (
        ("falar com (?:o |um )?(?:supervisor|gerente|responsavel)", 0.55),
        ("indenizacao|compensacao", 0.45),
        ("excecao", 0.6),
    ),
}

AGENT: Family = {
    "blame": (
        ("(?:a )?culpa e (?:sua|do senhor|da senhora)|e culpa (?:sua|do senhor|da senhora)", 0.85),
        ("nao e (?:culpa nossa|nossa culpa|problema nosso|nosso problema)", 0.85),
        ("nao (?:posso|podemos) fazer nada", 0.75),
        ("(?:se )?acalme|fique calm[oa]", 0.6),
        ("deveria ter (?:lido|verificado|conferido)", 0.7),
        ("como (?:eu )?ja (?:disse|falei|expliquei)", 0.4),
    ),
    "ownership": (
        (
            "(?:sinto|lamento) muito|peco desculpas|desculpe(?: o transtorno)?|nossas desculpas",
            -0.35,
        ),
        ("(?:pode )?deixa(?:r)? comigo|eu resolvo|vou resolver pessoalmente", -0.6),
        ("ja (?:fiz o reembolso|reembolsei|estornei|resolvi|corrigi)", -0.55),
    ),
}
