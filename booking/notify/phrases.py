"""Customer message wording per locale (PURE data, no imports from ``booking``).

Every locale maps the same keys to ``str.format`` templates. Placeholders:

``{customer}``, ``{business}``, ``{service}``, ``{staff}``, ``{reason}``;
``{when}`` full date and time with the zone name, ``{date}`` a short date and time
(subjects), ``{previous}`` the old time (reschedule), ``{estimate}`` the estimated
start time of day (delay), ``{when_sms}`` a short form with the zone name,
``{previous_sms}`` a short form without it (the new time after it names the zone),
``{manage_url}`` and ``{feedback_url}`` (SMS only).

A ``*.body`` value holds one or more paragraphs separated by a blank line. Keys:
``greeting``, ``sign_off``, ``label.*`` (details block), ``link.*`` (link labels),
``reason`` (staff's note in a cancellation or reschedule), and ``<kind>.subject|body|sms``
where kind is one of ``messages.KINDS`` or ``delay_clear`` (the all-clear after a delay).
"""
from __future__ import annotations

from collections.abc import Mapping

_EN: Mapping[str, str] = {
    "greeting": "Hello {customer},",
    "sign_off": "Kind regards,",
    "label.service": "Service",
    "label.staff": "With",
    "label.when": "When",
    "link.manage": "View, reschedule or cancel your appointment",
    "link.view": "View your appointment",
    "link.keep": "Keep my appointment",
    "link.reschedule": "Choose another time",
    "link.cancel": "Cancel my appointment",
    "link.unsubscribe": "Stop reminders",
    "link.feedback": "Rate your visit (1 to 5)",
    "reason": "Message from {business}: {reason}",
    "confirmation.subject": "Appointment confirmed: {date} – {business}",
    "confirmation.body": (
        "Your appointment at {business} is confirmed.\n\n"
        "The attached calendar file adds it to your calendar. If your plans change, "
        "you can reschedule or cancel using the link below."
    ),
    "confirmation.sms": "{business}: your appointment for {service} on {when_sms} is confirmed. "
                        "Manage it here: {manage_url}",
    "reschedule.subject": "Appointment moved to {date} – {business}",
    "reschedule.body": "Your appointment at {business} has been moved from {previous} to {when}.",
    "reschedule.sms": "{business}: your {service} appointment has moved from {previous_sms} "
                      "to {when_sms}. Details: {manage_url}",
    "cancellation.subject": "Appointment cancelled: {date} – {business}",
    "cancellation.body": "Your appointment at {business} on {when} has been cancelled.",
    "cancellation.sms": "{business}: your appointment for {service} on {when_sms} has been "
                        "cancelled. Details: {manage_url}",
    "reminder.subject": "Reminder: your appointment on {date} – {business}",
    "reminder.body": (
        "This is a reminder of your upcoming appointment at {business}.\n\n"
        "If you can't make it, please reschedule or cancel using the link below."
    ),
    "reminder.sms": "{business}: reminder of your appointment for {service} on {when_sms}. "
                    "Manage it here: {manage_url}",
    "delay.subject": "{business} is running late: your appointment will start at about {estimate}",
    "delay.body": (
        "{business} is running a little late. Your appointment, scheduled for {when}, "
        "will now probably start at about {estimate}.\n\n"
        "Please let us know whether you would like to keep your appointment, choose "
        "another time or cancel. We are sorry for the wait."
    ),
    "delay.sms": "{business} is running late: your appointment on {when_sms} will probably "
                 "start at about {estimate}. Keep, reschedule or cancel: {manage_url}",
    "delay_clear.subject": "{business} is back on schedule: your appointment on {date}",
    "delay_clear.body": (
        "Good news: {business} is back on schedule. Your appointment starts at the "
        "planned time, {when}."
    ),
    "delay_clear.sms": "{business} is back on schedule: your appointment starts at the "
                       "planned time, {when_sms}. Details: {manage_url}",
    "feedback.subject": "How was your visit to {business}?",
    "feedback.body": (
        "Thank you for visiting {business}.\n\n"
        "How was your appointment? Please rate it from 1 to 5 – it only takes one click."
    ),
    "feedback.sms": "{business}: thank you for your visit on {when_sms}! How was it? "
                    "Rate it from 1 to 5: {feedback_url}",
}

_DE: Mapping[str, str] = {
    "greeting": "Hallo {customer},",
    "sign_off": "Viele Grüße",
    "label.service": "Leistung",
    "label.staff": "Bei",
    "label.when": "Termin",
    "link.manage": "Termin ansehen, verschieben oder absagen",
    "link.view": "Termin ansehen",
    "link.keep": "Termin behalten",
    "link.reschedule": "Anderen Termin wählen",
    "link.cancel": "Termin absagen",
    "link.unsubscribe": "Keine Erinnerungen mehr erhalten",
    "link.feedback": "Besuch bewerten (1 bis 5)",
    "reason": "Nachricht von {business}: {reason}",
    "confirmation.subject": "Terminbestätigung: {date} – {business}",
    "confirmation.body": (
        "Ihr Termin bei {business} ist bestätigt.\n\n"
        "Mit der angehängten Kalenderdatei können Sie ihn in Ihren Kalender übernehmen. "
        "Falls sich Ihre Pläne ändern, können Sie den Termin über den Link unten "
        "verschieben oder absagen."
    ),
    "confirmation.sms": "{business}: Ihr Termin für {service} am {when_sms} ist bestätigt. "
                        "Verwalten: {manage_url}",
    "reschedule.subject": "Termin verschoben auf {date} – {business}",
    "reschedule.body": "Ihr Termin bei {business} wurde von {previous} auf {when} verschoben.",
    "reschedule.sms": "{business}: Ihr Termin für {service} wurde von {previous_sms} auf "
                      "{when_sms} verschoben. Details: {manage_url}",
    "cancellation.subject": "Termin abgesagt: {date} – {business}",
    "cancellation.body": "Ihr Termin bei {business} am {when} wurde abgesagt.",
    "cancellation.sms": "{business}: Ihr Termin für {service} am {when_sms} wurde abgesagt. "
                        "Details: {manage_url}",
    "reminder.subject": "Erinnerung: Ihr Termin am {date} – {business}",
    "reminder.body": (
        "Wir möchten Sie an Ihren bevorstehenden Termin bei {business} erinnern.\n\n"
        "Falls Sie den Termin nicht wahrnehmen können, verschieben oder sagen Sie ihn "
        "bitte über den Link unten ab."
    ),
    "reminder.sms": "{business}: Erinnerung an Ihren Termin für {service} am {when_sms}. "
                    "Verwalten: {manage_url}",
    "delay.subject": "Verspätung bei {business}: Ihr Termin beginnt voraussichtlich gegen {estimate} Uhr",
    "delay.body": (
        "Bei {business} kommt es leider zu Verzögerungen. Ihr Termin am {when} "
        "beginnt jetzt voraussichtlich erst gegen {estimate} Uhr.\n\n"
        "Bitte teilen Sie uns mit, ob Sie den Termin behalten, verschieben oder absagen "
        "möchten. Entschuldigen Sie bitte die Wartezeit."
    ),
    "delay.sms": "{business}: Verspätung. Ihr Termin am {when_sms} beginnt voraussichtlich "
                 "gegen {estimate} Uhr. Behalten, verschieben oder absagen: {manage_url}",
    "delay_clear.subject": "{business} ist wieder im Zeitplan: Ihr Termin am {date}",
    "delay_clear.body": (
        "Gute Nachricht: {business} ist wieder im Zeitplan. Ihr Termin beginnt wie "
        "geplant am {when}."
    ),
    "delay_clear.sms": "{business} ist wieder im Zeitplan: Ihr Termin beginnt wie geplant "
                       "am {when_sms}. Details: {manage_url}",
    "feedback.subject": "Wie war Ihr Besuch bei {business}?",
    "feedback.body": (
        "Vielen Dank für Ihren Besuch bei {business}.\n\n"
        "Wie hat Ihnen Ihr Termin gefallen? Bewerten Sie ihn bitte auf einer Skala von "
        "1 bis 5 – das dauert nur einen Klick."
    ),
    "feedback.sms": "{business}: Danke für Ihren Besuch am {when_sms}! Wie war es? "
                    "Bewerten Sie uns von 1 bis 5: {feedback_url}",
}

_ES: Mapping[str, str] = {
    "greeting": "Hola, {customer}:",
    "sign_off": "Saludos cordiales,",
    "label.service": "Servicio",
    "label.staff": "Con",
    "label.when": "Fecha y hora",
    "link.manage": "Ver, cambiar o cancelar su cita",
    "link.view": "Ver su cita",
    "link.keep": "Mantener mi cita",
    "link.reschedule": "Elegir otra hora",
    "link.cancel": "Cancelar mi cita",
    "link.unsubscribe": "No recibir más recordatorios",
    "link.feedback": "Valorar mi visita (del 1 al 5)",
    "reason": "Mensaje de {business}: {reason}",
    "confirmation.subject": "Cita confirmada: {date} – {business}",
    "confirmation.body": (
        "Su cita en {business} está confirmada.\n\n"
        "Con el archivo de calendario adjunto puede añadirla a su calendario. Si cambian "
        "sus planes, puede cambiarla o cancelarla mediante el enlace de abajo."
    ),
    "confirmation.sms": "{business}: su cita de {service} el {when_sms} está confirmada. "
                        "Gestiónela aquí: {manage_url}",
    "reschedule.subject": "Cita cambiada: {date} – {business}",
    "reschedule.body": (
        "Su cita en {business} ha cambiado de fecha: antes era el {previous} y ahora "
        "es el {when}."
    ),
    "reschedule.sms": "{business}: su cita de {service} ha pasado del {previous_sms} al "
                      "{when_sms}. Detalles: {manage_url}",
    "cancellation.subject": "Cita cancelada: {date} – {business}",
    "cancellation.body": "Se ha cancelado su cita en {business} del {when}.",
    "cancellation.sms": "{business}: se ha cancelado su cita de {service} del {when_sms}. "
                        "Detalles: {manage_url}",
    "reminder.subject": "Recordatorio: su cita del {date} – {business}",
    "reminder.body": (
        "Le recordamos su próxima cita en {business}.\n\n"
        "Si no puede asistir, por favor cámbiela o cancélela mediante el enlace de abajo."
    ),
    "reminder.sms": "{business}: le recordamos su cita de {service} el {when_sms}. "
                    "Gestiónela aquí: {manage_url}",
    "delay.subject": "{business} lleva retraso: su cita empezará hacia las {estimate}",
    "delay.body": (
        "{business} lleva algo de retraso. Su cita, prevista para el {when}, empezará "
        "probablemente hacia las {estimate}.\n\n"
        "Indíquenos si desea mantener la cita, elegir otra hora o cancelarla. "
        "Disculpe la espera."
    ),
    "delay.sms": "{business} lleva retraso: su cita del {when_sms} empezará probablemente "
                 "hacia las {estimate}. Mantener, cambiar o cancelar: {manage_url}",
    "delay_clear.subject": "{business} vuelve a ir según lo previsto: su cita del {date}",
    "delay_clear.body": (
        "Buenas noticias: {business} vuelve a ir según lo previsto. Su cita empieza a "
        "la hora prevista, el {when}."
    ),
    "delay_clear.sms": "{business} vuelve a ir según lo previsto: su cita empieza a la hora "
                       "prevista, el {when_sms}. Detalles: {manage_url}",
    "feedback.subject": "¿Qué tal su visita a {business}?",
    "feedback.body": (
        "Gracias por su visita a {business}.\n\n"
        "¿Qué tal fue su cita? Valórela del 1 al 5; solo le llevará un clic."
    ),
    "feedback.sms": "{business}: ¡gracias por su visita del {when_sms}! ¿Qué tal fue? "
                    "Valórela del 1 al 5: {feedback_url}",
}

PHRASES: Mapping[str, Mapping[str, str]] = {"de": _DE, "en": _EN, "es": _ES}
"""Templates per locale; every locale has exactly the same keys."""
