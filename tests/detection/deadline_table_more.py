"""More deadline phrasings in Spanish, German, French, Portuguese and Italian.

``MORE``: development rows, about fifteen common phrasings per language (relative days, weekday
and time, half an hour, 24-hour times, noon, tonight ...), written to find what the finder missed
and then fixed. ``HELD_OUT_MORE``: held-out rows written (and committed) before any of those fixes
and before they were first run; they are scored once, at the end, and never tuned on.

Rows as in ``deadline_table``: (text, (day of November, hour, minute) or None, [day_only]), said
on Wednesday 18 November 2026 at 10:00 local. Wed 18, Thu 19, Fri 20, Sat 21, Mon 23, Tue 24.
"""

from __future__ import annotations

from tests.detection.deadline_rows import DeadlineCase, _rows

__all__ = ["HELD_OUT_MORE", "MORE"]

MORE: list[DeadlineCase] = []

HELD_OUT_MORE: list[DeadlineCase] = [
    *_rows("es", [
        ("necesito la respuesta antes de las 6 de la tarde del viernes", (20, 18, 0)),
        ("el técnico viene pasado mañana por la mañana", (20, 9, 0), True),
        ("me llaman dentro de media hora", (18, 10, 30)),
        ("tengo el tren a las 16:45", (18, 16, 45)),
        ("necesito el dinero en 2 días", (20, 10, 0)),
        ("el sábado al mediodía cierra la tienda", (21, 12, 0)),
        ("ayer esperé 3 horas en la tienda", None),
    ], held_out=True),
    *_rows("de", [
        ("ich muss heute bis 14:30 Uhr zahlen", (18, 14, 30)),
        ("Termin ist Donnerstag um 9", (19, 9, 0)),
        ("in einer halben Stunde fährt mein Bus", (18, 10, 30)),
        ("bis übermorgen Mittag brauche ich den Bescheid", (20, 12, 0)),
        ("die Lieferung kommt in 2 Tagen", (20, 10, 0)),
        ("heute Abend um halb 9 muss ich am Bahnhof sein", (18, 20, 30)),
        ("am Montag um 10 Uhr war ich beim Amt", None),
    ], held_out=True),
    *_rows("fr", [
        ("je dois payer avant demain midi", (19, 12, 0)),
        ("le taxi arrive dans 20 minutes", (18, 10, 20)),
        ("rendez-vous jeudi à 9h30", (19, 9, 30)),
        ("j'ai besoin du remboursement avant ce soir", (18, 20, 0), True),
        ("le magasin ferme à 19 heures", (18, 19, 0)),
        ("après-demain matin je pars en vacances", (20, 9, 0), True),
        ("j'ai attendu 40 minutes au guichet", None),
    ], held_out=True),
    *_rows("pt", [
        ("preciso disso até quinta às 14h", (19, 14, 0)),
        ("o táxi chega em 15 minutos", (18, 10, 15)),
        ("tenho que pagar hoje até meia-noite", (19, 0, 0)),
        ("amanhã à tarde tenho a entrevista", (19, 14, 0), True),
        ("a reunião é às 9h30 de sexta", (20, 9, 30)),
        ("me retornem em até 3 dias", (21, 10, 0)),
        ("esperei 40 minutos na fila", None),
    ], held_out=True),
    *_rows("it", [
        ("devo essere a Roma domani entro le 10", (19, 10, 0)),
        ("il tecnico arriva fra 20 minuti", (18, 10, 20)),
        ("mi serve la risposta entro giovedì alle 17", (19, 17, 0)),
        ("domani sera alle 8 ho la cena", (19, 20, 0)),
        ("lo sportello chiude alle 13:30", (18, 13, 30)),
        ("dopodomani pomeriggio parto per Napoli", (20, 14, 0), True),
        ("ho aspettato 40 minuti allo sportello", None),
    ], held_out=True),
]  # fmt: skip
