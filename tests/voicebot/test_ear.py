import pytest

from voicebot.ear import for_the_ear, split_sentences

FR = [
    ("Le passeport coûte 86 €.", "Le passeport coûte quatre-vingt-six euros."),
    ("Tarif : 17,50 €", "Tarif : dix-sept euros cinquante"),
    ("Ouvert à 9h30.", "Ouvert à neuf heures trente."),
    ("de 8h30 à 17h", "de huit heures trente à dix-sept heures"),
    ("9h-12h", "neuf heures à midi"),
    (
        "de 8 h 30 à 12 h et de 13 h 30 à 17 h 30.",
        "de huit heures trente à midi et de treize heures trente à dix-sept heures trente.",
    ),
    ("le 12/03/2025", "le douze mars deux mille vingt-cinq"),
    ("le 1/05/2025", "le premier mai deux mille vingt-cinq"),
    (
        "Appelez le 01 23 45 67 89.",
        "Appelez le zéro un, vingt-trois, quarante-cinq, soixante-sept, quatre-vingt-neuf.",
    ),
    ("Voir https://www.ville.fr/etat-civil.", "Voir sur le site de la ville."),
    (
        "Rendez-vous sur service-public.fr pour la demande.",
        "Rendez-vous sur le site de la ville pour la demande.",
    ),
    (
        "Écrivez à etat-civil@ville.fr.",
        "Écrivez par courriel, l'adresse est sur le site de la ville.",
    ),
    ("Mme Dupont, n° 12", "Madame Dupont, numéro douze"),
    ("au 1er étage", "au premier étage"),
    ("RDV en mairie", "rendez-vous en mairie"),
    ("25 %", "vingt-cinq pour cent"),
]
EN = [
    ("The passport costs 86 €.", "The passport costs eighty-six euros."),
    ("Open at 9:30 am.", "Open at nine thirty a m."),
    ("from 9h30 to 17h", "from nine thirty a m to five p m"),
    ("on 12/03/2025", "on March twelfth, twenty twenty-five"),
    ("Call 01 23 45 67 89.", "Call oh one, two three, four five, six seven, eight nine."),
    ("See www.ville.fr.", "See on the city's website."),
    ("Write to contact@ville.fr", "Write by e-mail, the address is on the city's website"),
    ("Mr. Smith, e.g. a form", "Mister Smith, for example a form"),
]


@pytest.mark.parametrize(("written", "spoken"), FR)
def test_french_for_the_ear(written: str, spoken: str) -> None:
    assert for_the_ear(written, "fr") == spoken


@pytest.mark.parametrize(("written", "spoken"), EN)
def test_english_for_the_ear(written: str, spoken: str) -> None:
    assert for_the_ear(written, "en") == spoken


def test_markup_and_bullets_are_not_read() -> None:
    text = "**Pièces** :\n- une photo\n- un justificatif"
    assert for_the_ear(text, "fr") == "Pièces :. une photo. un justificatif"


def test_split_sentences_streams_long_text() -> None:
    parts = split_sentences("Première phrase. Deuxième ? Troisième ! " + "mot, " * 60)
    assert parts[:3] == ["Première phrase.", "Deuxième ?", "Troisième !"]
    assert all(len(p) <= 180 for p in parts)
