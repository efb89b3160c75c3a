"""The dialog state machine, without audio (fake knowledge)."""

import pytest

from ivr_flows import DEFAULT_FLOW, load_flow
from voicebot.chat import TextChat
from voicebot.dialog import (
    Callback,
    Dialog,
    DialogConfig,
    Dtmf,
    Hangup,
    KnowledgeResult,
    Lookup,
    Say,
    SilenceTimeout,
    Start,
    SwitchLanguage,
    Transfer,
    Utterance,
)
from voicebot.intents import classify
from voicebot.knowledge_port import SimpleAnswer

from .fakes import fake_knowledge


def says(actions: list) -> list[str]:
    return [a.kind for a in actions if isinstance(a, Say)]


def texts(actions: list) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


def ask(dialog: Dialog, text: str, answer: SimpleAnswer, lang: str = "fr") -> list:
    actions = dialog.handle(Utterance(text, lang))  # type: ignore[arg-type]
    assert actions == [Lookup(text, lang)]  # type: ignore[arg-type]
    return dialog.handle(KnowledgeResult(text, answer, lang))  # type: ignore[arg-type]


SURE = SimpleAnswer(False, "horaires-mairie", 0.9, "Ouvert de 9h à 17h.", "les horaires", "accueil")
# in the knowledge base's confirm band: likely, not sure (``Answer.to_confirm``)
UNSURE = SimpleAnswer(
    False, "passeport", 0.65, "Sur rendez-vous.", "le passeport", "etat-civil", to_confirm=True
)
ABSTAIN = SimpleAnswer(True, None, 0.1, None, None, "urbanisme")


def test_greeting_then_answer_then_goodbye() -> None:
    dialog = Dialog(DialogConfig())
    assert says(dialog.handle(Start())) == ["greeting", "greeting"]  # + "For English…"
    actions = ask(dialog, "Quels sont les horaires ?", SURE)
    assert says(actions) == ["answer", "prompt"]
    assert actions[0].text == "Ouvert de 9h à 17h." and actions[0].card_id == "horaires-mairie"
    actions = dialog.handle(Utterance("Non merci, au revoir", "fr"))
    assert says(actions) == ["goodbye"] and isinstance(actions[-1], Hangup)
    assert dialog.ended and dialog.handle(Utterance("allo", "fr")) == []


def test_low_confidence_is_confirmed_first() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    actions = ask(dialog, "passeport", UNSURE)
    assert says(actions) == ["confirm"] and "le passeport" in actions[0].text
    actions = dialog.handle(Utterance("Oui, c'est ça.", "fr"))
    assert says(actions) == ["answer", "prompt"] and texts(actions)[0] == "Sur rendez-vous."
    actions = ask(dialog, "passeport encore", UNSURE)
    actions = dialog.handle(Utterance("Non.", "fr"))
    assert says(actions) == ["prompt"] and "reformuler" in texts(actions)[0]
    assert dialog.state.phase == "listening"


def test_a_sure_answer_is_not_confirmed_whatever_its_confidence() -> None:
    # the band is the knowledge base's decision (to_confirm), not a threshold here
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    sure_but_low = SimpleAnswer(False, "passeport", 0.4, "Sur rendez-vous.", "le passeport")
    assert says(ask(dialog, "passeport", sure_but_low)) == ["answer", "prompt"]


def test_a_second_no_to_a_confirmation_abstains_and_offers() -> None:
    dialog = Dialog(DialogConfig(humans_available=True))
    dialog.handle(Start())
    ask(dialog, "passeport", UNSURE)
    actions = dialog.handle(Utterance("non pas du tout", "fr"))
    assert says(actions) == ["prompt"]  # rephrase, once
    assert says(ask(dialog, "le passeport de ma fille", UNSURE)) == ["confirm"]
    actions = dialog.handle(Dtmf("2"))  # key 2: no
    assert says(actions) == ["abstain", "offer"] and "conseiller" in texts(actions)[1]
    assert dialog.state.service == "etat-civil"
    assert isinstance(dialog.handle(Utterance("oui", "fr"))[-1], Transfer)


def test_no_with_a_new_topic_to_a_confirmation_is_looked_up() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    ask(dialog, "passeport", UNSURE)
    text = "Non, c'est pour la carte d'identité"
    assert dialog.handle(Utterance(text, "fr")) == [Lookup(text, "fr")]


def test_abstain_offers_a_callback_after_hours() -> None:
    dialog = Dialog(DialogConfig(humans_available=False))
    dialog.handle(Start())
    actions = ask(dialog, "Quel temps fera-t-il ?", ABSTAIN)
    assert says(actions) == ["abstain", "offer"]
    assert "rappelle" in actions[1].text
    actions = dialog.handle(Utterance("oui volontiers", "fr"))
    assert any(isinstance(a, Callback) and a.service == "urbanisme" for a in actions)
    assert isinstance(actions[-1], Hangup)


def test_abstain_offers_a_person_during_opening_hours() -> None:
    dialog = Dialog(DialogConfig(humans_available=True))
    dialog.handle(Start())
    ask(dialog, "question bizarre", ABSTAIN)
    actions = dialog.handle(Dtmf("1"))
    assert any(isinstance(a, Transfer) for a in actions)


def test_refusing_the_offer_goes_back_to_listening() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    ask(dialog, "question bizarre", ABSTAIN)
    actions = dialog.handle(Utterance("No thanks.", "en"))
    assert says(actions) == ["prompt"] and dialog.state.phase == "listening"


def test_a_person_word_accepts_a_callback_offer() -> None:
    # after hours "un conseiller" answers "shall an agent call you back?": yes, not a
    # second offer
    dialog = Dialog(DialogConfig(humans_available=False))
    dialog.handle(Start())
    ask(dialog, "question bizarre", ABSTAIN)
    actions = dialog.handle(Utterance("euh un conseiller s'il vous plaît", "fr"))
    assert any(isinstance(a, Callback) for a in actions) and isinstance(actions[-1], Hangup)


def test_silence_in_words_to_a_yes_no_question_asks_it_again() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    confirm = ask(dialog, "passeport", UNSURE)
    again = dialog.handle(Utterance("euh", "fr"))
    assert texts(again) == texts(confirm)
    assert dialog.state.phase == "confirming"


# --- the examples: the whole sentence decides ---


def test_no_followed_by_a_new_topic_is_a_new_question() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    ask(dialog, "Quels sont les horaires ?", SURE)
    actions = dialog.handle(Utterance("Non, le passeport", "fr"))
    assert actions == [Lookup("Non, le passeport", "fr")] and not dialog.ended


def test_a_sentence_that_mentions_someone_is_a_question() -> None:
    dialog = Dialog(DialogConfig(humans_available=True))
    dialog.handle(Start())
    text = "Quelqu'un a volé mon sac"
    assert dialog.handle(Utterance(text, "fr")) == [Lookup(text, "fr")]
    english = Dialog(DialogConfig(humans_available=True), lang="en")
    english.handle(Start())
    text = "someone stole my wallet with my ID card"
    assert english.handle(Utterance(text, "en")) == [Lookup(text, "en")]


def test_what_time_is_a_question_not_a_request_to_repeat() -> None:
    dialog = Dialog(DialogConfig(), lang="en")
    dialog.handle(Start())
    ask(dialog, "passport", SURE, "en")
    text = "what time does the town hall open"
    assert dialog.handle(Utterance(text, "en")) == [Lookup(text, "en")]


def test_a_plain_no_asks_once_for_anything_else_then_says_goodbye() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    ask(dialog, "Quels sont les horaires ?", SURE)
    actions = dialog.handle(Utterance("non", "fr"))
    assert [(a.kind, a.text) for a in actions if isinstance(a, Say)] == [
        ("prompt", "Y a-t-il autre chose ?")
    ]
    assert not any(isinstance(a, Hangup) for a in actions) and not dialog.ended
    actions = dialog.handle(Utterance("Non merci.", "fr"))
    assert says(actions) == ["goodbye"] and isinstance(actions[-1], Hangup) and dialog.ended


def test_after_anything_else_a_question_is_answered_and_asked_again_later() -> None:
    dialog = Dialog(DialogConfig(), lang="en")
    dialog.handle(Start())
    ask(dialog, "opening hours", SURE, "en")
    assert dialog.handle(Utterance("nope", "en"))[0].text == "Is there anything else?"  # type: ignore[union-attr]
    ask(dialog, "ok and the passport", SURE, "en")
    # a new answer: a plain "no" asks again rather than hanging up
    assert says(dialog.handle(Utterance("no", "en"))) == ["prompt"] and not dialog.ended
    assert isinstance(dialog.handle(Utterance("no thanks", "en"))[-1], Hangup)


def test_a_goodbye_after_an_answer_hangs_up_at_once() -> None:
    for text in ("merci au revoir", "Non merci, bonne journée"):
        dialog = Dialog(DialogConfig())
        dialog.handle(Start())
        ask(dialog, "Quels sont les horaires ?", SURE)
        actions = dialog.handle(Utterance(text, "fr"))
        assert says(actions) == ["goodbye"] and isinstance(actions[-1], Hangup)


@pytest.mark.parametrize(
    "text",
    [
        "Je veux parler à un conseiller",
        "un agent s'il vous plaît",
        "Can I talk to a real person?",
        "operator",
    ],
)
def test_asking_for_a_person(text: str) -> None:
    dialog = Dialog(DialogConfig(humans_available=True))
    dialog.handle(Start())
    actions = dialog.handle(Utterance(text, "fr"))
    assert isinstance(actions[-1], Transfer)


def test_dtmf_zero_is_a_person_and_star_repeats() -> None:
    dialog = Dialog(DialogConfig(humans_available=False))
    dialog.handle(Start())
    answer = ask(dialog, "horaires", SURE)
    again = dialog.handle(Dtmf("*"))
    assert [a.text for a in again] == [a.text for a in answer if isinstance(a, Say)]
    assert says(dialog.handle(Utterance("Pouvez-vous répéter ?", "fr"))) == ["repeat", "repeat"]
    actions = dialog.handle(Dtmf("0"))  # no agent now: offer a callback
    assert says(actions) == ["offer"]


def test_silence_prompts_then_hangs_up() -> None:
    dialog = Dialog(DialogConfig(max_silences=2))
    dialog.handle(Start())
    assert says(dialog.handle(SilenceTimeout())) == ["prompt"]
    assert says(dialog.handle(SilenceTimeout())) == ["prompt"]
    actions = dialog.handle(SilenceTimeout())
    assert says(actions) == ["goodbye"] and isinstance(actions[-1], Hangup)


def test_max_turns() -> None:
    dialog = Dialog(DialogConfig(max_turns=2))
    dialog.handle(Start())
    ask(dialog, "les horaires de la mairie", SURE)
    ask(dialog, "et le samedi", SURE)
    actions = dialog.handle(Utterance("trois questions", "fr"))
    assert isinstance(actions[-1], Hangup) and "goodbye" in says(actions)


def test_empty_transcript_asks_again() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    assert says(dialog.handle(Utterance("", "fr"))) == ["prompt"]


@pytest.mark.parametrize(
    ("text", "lang", "said"),
    [
        ("português por favor", "fr", "Je ne peux vous répondre qu'en français ou en anglais."),
        ("vous parlez roumain ?", "fr", "Je ne peux vous répondre qu'en français ou en anglais."),
        ("do you have it in German", "en", "I can only answer in English or in French."),
    ],
)
def test_a_language_the_bot_does_not_speak_is_answered_with_the_two_it_does(
    text: str, lang: str, said: str
) -> None:
    dialog = Dialog(DialogConfig(), lang=lang)  # type: ignore[arg-type]
    dialog.handle(Start())
    actions = dialog.handle(Utterance(text, lang))  # type: ignore[arg-type]
    assert texts(actions) == [said]  # not looked up, not "I'm listening"
    assert not dialog.ended


def test_thanks_and_farewell_in_the_callers_own_language_end_the_call() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    ask(dialog, "Quels sont les horaires ?", SURE)
    actions = dialog.handle(Utterance("muito obrigada, tchau", "fr"))
    assert says(actions) == ["goodbye"] and isinstance(actions[-1], Hangup)


def test_english_dialog() -> None:
    dialog = Dialog(DialogConfig(), lang="en")
    assert "city hall" in dialog.handle(Start())[0].text
    actions = ask(dialog, "passport", UNSURE, "en")
    assert actions[0].text == "Do you mean: le passeport?"
    assert says(dialog.handle(Utterance("yes", "en"))) == ["answer", "prompt"]


def test_snapshot_restore_replays_a_turn() -> None:
    dialog = Dialog(DialogConfig())
    dialog.handle(Start())
    saved = dialog.snapshot()
    ask(dialog, "horaires", SURE)
    assert dialog.state.turns == 1
    dialog.restore(saved)
    assert dialog.state.turns == 0


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("oui", "yes"),
        ("Ouais, d'accord.", "yes"),
        ("Yes please", "yes"),
        ("non", "no"),
        ("Nope", "no"),
        ("Non, pas du tout", "no"),
        ("Répétez s'il vous plaît", "repeat"),
        ("Say that again?", "repeat"),
        ("au revoir", "goodbye"),
        ("Goodbye!", "goodbye"),
        ("conseiller", "person"),
        ("Quels sont les horaires de la mairie ?", "question"),
        ("Non je voudrais savoir comment faire un passeport pour mon fils", "question"),
        ("", "empty"),
    ],
)
def test_intents_fr_en(text: str, intent: str) -> None:
    assert classify(text, "fr", "after_answer") == intent


def test_text_chat_reuses_the_dialog() -> None:
    chat = TextChat(fake_knowledge(), DialogConfig(), "fr")
    assert chat.start()[0].kind == "greeting"  # type: ignore[union-attr]
    actions = chat.reply("Quels sont les horaires d'ouverture ?")
    assert isinstance(actions[0], Say) and "8h30" in actions[0].text
    actions = chat.reply("0")
    assert says(actions) == ["offer"]


def test_french_greeting_offers_english_by_key_or_word() -> None:
    dialog = Dialog(DialogConfig())
    greeting = dialog.handle(Start())
    assert [(a.lang, a.kind) for a in greeting if isinstance(a, Say)] == [
        ("fr", "greeting"),
        ("en", "greeting"),
    ]
    assert "press 2" in greeting[-1].text  # type: ignore[union-attr]
    actions = dialog.handle(Dtmf("2"))
    assert actions[0] == SwitchLanguage("en")
    assert [(a.lang, a.kind) for a in actions if isinstance(a, Say)] == [("en", "greeting")]
    assert dialog.state.lang == "en"
    assert dialog.handle(Dtmf("2")) == []  # already in English: nothing to switch

    spoken = Dialog(DialogConfig())
    spoken.handle(Start())
    assert spoken.handle(Utterance("English.", "fr"))[0] == SwitchLanguage("en")
    detected = Dialog(DialogConfig())  # the recogniser already heard it as English
    detected.handle(Start())
    assert detected.handle(Utterance("English", "en"))[0] == SwitchLanguage("en")
    # past the first question too, the word alone is a choice (issue 11; more in
    # test_language.py); within a question it is part of the question
    other = Dialog(DialogConfig())
    other.handle(Start())
    ask(other, "Quels sont les horaires ?", SURE)
    assert other.handle(Utterance("anglais", "fr"))[0] == SwitchLanguage("en")
    lessons = "Where are the French lessons?"
    assert other.handle(Utterance(lessons, "en")) == [Lookup(lessons, "en")]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Comment ?", "repeat"),
        ("Pardon ?", "repeat"),
        ("Vous pouvez répéter ?", "repeat"),
        ("Répéter s'il vous plaît", "repeat"),
        ("Say that again", "repeat"),
        ("Comment faire une carte d'identité ?", "question"),
        ("Comment refaire mon passeport", "question"),
        ("Quoi comme papiers pour le PACS ?", "question"),
    ],
)
def test_a_short_question_is_not_a_request_to_repeat(text: str, intent: str) -> None:
    assert classify(text, "fr", "after_answer") == intent


NOTICE = {
    "fr": "Cet appel est transcrit ; détails sur le site de la ville.",
    "en": "This call is transcribed; details on the city's website.",
}


def greeting_texts(actions: list) -> list[tuple[str, str]]:
    return [(a.lang, a.text) for a in actions if isinstance(a, Say) and a.kind == "greeting"]


def test_the_greeting_says_the_flows_privacy_notice_after_the_invitation() -> None:
    dialog = Dialog(DialogConfig(notice=NOTICE))
    greeting = greeting_texts(dialog.handle(Start()))
    # asked first to speak, then told: the invitation stays within the first seconds
    assert [lang for lang, _ in greeting] == ["fr", "fr", "en"]
    assert "Posez-moi votre question" in greeting[0][1]
    assert greeting[1] == ("fr", NOTICE["fr"])
    assert "press 2" in greeting[2][1] and NOTICE["en"] not in greeting[2][1]
    # a caller who switches to English hears the English notice with the English greeting
    english = greeting_texts(dialog.handle(Dtmf("2")))
    assert [lang for lang, _ in english] == ["en", "en"] and english[1] == ("en", NOTICE["en"])
    assert [a.text for a in dialog.handle(Dtmf("*"))] == [text for _, text in english]


def test_the_notice_comes_from_the_flow_not_from_the_dialog() -> None:
    flow = load_flow(DEFAULT_FLOW)
    with_notice = greeting_texts(Dialog(DialogConfig(notice=flow.privacy_notices)).handle(Start()))
    # without one from the flow, the dialog has nothing of its own to say
    bare = greeting_texts(Dialog(DialogConfig()).handle(Start()))
    assert with_notice == [bare[0], ("fr", flow.privacy_notices["fr"]), bare[1]]


def test_the_text_chat_greets_with_the_notice_too() -> None:
    chat = TextChat(fake_knowledge(), DialogConfig(notice=NOTICE), "en")
    assert greeting_texts(chat.start())[1] == ("en", NOTICE["en"])
