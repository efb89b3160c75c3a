"""Thanks, farewells, yes and no in the other languages a city's callers mix into French
and English ("muito obrigada, tchau", "nein danke", "shukran, bslama").

A city hall in France hears every language of its residents: a caller who speaks
French to the bot often thanks it and takes leave in their first language, and answers
a yes/no question with their own yes or no. Whisper on a French or English call writes
those words in Latin letters, by ear: the entries are such spellings, accent-folded as
``voicebot.intents.words`` gives them ("teşekkür" → "tesekkur", "dziękuję" →
"dziekuje"), with the common variants of a word written beside it (never a word said twice: the
classifier hears "tchau tchau" as one "tchau"). They were written
from the languages themselves (the most spoken in France first), not from an evaluation
set; ``voicebot.intent_lexicon`` merges them into its thanks, farewells, yes and no.
Words that a held-out set's description names as its examples and that no development
set holds are left out (its figures would no longer be blind).

Left out on purpose, because they are French or English words too and would be read
as assent or refusal inside a question: "si" (if), "la" (Arabic no), "ne", "jo", "po",
"ya", "te", "ano", "hindi", "net", "u", "oo"; "aloha" and "szia" are
hello as well as goodbye; "tak" is a yes (Polish) and not a thanks (Danish).
"""

from __future__ import annotations

from typing import Final

__all__ = ["WORLD_FAREWELL", "WORLD_NO", "WORLD_POLITE", "WORLD_THANKS", "WORLD_YES"]


def _phrases(*items: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(item.split()) for item in items)


WORLD_THANKS: Final = _phrases(
    # Portuguese, Spanish, Italian, Catalan, Occitan, Corsican
    "obrigado", "obrigada", "muito obrigado", "muito obrigada", "brigado", "brigada",
    "obrigadu", "gracias", "muchas gracias", "mil gracias", "grazie", "grazie mille",
    "mille grazie", "grazie tante",
    "grazie assai", "grazii", "gracies", "moltes gracies", "merces", "merces plan",
    "merces forca",
    # German, Alsatian, Dutch, the Nordic languages
    "danke", "danke schon", "danke schoen", "dankeschon", "dankeschoen", "vielen dank",
    "danke vielmals", "dank je", "dank je wel",
    "dankjewel", "dank u", "dank u wel", "dankuwel", "bedankt", "hartelijk dank",
    "tusen tack", "takk", "tusen takk", "mange tak", "kiitos",
    "kiitos paljon",
    # Slavic, Romanian, Hungarian, Greek, Albanian
    "dziekuje", "dzienkuje", "dziekuje bardzo", "dzienkuje bardzo", "dziekuje pani",
    "spasibo", "spasiba", "bolshoe spasibo", "spasibo bolshoe", "dyakuyu", "diakuiu",
    "dyakuyu duzhe", "hvala", "hvala lijepa", "hvala puno", "hvala vam", "blagodarya",
    "dekuji", "dekuju", "dakujem", "multumesc", "multumesc frumos", "mersi frumos",
    "koszonom", "koszi", "efcharisto", "efharisto", "efcharisto poli", "faleminderit",
    # Arabic (Maghreb, Levant, Gulf), Berber, Turkish, Kurdish, Persian, Hebrew
    "shukran", "chokran", "shokran", "shukran jazilan",
    "shukran ktir", "merci ktir", "barak allahu fik", "baraka allahu fik", "allah ybarek fik",
    "allah ibarek fik", "yaatik saha", "yatik saha", "y3tik saha", "saha khoya",
    "tanemmirt", "tanmirt", "sagol", "sag ol", "sagolun", "tesekkurler", "tesekkur ederim",
    "cok tesekkurler", "cok tesekkur ederim", "spas", "mamnoon", "mamnun", "toda",
    "toda raba",
    # West and Central Africa, East Africa, the Indian Ocean, the Creoles
    "jerejef", "jerejef waay", "i ni tche", "a ni tche", "i ni ce", "a ni ce", "anitche",
    "matondo", "matondo mingi", "melesi", "melesi mingi",
    "medaase", "medaase paa", "ngiyabonga", "misaotra", "misaotra betsaka", "marahaba",
    "mesi", "mesi bokou",
    # Asia
    "cam on", "cam on nhieu", "xie", "xiexie", "xie ni", "do jeh", "m goi",
    "m goi saai", "kamsahamnida", "gamsahamnida", "kamsa hamnida", "gomawo", "gomapseumnida",
    "arigato", "arigatou", "domo arigato", "arigato gozaimasu", "nandri", "nanri",
    "romba nandri", "dhanyavad", "dhanyawad", "shukriya", "shukriyaa", "bahut shukriya",
    "dhonnobad", "salamat", "maraming salamat", "salamat po", "kop khun", "khob khun",
    "khop khun", "khob khun krap", "khob khun ka", "orkun", "akun",
    # the British Isles' other languages, Maltese, Hawaiian
    "trugarez", "trugarez bras", "eskerrik asko", "esker mila", "go raibh maith agat",
    "tapadh leat", "grazzi", "grazzi hafna", "mahalo", "mahalo nui",
) | frozenset(
    # "obrigada pela ajuda", "gracias por la información": thanks for the help or the answer,
    # each language's thanks × its own "for the help"
    tuple(f"{thanks} {what}".split())
    for thanks_words, whats in (
        (("obrigado", "obrigada", "muito obrigado", "muito obrigada"),
         ("pela ajuda", "pela informacao", "pelas informacoes")),
        (("gracias", "muchas gracias"),
         ("por la ayuda", "por su ayuda", "por la informacion", "por todo")),
        (("grazie", "grazie mille"),
         ("per l'aiuto", "dell'aiuto", "per l'informazione", "per tutto")),
    )
    for thanks in thanks_words
    for what in whats
)  # fmt: skip

WORLD_FAREWELL: Final = _phrases(
    # Portuguese, Spanish, Italian, Catalan, Occitan, Basque
    "tchau", "txau", "ate logo", "ate amanha", "ate breve",
    "ate mais", "adeus", "adios", "hasta luego", "hasta pronto", "hasta manana",
    "hasta la proxima", "chao", "chau", "arrivederci", "arrivederla", "a presto",
    "ci vediamo", "adeu", "adeu siau", "adishatz", "adiu", "adissiatz",
    "adessiatz", "agur",
    # German, Alsatian, Dutch, the Nordic languages
    "auf wiedersehen", "auf wiederhoren", "auf wiederhoeren", "tschuss", "tschus", "tschau",
    "ade", "adee", "bis dann", "bis bald", "tot ziens", "doei", "doeg", "hej da", "hejda",
    "ha det", "ha det bra", "nakemiin",
    # Slavic, Romanian, Hungarian, Greek, Albanian
    "do widzenia", "do zobaczenia", "vsego dobrogo", "vsego khoroshego", "do svidaniya",
    "dosvidaniya", "do svidanya", "poka",
    "do pobachennya", "do pobachenya", "dovidjenja", "dovidenja", "dovizhdane",
    "na shledanou", "dovidenia", "la revedere", "viszontlatasra",
    "yia sas", "yassou", "geia sas", "antio", "mirupafshim",
    # Arabic, Turkish, Persian, Urdu, Hebrew
    "bslama", "beslama", "bessalama", "b'slama", "bislama", "ma salama", "maa salama",
    "maasalama", "ma'a salama", "bsslama", "thalla", "thella", "allah ihennik",
    "fi amanillah", "khoda hafez", "khodahafez", "khuda hafiz", "khudahafiz", "allah hafiz",
    "allah hafez", "hoscakal", "hosca kal", "hosca kalin", "hoscakalin", "gorusuruz",
    "gorusmek uzere", "iyi gunler", "iyi aksamlar", "allaha ismarladik", "lehitraot",
    # Africa, the Indian Ocean, the Creoles; West African English "go and come"
    "ba beneen", "ba beneen yoon", "ba ci kanam", "tokomonana",
    "tokomonana lisusu", "kwaheri", "veloma", "orevwa", "orevwar", "a pita", "a pi ta",
    "n'a we pita", "n'a we", "nou a we", "let me go and come", "i dey go", "make i go",
    "o dabo", "sai an jima", "nabad gelyo",
    # Asia
    "zai jian", "zaijian", "annyeong", "annyeonghi gyeseyo",
    "annyeonghi gaseyo", "annyeong hi gyeseyo", "sayonara", "ja ne", "mata ne",
    "poittu varen", "poitu varen", "poyittu varen", "phir milenge", "alvida", "paalam",
    "ingat", "ingat po", "ingat po kayo", "ingat ka", "sawasdee", "sawadee", "lea heouy",
    # the British Isles' other languages, Maltese, Hawaiian
    "kenavo ar wech all", "slan abhaile", "slan leat", "sahha",
    "a hui hou",
)  # fmt: skip

WORLD_YES: Final = _phrases(
    "da", "ja", "jawohl", "jaja", "tak", "evet", "tamam", "sim", "sim senhora", "sim senhor",
    "claro",
    "claro que si", "si claro", "si senor", "si senora", "si signora", "si certo", "certo",
    "esatto", "vale", "haan", "haan ji", "ji haan", "han ji",
    "awo", "awa", "waaw", "waw", "ndiyo", "eny", "vang", "da vang",
    "hai", "shi de", "dui", "igen", "aywa", "aiwa", "naam", "na'am",
    "iyeh", "wakha", "ewa", "opo", "kylla", "hao", "hao de",
)  # fmt: skip

WORLD_NO: Final = _phrases(
    "nein", "nein danke", "nee", "nee dank je", "nee dank u", "nej", "nej tack", "nie",
    "nie dziekuje", "nie dzienkuje", "niet", "nyet", "nu", "nu multumesc", "hayir", "yok",
    "gerek yok", "nao", "nao obrigado", "nao obrigada", "no gracias", "no grazie", "ayi",
    "ayi merci",
    "dedet", "deedeet", "hapana", "tsia", "khong", "khong can", "bu yao", "bu shi",
    "bu yong", "nahi", "nahin", "nahi ji", "nahin ji", "iie", "nem", "lla",
)  # fmt: skip

# "please", the words of address and the openers said around them ("sim por favor", "sagol
# abla", "allora grazie"): politeness and fillers, which never change the intent
WORLD_POLITE: Final = _phrases(
    "por favor", "per favore", "per piacere", "bitte", "bitte schon", "alstublieft",
    "prosze", "va rog", "te rog", "lutfen", "min fadlak", "afak", "pozhaluysta", "molim",
    "kudasai", "allora", "ecco", "pues", "bueno", "entonces", "yalla", "yallah", "hadi",
    "khlas", "khalas", "abla", "khoya", "khouya", "habibi", "hermano", "amigo", "signora",
    "signore", "senhora", "senhor", "senora", "senor", "doamna", "domnule", "pani", "bhai",
    "didi", "ji", "inshallah", "inchallah", "in sha allah",
)  # fmt: skip
