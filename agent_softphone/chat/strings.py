"""What the chat says in its own words (fr, en): the greeting, the hand-over, the
limits. The answers themselves are the dialog's and the cards' (the voicebot's)."""

from __future__ import annotations

from typing import Literal

__all__ = ["ChatLang", "chat_lang", "say"]

ChatLang = Literal["fr", "en"]

_TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "greeting": "Bonjour, je suis l'assistant en ligne de {city}. Posez votre question : "
        "je réponds à partir des fiches de la mairie. Si je ne sais pas, je vous propose "
        "un agent d'accueil, un rappel ou nos horaires.",
        "continue_in": "Je continue en français.",
        "source": "Source : fiche « {title} »",
        "waiting": "Je cherche un agent d'accueil disponible, merci de patienter. "
        "Vous pouvez continuer à écrire : il lira toute la conversation.",
        "agent_joined": "Un agent d'accueil a rejoint la conversation.",
        "agent_left": "L'agent d'accueil a terminé la conversation. Merci et bonne journée.",
        "no_agent": "Aucun agent d'accueil n'est disponible pour le moment. Vous pouvez "
        "demander à être rappelé, ou consulter nos horaires et notre adresse.",
        "ask_number": "Indiquez le numéro auquel un agent de la mairie peut vous rappeler.",
        "booked": "C'est noté : un agent de la mairie vous rappellera au {number} "
        "au plus tard le {when}. Référence {ref}.",
        "booked_sms": " Un SMS de confirmation vous est envoyé.",
        "bad_number": "Ce numéro ne peut pas être rappelé. Indiquez un numéro de téléphone "
        "français, par exemple 06 12 34 56 78.",
        "hours_missing": "Les horaires ne sont pas disponibles pour le moment.",
        "goodbye": "Merci de votre visite. Au revoir !",
        "ended": "La conversation est terminée.",
        "too_fast": "Vous envoyez des messages trop vite. Réessayez dans {s} secondes.",
        "too_many": "Trop de conversations depuis votre connexion. Réessayez dans {s} secondes.",
        "too_long": "Votre message est trop long : {n} caractères au plus.",
        "busy": "Le service de discussion est très demandé. Réessayez dans quelques minutes.",
        "empty": "Votre message est vide.",
    },
    "en": {
        "greeting": "Hello, I am the online assistant of {city}. Ask your question: I answer "
        "from the city hall's information sheets. If I don't know, I offer you a reception "
        "agent, a call back or our opening hours.",
        "continue_in": "I'll continue in English.",
        "source": "Source: information sheet “{title}”",
        "waiting": "I'm looking for an available reception agent, please wait. You can keep "
        "writing: they will read the whole conversation.",
        "agent_joined": "A reception agent has joined the conversation.",
        "agent_left": "The reception agent has ended the conversation. Thank you, goodbye.",
        "no_agent": "No reception agent is available at the moment. You can ask to be "
        "called back, or see our opening hours and address.",
        "ask_number": "Give the number on which a city hall agent can call you back.",
        "booked": "Noted: a city hall agent will call you back on {number} by {when}. "
        "Reference {ref}.",
        "booked_sms": " A confirmation text message is on its way.",
        "bad_number": "This number cannot be called back. Give a French phone number, "
        "for example 06 12 34 56 78.",
        "hours_missing": "The opening hours are not available at the moment.",
        "goodbye": "Thank you for your visit. Goodbye!",
        "ended": "The conversation has ended.",
        "too_fast": "You are sending messages too fast. Try again in {s} seconds.",
        "too_many": "Too many conversations from your connection. Try again in {s} seconds.",
        "too_long": "Your message is too long: {n} characters at most.",
        "busy": "The chat service is very busy. Please try again in a few minutes.",
        "empty": "Your message is empty.",
    },
}


def chat_lang(value: str | None) -> ChatLang:
    """A page's or a visitor's language tag (``fr-FR``, ``en``) as one of ours."""
    return "en" if (value or "").lower().startswith("en") else "fr"


def say(lang: str, key: str, **fmt: object) -> str:
    return _TEXT[chat_lang(lang)][key].format(**fmt)
