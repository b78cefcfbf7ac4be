"""Spanish cue lexicons: the families of ``lexicon.py`` for customers writing in Spanish.

Written without accents (matching folds them away: "tercera", "cancelacion"); the phrase syntax is
``lexicon.py``'s. Weights follow the English ones for the same kind of evidence.
"""

from __future__ import annotations

from kairos.detection.lexicon import Family

#: Words that turn a following cue around ("no es urgente", "nunca he estado enfadado").
NEGATION = r"\b(?:no|nunca|jamas|sin|ni|tampoco)"

EMOTION: Family = {
    "anger": (
        ("furios[oa]s?", 0.85),
        ("indignad[oa]s?|indignante", 0.75),
        ("cabread[oa]s?", 0.8),
        ("enfadad[oa]s?|enojad[oa]s?", 0.7),
        ("inaceptable|inadmisible", 0.7),
        ("(?:una|que) verguenza|vergonzos[oa]", 0.65),
        ("ridicul[oa]", 0.55),
        ("pesim[oa]s?", 0.6),
        ("horrible|terrible|lamentable", 0.6),
        ("incompetentes?", 0.7),
        ("inutiles?", 0.6),
        ("estafa|estafad[oa]s?|timo", 0.6),
        ("maleducad[oa]s?|groser[oa]s?|borde", 0.55),
        ("nos toman el pelo|me toman el pelo|tomadura de pelo", 0.7),
        ("falta de respeto", 0.65),
    ),
    "frustration": (
        ("frustrad[oa]s?|frustrante", 0.6),
        ("(?:estoy |estamos )?hart[oa]s?", 0.7),
        ("(?:ya )?no aguanto (?:mas)?", 0.6),
        ("sigo (?:esperando|sin)", 0.5),
        ("todavia (?:no|sin|nada)", 0.45),
        ("nadie (?:me )?(?:ayuda|responde|contesta|soluciona)", 0.6),
        ("perdida de tiempo", 0.55),
        ("horas (?:esperando|al telefono|en espera)", 0.55),
        ("(?:que |muy )?mal servicio|pesimo servicio", 0.6),
        ("molest[oa]s?", 0.45),
        ("no estoy satisfech[oa]|insatisfech[oa]", 0.45),
        ("otra vez", 0.35),
        # Sarcasm that hides a complaint: "genial, otra hora de espera".
        ("(?:genial|perfecto|estupendo|fantastico|que bien),? (?:otra|otro|mas|encima)", 0.6),
    ),
    "distress": (
        ("desesperad[oa]s?", 0.75),
        ("no se (?:que|ya que) hacer", 0.7),
        ("ayudenme|ayudame|por favor ayuda", 0.55),
        ("llorando", 0.75),
        ("angustiad[oa]s?", 0.75),
        ("estresad[oa]s?", 0.6),
        ("(?:una|es una) pesadilla", 0.65),
        ("en panico", 0.7),
    ),
    "fear": (
        ("asustad[oa]s?", 0.7),
        ("miedo", 0.6),
        ("preocupad[oa]s?", 0.55),
        ("nervios[oa]s?", 0.45),
    ),
    "disappointment": (
        ("decepcionad[oa]s?|decepcion|decepcionante", 0.55),
        ("defraudad[oa]s?", 0.6),
        ("(?:he perdido|perdi) la confianza|ya no confio", 0.6),
        ("triste", 0.45),
    ),
    "profanity": (
        ("(?:una |de )mierda", 0.75),
        ("me cago en", 0.8),
        ("joder", 0.7),
        ("idiotas?|imbeciles?", 0.7),
    ),
    "relief": (
        ("muchisimas gracias|mil gracias", -0.45),
        ("muchas gracias", -0.35),
        ("perfecto", -0.25),
        ("genial", -0.3),
        ("que alivio", -0.45),
        ("problema resuelto", -0.45),
    ),
}

URGENCY: Family = {
    "urgent": (
        ("urgente(?:mente)?|urgencia", 0.7),
        ("cuanto antes|lo antes posible|lo mas pronto posible", 0.6),
        ("emergencia", 0.8),
        ("inmediatamente|de inmediato|ahora mismo|ya mismo", 0.6),
        ("no puedo esperar", 0.6),
        ("se me acaba el tiempo|no tengo tiempo", 0.7),
        (
            "(?:voy a|vamos a|a punto de) perder (?:el|mi|nuestro|la) (?:vuelo|tren|avion|conexion)",
            0.7,
        ),
        ("(?:la puerta|el embarque) (?:de embarque )?(?:cierra|termina)", 0.6),
        ("hoy mismo", 0.4),
        ("esta noche", 0.35),
        ("hoy", 0.25),
    ),
    "calm": (
        ("no hay prisa|sin prisa", -0.6),
        ("cuando (?:pueda|puedan|tengan tiempo)", -0.5),
        ("no es urgente", -0.6),
        ("solo (?:queria saber|una pregunta|por curiosidad)", -0.4),
    ),
}

STAKES_LEX: Family = {
    "travel_disruption": (
        (
            "(?:vuelo|tren|avion)s? (?:\\w+ )?(?:fue |ha sido |esta |estaba |han )?cancelad[oa]s?",
            0.85,
        ),
        ("cancelaron (?:mi |el |nuestro )?(?:vuelo|tren)", 0.85),
        ("(?:vuelo|tren|avion)s? (?:\\w+ )?(?:con )?retras(?:ad[oa]s?|o)", 0.6),
        ("retraso de (?:\\d+|dos|tres|cuatro|cinco|varias) horas", 0.7),
        ("perd(?:i|imos) (?:mi |la |el |nuestra |nuestro )?(?:conexion|vuelo|enlace|tren)", 0.8),
        ("(?:tirad|atrapad|varad)[oa]s? en el aeropuerto", 0.75),
        ("overbooking|sobreventa", 0.65),
        ("(?:me )?denegaron el embarque|denegado el embarque", 0.75),
        ("(?:maleta|equipaje)s? (?:\\w+ )?(?:perdid[oa]s?|extraviad[oa]s?|no ha llegado)", 0.6),
        ("perdieron (?:mi|mis|nuestras?) (?:maletas?|equipaje)", 0.6),
    ),
    "money_lost": (
        ("(?:me )?(?:cobraron|han cobrado) dos veces|cobro doble|doble cargo", 0.65),
        ("(?:me )?robaron (?:la |mi )?(?:tarjeta|cartera|dinero|movil)", 0.8),
        ("tarjeta robada", 0.8),
        ("(?:mi )?dinero (?:ha )?desaparecido", 0.8),
        ("no puedo pagar", 0.6),
        ("reembolso|devolucion del dinero|me devuelvan el dinero", 0.35),
        (
            "(?:pedido|paquete|envio) (?:\\w+ )?(?:perdido|extraviado|no ha llegado|nunca llego|no llego)",
            0.6,
        ),
        ("alquiler|hipoteca|nomina|sueldo", 0.45),
    ),
    "fraud": (
        ("fraude|fraudulent[oa]s?", 0.85),
        ("suplantacion de identidad", 0.9),
        ("hackead[oa]s?|me han hackeado", 0.75),
        (
            "no reconozco (?:este|estos|el|los|un|una|esta|estas) (?:cargo|cargos|pago|pagos|movimiento|movimientos|compra|compras)",
            0.8,
        ),
        ("(?:cargo|cargos|pago|compra)s? no autorizad[oa]s?|sin (?:mi )?autorizacion", 0.8),
        ("alguien (?:ha )?usado mi", 0.7),
    ),
    "health": (
        ("hospital", 0.7),
        ("urgencias", 0.7),
        ("ambulancia", 0.8),
        ("cirugia|operacion", 0.55),
        ("cancer|quimio(?:terapia)?", 0.8),
        ("infarto|ataque al corazon", 0.85),
        ("medicacion|medicamentos?|insulina|receta", 0.55),
        ("embarazada", 0.5),
        ("discapacidad|silla de ruedas", 0.5),
        ("enferm[oa]s?", 0.45),
        ("herid[oa]s?", 0.6),
        ("medico", 0.4),
    ),
    "bereavement": (
        ("fallecio|ha fallecido|fallecimiento", 0.9),
        ("murio|ha muerto|muerte", 0.85),
        ("luto", 0.8),
    ),
    "bereavement+family_event": (("funeral|entierro|velatorio", 0.85),),
    "family_event": (
        ("boda", 0.8),
        ("cumpleanos", 0.6),
        ("graduacion", 0.75),
        ("luna de miel", 0.75),
        ("bautizo|comunion", 0.7),
        ("aniversario", 0.55),
        ("dar a luz|de parto", 0.85),
        ("navidad", 0.5),
    ),
    "safety": (
        ("peligr(?:o|os[oa])", 0.75),
        ("fuga de gas|huele a gas", 0.9),
        ("sin (?:luz|agua|calefaccion|electricidad)", 0.6),
        ("amenaza(?:s|d[oa])?", 0.7),
        ("(?:sol[oa]|tirad[oa]) en (?:la )?carretera|en el arcen", 0.7),
        ("agredid[oa]|acoso", 0.8),
    ),
    "insurance_claim": (
        ("accidente", 0.75),
        ("choque|chocaron|me han chocado", 0.7),
        ("siniestro", 0.7),
        ("(?:dar|abrir|presentar) (?:un )?parte", 0.7),
        ("inundacion|inundad[oa]", 0.65),
        ("incendio", 0.8),
        ("robo en (?:casa|mi casa)", 0.75),
        ("grua", 0.6),
        ("averia", 0.5),
    ),
    "business_deadline": (
        ("(?:reunion|presentacion) (?:con (?:un|el) cliente|importante)", 0.75),
        ("fecha limite|plazo", 0.55),
        ("entrevista de trabajo", 0.6),
        ("mi (?:negocio|empresa|tienda|restaurante)", 0.5),
        ("perder (?:el|al|un) (?:cliente|contrato)", 0.75),
        ("(?:el sistema|el servidor|la web) (?:esta )?caid[oa]", 0.6),
    ),
    "first_time": (
        ("primera vez que (?:llamo|reclamo|me quejo)", 0.7),
        ("nunca (?:me he quejado|he reclamado)", 0.7),
    ),
}

CHURN: Family = {
    "cancel": (
        ("me doy de baja|darme de baja|dar(?:me)? de baja", 0.75),
        ("cancelar (?:mi|la|el) (?:cuenta|suscripcion|contrato|poliza|linea|tarjeta)", 0.75),
        ("cerrar (?:mi|la) cuenta", 0.8),
        ("(?:quiero|voy a) cancelar", 0.5),
        ("rescindir (?:el )?contrato", 0.8),
    ),
    "switch": (
        (
            "(?:me cambio|cambiarme|me paso) (?:a|de) (?:otra )?(?:compania|banco|operador|aseguradora)",
            0.75,
        ),
        ("(?:me voy|irme) (?:con|a) (?:la )?competencia", 0.8),
        ("me voy a otra (?:compania|empresa|aerolinea)", 0.8),
    ),
    "leaving": (
        ("nunca mas", 0.8),
        ("no vuelvo a (?:volar|comprar|usar|contratar)", 0.85),
        ("ultima vez que (?:vuelo|compro|uso)", 0.85),
        ("(?:os|les) (?:voy a )?denunciar|voy a denunciar", 0.65),
        ("abogado|demanda|hoja de reclamaciones|consumo|ocu", 0.6),
        ("(?:han )?perdido (?:a )?un cliente", 0.85),
    ),
    "tenure": (
        (
            "cliente (?:desde hace|de|durante) (?:mas de )?(?:\\d+|diez|veinte|quince|muchos) anos",
            0.55,
        ),
        ("cliente fiel", 0.45),
    ),
}

COMPLEXITY: Family = {
    "repeat": (
        ("(?:es|ya es) la (?:segunda|tercera|cuarta|quinta|\\d+a?) vez", 0.8),
        ("ya (?:os|les|te|se) lo (?:he )?(?:dicho|explicado)", 0.65),
        ("ya (?:lo )?(?:he )?(?:explicado|dicho|enviado)", 0.55),
        ("(?:llamado|escrito|reclamado) (?:\\d+|dos|tres|cuatro|cinco|varias|muchas) veces", 0.75),
        ("el mismo problema", 0.6),
        ("sigue sin (?:funcionar|resolverse|solucion)", 0.6),
        ("(?:me )?prometieron", 0.5),
        ("numero de (?:caso|incidencia|reclamacion)", 0.35),
    ),
    "transfer": (
        ("(?:me )?pasan de (?:uno|un departamento) a otro", 0.65),
        ("otro departamento", 0.5),
        ("hablado con (?:\\d+|dos|tres|cuatro|varias) personas", 0.7),
    ),
    "multi_issue": (
        ("ademas", 0.3),
        ("otro problema", 0.45),
    ),
    "policy_exception": (
        (
            "(?:hablar con|paseme con|quiero) (?:un |el |al )?(?:supervisor|responsable|encargado|gerente)",
            0.55,
        ),
        ("compensacion|indemnizacion", 0.45),
        ("excepcion", 0.6),
    ),
}

AGENT: Family = {
    "blame": (
        ("(?:es|fue) (?:su|tu) culpa", 0.85),
        ("no es (?:nuestra|mi) culpa|no es (?:nuestro|mi) problema", 0.85),
        ("no (?:podemos|puedo) hacer nada", 0.75),
        ("(?:deberia|tendria que) haber (?:leido|revisado|comprobado)", 0.7),
        ("calmese|tranquilicese", 0.6),
        ("como ya le (?:dije|he dicho|explique)", 0.4),
    ),
    "ownership": (
        (
            "(?:lo )?siento mucho|lo siento|lamento|disculpe las molestias|le pido disculpas|mis disculpas",
            -0.35,
        ),
        ("dejelo en mis manos|yo me encargo|me encargo personalmente", -0.6),
        ("ya (?:le )?he (?:reembolsado|cambiado|solucionado|resuelto)", -0.55),
    ),
}
