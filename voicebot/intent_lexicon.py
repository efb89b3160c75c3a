"""The intent rules' lexicon: the fixed phrases a caller's sentence is cut into, and the
word sets the rules read around them (``voicebot.intents``).

Every phrase is written in accent-folded words as ``voicebot.intents.words`` gives them
("a bientot", "c'est tout"); the longest phrase wins where two overlap. Entries are
general formulas and words (a farewell, a way of declining), never a copy of an
evaluation sentence: each was added for a form found on a development set
(``tests/voicebot/intents_dev*.jsonl``) that a caller anywhere may use.
"""

from __future__ import annotations

import re
from typing import Final

from voicebot.intent_lexicon_world import (
    WORLD_FAREWELL,
    WORLD_NO,
    WORLD_POLITE,
    WORLD_THANKS,
    WORLD_YES,
)

__all__ = [
    "ACCEPT",
    "ANNOUNCE",
    "CALL_BACK",
    "CLOSING",
    "COMPLAINT",
    "DECLINE",
    "FAREWELL",
    "FILLER",
    "FIRST_NAMES",
    "NO",
    "PERSON_WORDS",
    "PLAN",
    "POLITE",
    "PRESENCE",
    "RESIGN",
    "SETTLED",
    "SORRY",
    "STOP",
    "THANKS",
    "THATS_ALL",
    "THATS_IT",
    "WRONG_NUMBER",
    "YES",
    "phrases",
    "wordset",
]


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


def phrases(*items: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(item.split()) for item in items)


FILLER: Final = phrases(
    # a shrug on an acceptance: "oui envoyez toujours, on sait jamais"
    "on sait jamais", "on ne sait jamais", "you never know",
    # leaving put off: "avant que je raccroche, …", "before I hang up, …"
    "avant que je raccroche", "avant de raccrocher", "before i hang up", "before i go",
    # French hesitations and discourse markers
    "euh", "heu", "euuh", "euhm", "hum", "hmm", "hm", "mmh", "mm", "mmm", "bah", "ben", "bon",
    "alors", "donc", "enfin", "ah", "oh", "eh", "hein ben", "bref", "genre", "en fait",
    "du coup", "tiens", "ecoutez", "attendez", "attends", "un instant", "une seconde",
    "un moment", "une minute", "deux secondes", "voyons", "allez", "dites moi", "bon ben",
    "ben alors", "euh ben", "oui alors",
    # regional interjections: Southern "zou", "allez zou", "peuchère"; Québécois "coudonc"
    "zou", "allez zou", "peuchere", "coudonc", "ben la", "la pis", "pis",
    # lukewarm, before the answer it colours: "bof, non"
    "bof",
    # a slip noticed: "oups", "mince", "oh là là", "whoops"
    "oups", "mince", "zut", "oh la la", "ouh la", "oops", "whoops", "oopsie", "oh dear",
    # breath and sighs, said longer by some ("uhhh", "pfff": ``words`` keeps two letters)
    "pf", "pff", "pfiou", "ouf", "tss", "mh", "uhh", "hmm hmm",
    # a cough, a sneeze, a hiccup, a hush, as the recogniser spells them
    "keuf", "kof", "kof kof", "ugh", "hem", "ahem", "atchoum", "achoo", "atishoo", "hic",
    "shh", "chut", "hack hack", "cough", "cough cough",
    # English ones
    "uh", "um", "umm", "uhm", "er", "erm", "ehm", "well", "so", "like", "you know", "i mean",
    "hold on", "wait", "one moment", "one second", "just a second", "just a moment", "let me see",
    "let's see", "hang on", "oh well", "okay so", "actually", "anyway",
    "one sec", "a sec", "just a sec", "une sec", "une petite seconde",
    # a hold message heard from another line ("ne quittez pas", "your call is important
    # to us"): the caller is on hold elsewhere, nothing is said to the bot
    "ne quittez pas", "veuillez patienter", "votre correspondant va vous repondre",
    "votre appel est important pour nous", "please hold", "please stay on the line",
    "stay on the line", "your call is important to us",
)  # fmt: skip
POLITE: Final = phrases(
    "bonjour", "bonsoir", "salut", "madame", "monsieur", "mademoiselle", "messieurs dames",
    "s'il vous plait", "je vous prie", "si possible", "c'est gentil", "c'est tres gentil",
    "tres aimable", "vous etes gentil", "vous etes gentille", "je vous remercie",
    "hi", "hiya", "hey", "good morning", "good afternoon", "good evening", "sir", "ma'am",
    "madam", "please", "kindly", "if possible", "that's kind", "that's very kind", "kind of you",
    "that's very kind of you",
    # greetings and endearments: "howdy", "g'day", "mon petit", "mon cœur", "ma'am"
    "howdy", "g'day", "gday", "maam", "mon petit", "ma petite", "mon coeur", "mon cher",
    "ma chere", "ma belle", "mon grand", "c'est gentil tout plein",
    # a condition of courtesy on an acceptance: "go on then, if it's no bother"
    "if it's no bother", "if it's not too much bother", "if it's not too much trouble",
    "if that's ok", "if that's okay", "si ca vous derange pas", "si ca ne vous derange pas",
    "si ca vous embete pas", "si ce n'est pas trop demander", "si c'est pas trop demander",
) | WORLD_POLITE  # fmt: skip
THANKS: Final = phrases(
    "mille mercis", "many thanks", "cheers", "merci pour tout", "merci pour votre aide",
    "thanks for your help", "thank you for your help", "thanks for everything",
    # Australian, British: "thanks heaps", "ta very much"
    "thanks heaps", "ta very much", "ta muchly", "merci a vous", "merci a toi",
    # New Zealand "chur", Welsh "diolch"
    "chur", "diolch",
    # thanks said as being obliged or appreciating: "much obliged", "appreciate you"
    "much obliged", "obliged", "i'm obliged", "appreciate it", "appreciate you",
    "appreciate that", "i appreciate it", "i appreciate that", "i appreciate you",
    "much appreciated", "appreciated",
    "thanks all the same", "thank you all the same", "thanks anyway", "thank you anyway",
    "merci quand meme", "merci tout de meme", "merci quand meme hein",
    "vous m'avez bien aide", "vous m'avez bien aidee", "vous m'avez beaucoup aide",
    "vous m'avez beaucoup aidee", "vous m'avez ete d'une grande aide",
    # thanks for the information: "merci du renseignement", "thanks for the info"
    "merci du renseignement", "merci pour le renseignement", "merci pour les renseignements",
    "merci des renseignements", "merci pour l'info", "merci de l'info", "merci pour l'information",
    "merci pour les infos", "thanks for the info", "thanks for the information",
    "thank you for the information", "thanks for that",
    # thanks and praise in regional and foreign Englishes and Frenches: Welsh "lush",
    # Australian "bewdy", "onya", Scots "braw", Irish "fair play to you", Nigerian "ehen",
    # "well done", Caribbean "respect", American South "bless your heart", formal French
    # "je vous remercie de votre obligeance", "vous êtes bien obligeante"
    # ("bless you" thanks, and is said on accepting too: "yeah text it to me, bless you")
    "bless", "bless you", "bless you dear",
    "lush", "bewdy", "onya", "good on ya", "good on you", "braw", "fair play to you",
    "fair play", "ehen", "well done", "respect", "bless your heart", "well bless your heart",
    "thanks ever so", "thank you ever so", "thank ya", "thank ya kindly", "good as gold",
    # ("thank ya" as the words come out of ``words``, which hears "ya" as "yeah")
    "thank yeah", "thank yeah kindly",
    "i am very grateful", "i'm very grateful", "very grateful", "i am grateful",
    "je vous remercie de votre obligeance", "je vous remercie de ces precisions",
    "je vous remercie pour ces precisions", "merci de ces precisions", "merci pour ces precisions",
    "vous etes bien obligeante", "vous etes bien obligeant", "vous etes bien aimable",
    "ca me rend service", "ca m'a rendu service", "merci mademoiselle", "merci tantie",
    "merci tonton", "merci ma fille", "merci mon fils", "merci mon enfant", "merci ma soeur",
    "merci mon frere", "merci doudou",
) | frozenset(
    # thanks said as praise, each language's forms × its own words: "you've been ever so
    # helpful", "vous avez été très aimable", "c'est gentil"
    tuple(f"{who} {how} {what}".split())
    for whos, hows, whats in (
        (("you've been", "you have been", "you were", "that was", "that's been", "it was"),
         ("", "very", "ever so", "really", "so", "most", "super"),
         ("helpful", "kind", "a great help", "a big help", "a star", "brilliant")),
        (("vous avez ete", "vous etes", "c'est"),
         ("", "tres", "bien", "vraiment", "trop", "super"),
         ("aimable", "gentil", "gentille", "efficace", "sympa")),
    )
    for who in whos
    for how in hows
    for what in whats
) | frozenset(
    # every thanks × every intensifier: "merci encore", "thanks so much", "thank you kindly"
    tuple(f"{word} {more}".split())
    for word in ("merci", "thanks", "thank you", "je vous remercie", "thanking you")
    for more in ("", "beaucoup", "bien", "infiniment", "encore", "mille fois", "bien bien",
                 "beaucoup beaucoup", "vraiment", "so much", "very much", "a lot", "a million",
                 "again", "kindly", "ever so much", "a bunch", "loads", "a ton", "very very much")
) | WORLD_THANKS  # fmt: skip
# excuses: "pardon ?" alone asks to repeat; "pardon, les horaires ?" is a question
SORRY: Final = phrases(
    "pardon", "excusez moi", "excuse moi", "excusez", "desole", "desolee",
    "sorry", "excuse me", "pardon me", "i'm sorry", "my bad", "oh pardon", "ah pardon",
)  # fmt: skip
# "allô ?": nobody has said anything yet (greeting), or the line dropped (then: repeat)
PRESENCE: Final = phrases(
    "allo", "oui allo", "allo oui", "hello", "hello hello", "allo allo", "vous etes la",
    "vous m'entendez", "il y a quelqu'un",
    "y a quelqu'un", "y'a quelqu'un", "ya quelqu'un", "c'est la mairie",
    "is anybody there", "is anyone there", "is someone there", "anybody there", "anyone there",
    "are you there", "are you still there", "can you hear me", "vous etes toujours la",
    "c'est bien la mairie", "is this the town hall", "is this city hall",
    # the line checked: "y a quelqu'un au bout ?", "is anyone on the line?"
    "y a quelqu'un au bout", "il y a quelqu'un au bout", "y a quelqu'un au bout du fil",
    "il y a quelqu'un au bout du fil", "is anyone on the line", "anyone on the line",
    "is anybody on the line", "is someone on the line",
)  # fmt: skip
FAREWELL: Final = phrases(
    # hanging up, said: "je raccroche", "I'll hang up now"
    "je raccroche", "je vais raccrocher", "je raccroche alors", "i'll hang up", "i'm hanging up",
    "i'll hang up now", "hanging up now",
    "au revoir", "bye", "goodbye", "by", "bonne journee", "bonne fin de journee",
    "bonne soiree", "bonne apres midi", "bonne fin d'apres midi", "bon week end",
    "bon weekend", "bonne nuit", "a bientot", "a plus", "a la prochaine", "ciao", "tchao",
    "adieu", "buy", "bye now", "see you", "see ya", "take care", "have a nice day",
    "have a good day",
    "have a good one", "have a great day", "good night", "bonne continuation",
    # leaving said as what the caller does next: the phone put down, the agent let go
    # (first person only: "ne raccrochez pas" is no farewell)
    "je raccroche", "je vais raccrocher", "je vais vous laisser", "je vous laisse",
    "on va raccrocher", "je peux raccrocher", "je dois raccrocher", "je dois y aller",
    "i'll hang up", "i'm going to hang up", "i'm gonna hang up", "i'll let you go",
    "i'm going to let you go", "i'm gonna let you go", "i have to go", "i've got to go",
    "i gotta go", "gotta go", "i need to go", "i must go", "i'll be going", "i'm off",
    "speak soon", "talk soon", "see you later", "catch you later",
    "i'm hanging up", "i am hanging up", "hanging up now", "au plaisir",
    # regional and familiar French: Belgian "à tantôt", "à la revoyure", "à tout à
    # l'heure", Swiss "tchô", Québécois "bonne fin de semaine", "bye là"
    # (not "à demain", "à plus tard", "so long": a question may end with them, "reporter
    # mon rendez-vous à demain", "why does it take so long")
    "a tantot", "a tout a l'heure", "a toute", "a la revoyure", "tcho",
    "bonne fin de semaine", "bye la", "a la revoyance",
    # British, Irish, Scottish, American: "ta-ra", "cheerio", "see you around"
    "tara", "ta ra", "ta ta", "cheerio", "cheers bye", "bye for now",
    "see you around", "take it easy", "all the best", "mind how you go", "slan",
    "laters", "later then", "be seeing you",
    # the line let go, said as what the caller does ("je coupe", "I'll get off the phone",
    # "I shan't keep you", "je vous embête plus"), regional and familiar leave-taking
    # (Breton "kenavo", Ivorian "on est ensemble", "bisous", Australian "hooroo")
    "je coupe", "je vais couper", "je vous libere", "je vais vous liberer",
    "je vous embete plus", "je vous embete pas plus longtemps", "je vous derange plus",
    "je vous derange pas plus longtemps", "je ne vous derange pas plus longtemps",
    "je ne vous embete pas plus longtemps", "je vous retiens pas", "je ne vous retiens pas",
    "je vous quitte", "je me sauve", "je file", "j'y vais", "bisous", "gros bisous", "bises",
    "grosses bises", "kenavo", "on est ensemble", "mes hommages", "a plus dans le bus",
    "excellente journee", "excellente soiree", "excellente fin de journee",
    "excellent week end", "belle journee", "belle soiree", "belle fin de journee",
    "au plaisir de vous lire", "au plaisir de vous revoir", "au plaisir de vous entendre",
    "que dieu vous benisse", "dieu vous benisse", "god bless", "god bless you",
    "i'll get off the phone", "i'll get off", "i'm getting off the phone", "i'll jump off",
    "i'm gonna jump off", "i'm going to jump off", "i'll disconnect", "i will disconnect",
    "i'll let you get on", "i'll let you get back to it", "i shan't keep you",
    "i shant keep you", "i won't keep you", "i'll not keep you", "i won't keep you any longer",
    "gotta run", "got to run", "i have to run", "i've got to run", "i must run", "must dash",
    "i must dash", "gotta dash", "i'd better go", "i better go", "i'd better let you go",
    "i'll be off", "i'll be off then", "peace out", "catch ya", "catch you", "hooroo",
    "you have a good one", "have a good one now",
    # "so long now" (not "so long": "why does it take so long"), the caller leaving the
    # agent to their work, the Midlands' "tara a bit"
    "so long now", "i'll leave you to it", "leave you to it", "i'll leave you be",
    "tara a bit", "ta ra a bit",
    # back to one's work, off somewhere: "je reprends le boulot", "best crack on", "faut
    # que j'y aille", "that's me off"
    "je retourne au boulot", "je reprends le boulot", "je retourne au travail",
    "je reprends le travail", "il faut que j'y aille", "faut que j'y aille",
    "je dois filer", "back to work", "crack on", "best crack on",
    "i'll crack on", "i'd better crack on", "better crack on", "that's me off",
    "i'm gonna head out", "i'll head off", "i'd better head off", "gotta head out",
    "i need to head off",
) | frozenset(
    # wishes on leaving, each language's forms × its own moments: "have a lovely evening",
    # "enjoy the rest of your day", "passez une bonne soirée", "bonne journée à vous"
    tuple(f"{wish} {moment}".split())
    for wishes, moments in (
        (("have a nice", "have a good", "have a great", "have a lovely", "have a wonderful",
          "have a pleasant", "have a brilliant", "have a fab", "you have a lovely",
          "you have a nice", "you have a good", "enjoy your", "enjoy the", "have a really good",
          "have a really nice"),
         ("day", "evening", "afternoon", "weekend", "week", "night", "one", "rest of your day",
          "rest of the day", "rest of your week", "christmas", "holiday", "holidays")),
        (("passez une bonne", "passez une excellente", "passez une belle",
          "je vous souhaite une bonne", "je vous souhaite une excellente",
          "je vous souhaite une belle", "bonne", "tres bonne"),
         ("journee", "soiree", "fin de journee", "apres midi", "fin d'apres midi", "semaine",
          "fin de semaine", "week end", "soiree a vous", "journee a vous")),
    )
    for wish in wishes
    for moment in moments
) | phrases(
    "good day to you", "good day now", "good evening to you", "a vous aussi bonne journee",
    "bon courage", "bon courage a vous", "bonne continuation a vous",
    # "portez-vous bien", "prenez soin de vous", "je vous rends votre ligne", "toodle pip"
    "portez vous bien", "prenez soin de vous", "je vous rends votre ligne",
    "je vous rends la ligne", "toodle pip", "toodle oo", "toodles", "pip pip",
    # regional and foreign Frenches: Belgian "à une prochaine", "dag", Swiss "on se redit",
    # Québécois "lâchez pas", Caribbean "kenbé rèd", West African "Dieu va vous payer",
    # Maghrebi "Allah yhfdek"; formal leave ("je prends congé", "mes salutations", "je ne
    # vous retiens pas davantage", "je repose le combiné")
    "a une prochaine", "a la prochaine fois", "on se redit", "on se reparle", "on se capte",
    "on se rappelle", "dag", "allez dag", "lachez pas", "lache pas", "kenbe red", "bonswa",
    "bonne suite", "et bonne suite", "que dieu te garde", "que dieu vous garde", "dieu te garde",
    "dieu vous garde", "dieu va vous payer", "dieu va te payer", "dieu va vous benir",
    "dieu va te benir", "soyez beni", "soyez benie", "que dieu nous donne la paix",
    "que dieu te donne longue vie", "que dieu vous donne longue vie", "allah yhfdek",
    "allah ihfdek", "bonne sante a vous", "bonne sante", "je vous embrasse",
    "bien le bonjour chez vous", "je vous dis bonjour alors", "je prends conge",
    "je prends conge de vous", "je vous presente mes salutations", "mes salutations",
    "mes salutations distinguees", "je ne vous retiens pas davantage",
    "je vous retiens pas davantage", "je ne vous retiens pas plus", "je repose le combine",
    "je raccroche le combine", "bon courage pour le travail",
    # English: blessings on leaving (Caribbean "one love", "bless up", West African "stay
    # blessed", American South "y'all have a blessed day"), Irish "mind yourself", Australian
    # "I'll shoot through", Scots "lang may yer lum reek", "I'll love you and leave you",
    # Indian and Nigerian "I will keep the phone", "I am cutting the call"
    "bless up", "stay blessed", "one love", "god bless you more", "respect bless",
    "bless bless",
    "have a blessed day", "have a blessed evening", "have a blessed one",
    "y'all have a blessed day",
    "yall have a blessed day", "y'all have a blessed evening", "yall have a blessed evening",
    "y'all take it easy", "yall take it easy", "y'all take care", "yall take care",
    "tek care", "mind yourself", "mind yourself now", "ta ta now", "see ya round",
    "see you round", "i'll love you and leave you", "love you and leave you",
    "i'll shoot through", "shoot through", "hit the road", "we'll hit the road then",
    "i'll away", "i'll away now", "i'm away", "good luck now", "i will keep the phone",
    "let me keep the phone", "i am cutting the call", "i'm cutting the call", "cutting the call",
    "i shan't detain you", "i shant detain you", "i shan't detain you any further",
    "let me not take more of your time", "lang may yer lum reek",
    # a relay service reporting that the caller leaves: "… and is ending the call", "elle
    # quitte la communication", "fin de l'appel", a TTY's "SK" (stop keying)
    "a bien tot", "have a nice they", "see ya round then",
    "is ending the call", "ends the call", "has ended the call", "has gone off the line",
    "is hanging up", "hangs up", "quitte la communication", "met fin a l'appel",
    "fin de l'appel", "et raccroche", "elle raccroche", "il raccroche", "et elle coupe",
    "et il coupe", "goodbye sk", "bye sk",
) | WORLD_FAREWELL  # fmt: skip
# a wrong number said at the greeting ("pardon, je me suis trompé de numéro", "sorry,
# wrong number"): the caller leaves; later in a call the same words are about a number
WRONG_NUMBER: Final = phrases(
    "je me suis trompe de numero", "je me suis trompee de numero", "trompe de numero",
    "je me suis trompe", "je me suis trompee",
    "trompee de numero", "erreur de numero", "faux numero", "mauvais numero",
    "j'ai fait un faux numero", "j'ai fait le mauvais numero", "j'ai compose le mauvais numero",
    "wrong number", "i've got the wrong number", "i have the wrong number",
    "i got the wrong number", "i dialled the wrong number", "i dialed the wrong number",
    # the number mis-keyed: "j'ai mal composé", "wrong digits"
    "j'ai mal compose", "mal compose", "j'ai mal tape le numero", "wrong digits",
    "the wrong digits",
    "i called the wrong number", "i rang the wrong number", "i must have the wrong number",
    # the wrong contact or the wrong town hall: "pressed the wrong name", "je me suis
    # trompée de commune", "I meant to ring the leisure centre"
    "pressed the wrong name", "pressed the wrong contact", "wrong contact", "wrong name",
    "i meant to ring", "i meant to call", "i meant to phone",
    "trompe de commune", "trompee de commune", "trompe de mairie", "trompee de mairie",
    "je me suis trompe de commune", "je me suis trompee de commune",
    "je me suis trompe de mairie", "je me suis trompee de mairie",
    "wrong town hall", "the wrong town hall", "the wrong council", "the wrong village",
    # the wrong key pressed: "wrong button", "je me suis trompé de touche"
    "wrong button", "pressed the wrong button", "hit the wrong button", "wrong key",
    "mauvaise touche", "trompe de touche", "trompee de touche", "appuye sur la mauvaise touche",
) | frozenset(
    # "I've dialled the wrong number", "j'ai dû me tromper de numéro": every subject × verb
    tuple(f"{who} {did} {what}".split())
    for who, did, what in [
        *((who, did, what)
          for who in ("i", "i've", "i have", "i must have", "i think i've", "we've", "we")
          for did in ("dialled", "dialed", "called", "rang", "rung", "got", "phoned", "reached")
          for what in ("the wrong number", "a wrong number", "the wrong place",
                       "the wrong office", "the wrong service")),
        *(("j'ai", did, what)
          for did in ("du me tromper", "du faire", "fait", "compose", "appele")
          for what in ("de numero", "le mauvais numero", "un faux numero", "un mauvais numero",
                       "le mauvais service", "le mauvais endroit")),
    ]
)  # fmt: skip
# "nothing more": ends the call, unless a "no" leads (then the dialog asks once more)
THATS_ALL: Final = phrases(
    "c'est tout", "ce sera tout", "ca sera tout", "rien d'autre", "rien de plus",
    "pas d'autre question", "pas d'autres questions", "pas d'autre questions",
    "plus de question", "plus de questions", "plus d'autre question", "c'est tout pour moi",
    "c'est tout ce que je voulais", "c'est tout ce que je voulais savoir", "j'ai fini",
    "c'est fini", "ce sera tout pour moi", "j'ai eu ma reponse", "j'ai ma reponse",
    "that's all", "that is all", "that will be all", "that'll be all", "nothing else",
    "nothing more", "no more questions", "no other questions", "no further questions",
    "i'm done", "all done",
    "that's all i needed", "that's all for me",
    # enough said: "ça me suffit", "that's me sorted"
    "ca me suffit", "ca me suffira", "that's me sorted", "i'm sorted", "that's me",
    "i got my answer", "i have my answer", "that's all i wanted",
    # nothing more for now: "non rien d'autre dans l'immédiat", "nothing else springs to mind"
    "rien d'autre dans l'immediat", "rien d'autre pour l'instant", "rien d'autre pour le moment",
    "c'etait le seul truc", "c'etait la seule chose", "c'etait tout", "that was the only thing",
    "nothing else springs to mind", "nothing springs to mind", "nothing comes to mind",
    "nothing else comes to mind",
    # the matter closed: "je suis renseigné", "on va en rester là", "that concludes my enquiry"
    "je suis renseigne", "je suis renseignee", "je suis bien renseigne",
    "je suis bien renseignee", "me voila renseigne", "me voila renseignee",
    "termine pour moi", "c'est termine pour moi", "fini pour moi", "on va en rester la",
    "on en reste la", "restons en la", "on s'arrete la", "je m'arrete la",
    "that concludes my enquiry", "that concludes my inquiry", "that concludes", "nothing further",
    # about all, just that: "c'est à peu près tout", "c'était juste ça", "that's about it",
    # "nothing else on my list", "rien ne me vient à l'esprit", "I can't think of anything"
    "c'est a peu pres tout", "c'etait a peu pres tout", "c'etait juste ca",
    "c'etait seulement ca", "c'etait juste pour ca", "c'etait seulement pour ca",
    "c'etait uniquement pour ca", "that's about it", "that's about all", "that was about it",
    "nothing else on my list", "nothing else on the list", "rien ne me vient",
    "rien ne me vient a l'esprit", "rien ne me vient en tete", "rien d'autre ne me vient",
    "i can't think of anything", "i can't think of anything else", "can't think of anything",
    "can't think of anything else", "nothing i can think of",
    "pas d'autre question pour le moment", "pas d'autre question pour l'instant",
    "pas d'autre chose",
    # the answer got, said of the answer: "ça répond à ma question", "that answers it"
    "ca repond a ma question", "ca repond a mes questions", "ca repond a tout",
    "vous avez repondu a ma question", "vous avez repondu a mes questions",
    "that answers it", "that answers my question", "that answers that", "that's answered it",
    "that's answered my question", "you've answered my question", "that clears it up",
    "that's cleared it up", "that cleared it up", "that's cleared that up",
    "je sais ce qui me reste a faire", "je sais ce que j'ai a faire", "je sais quoi faire",
    "i know what to do", "i know what i need to do", "i know what i have to do",
    "je sais ce qu'il me reste a faire", "je sais a quoi m'en tenir", "je sais a quoi men tenir",
    # relief: the matter is settled ("ça me rassure", "that's a weight off my mind")
    "ca me rassure", "me voila rassure", "me voila rassuree", "je suis rassure",
    "je suis rassuree", "une bonne chose de faite", "voila une bonne chose de faite",
    "that's a relief", "what a relief", "a weight off my mind", "that's a weight off my mind",
    "exactly what i needed to hear", "what i needed to hear", "that's that",
    "that's that then", "well that's that",
) | frozenset(
    # "j'ai (tout) ce qu'il me faut", "I've got what I need(ed)": every form × object
    tuple(f"{have} {what}".split())
    # (not "c'est ce que je voulais": to "do you mean X?" that is a yes)
    for have in ("j'ai", "j'ai eu", "j'ai bien", "j'ai deja", "i have", "i've got", "i got",
                 "i've")
    for what in ("ce qu'il me faut", "tout ce qu'il me faut", "ce qu'il me fallait",
                 "tout ce qu'il me fallait", "ce que je voulais", "tout ce que je voulais",
                 "ce que je cherchais", "what i need", "what i needed", "everything i need",
                 "everything i needed", "all i need", "all i needed", "what i wanted",
                 "what i was looking for")
)  # fmt: skip
YES: Final = phrases(
    # just so: "tout juste", "on ne peut plus juste"
    "tout juste", "on ne peut plus juste", "on peut pas plus juste",
    "oui", "ouais", "ben oui", "bah oui", "mais oui", "oui oui", "si si", "exactement",
    "exact", "c'est exact", "tout a fait", "absolument", "volontiers", "bien sur",
    "bien entendu", "evidemment", "d'accord", "ok", "c'est ca", "c'est bien ca",
    "c'est bien cela", "c'est cela", "oui c'est ca", "je veux bien", "avec plaisir",
    "allez y", "vas y", "effectivement", "en effet", "affirmatif", "carrement", "parfait",
    "tres bien", "super", "genial", "c'est entendu", "ca marche", "pourquoi pas", "je confirme",
    "correct", "c'est juste", "oui merci", "ouais merci", "oui volontiers",
    "oui svp", "oui avec plaisir", "impeccable", "nickel", "c'est ca oui", "mais oui",
    "yes", "yeah", "yep", "uhhuh", "sure", "of course", "absolutely", "exactly",
    "right", "that's right", "that's correct", "that is correct", "that is right",
    "yes please", "go ahead", "please do", "alright", "all right", "sounds good",
    "that would be great", "that would be nice", "that would be good", "that would help",
    "i'd like that", "i would like that", "i'd appreciate that", "i would appreciate that",
    "on fait comme ca", "faisons comme ca", "let's do that", "let's do it",
    "why not", "perfect", "great", "good", "definitely", "certainly", "indeed",
    "affirmative", "you got it", "yes it is", "it is", "yes indeed", "ok then", "fine",
    "very good", "very well", "cool", "awesome", "excellent", "got it", "i see",
    "noted", "je vois", "c'est note", "yes that's right", "compris", "entendu",
    "c'est clair", "c'est tres clair", "tres clair", "je note", "j'ai compris",
    "j'ai bien compris", "c'est compris", "pas de probleme", "no problem", "that's clear",
    "that's very clear", "that helps", "that's helpful", "very helpful", "i understand",
    "got it thanks", "understood",
    # regional: Québécois "ouin", "tiguidou", "oui certain", "certain"; Belgian "pour sûr";
    # Scottish and Northern "aye"; British "lovely", "brilliant", "grand", "go on then"
    "ouin", "tiguidou", "certain", "oui certain", "bien certain", "certainement",
    "c'est certain", "pour sur", "sans probleme", "aye", "aye aye", "och aye", "lovely",
    "brilliant", "go on", "go on then", "yeah go on",
    "right you are", "righto", "right oh", "will do", "that's grand",
    # familiar assent: "spot on", "you bet", Irish "grand so", Australian "sweet as",
    # "impec", "pas de souci"
    "spot on", "you bet", "that would be grand", "grand so", "sound", "sweet", "sweet as",
    "impec", "pas de souci", "pas de soucis", "aucun souci", "aucun probleme",
    # fine by me: "c'est bon pour moi", "ça me va", "works for me"; Indian English
    "c'est bon pour moi", "ca me va", "ca me va tres bien", "ca me convient",
    "that works for me", "works for me", "that suits me", "do the needful",
    # "pile poil", "va pour (le SMS)", "go for it", "okie dokie", "bien reçu",
    # Australian "too easy", Welsh English "tidy"
    "pile poil", "va pour", "go for it", "okie dokie", "okey dokey", "okey doke",
    "bien recu", "too easy", "tidy",
    # the answer taken: "ça roule", "fair enough", "that makes sense"
    "ca roule", "fair enough", "that makes sense", "makes sense", "that makes sense now",
    # British and Cornish assent: "nice one", "wicked", "proper job", "ace", "brill"
    "nice one", "wicked", "proper job", "ace", "brill",
    # accepting by not refusing: "je dis pas non", "ce serait pas de refus", "I wouldn't say
    # no", "faites donc", "can't hurt", "je crois que oui", "I think so"
    "je dis pas non", "je ne dis pas non", "ce serait pas de refus", "ce ne serait pas de refus",
    "pas de refus", "i wouldn't say no", "wouldn't say no", "i won't say no", "faites donc",
    "allez y donc", "can't hurt", "it can't hurt", "ca peut pas faire de mal",
    "ca ne peut pas faire de mal", "je crois que oui", "je pense que oui", "i think so",
    "i believe so", "c'est pile ca", "pile ca", "c'est exactement ca", "that's the one",
) | WORLD_YES  # fmt: skip
NO: Final = phrases(
    "non", "no", "nope", "nah", "non merci", "mais non", "ben non", "bah non", "no thanks",
    "no thank you", "pas du tout",
    "pas vraiment", "pas ca", "c'est pas ca", "ce n'est pas ca", "c'est pas", "ce n'est pas",
    "c'est pas ce que", "ce n'est pas ce que", "pas ce que", "pas exactement", "negatif",
    "surtout pas", "jamais", "aucunement", "pas la peine", "pas besoin", "ca ira",
    "ca va aller", "ca ira merci", "je ne veux pas", "je veux pas", "je ne souhaite pas",
    "non je ne veux pas", "pas maintenant", "plus tard", "c'est faux", "faux",
    "pas du tout ca", "non plus", "ce n'est pas la peine", "c'est pas la peine",
    "ca ne sera pas necessaire", "pas necessaire", "pas le bon sujet", "mauvais sujet",
    "pas le bon", "wrong topic", "not the right one", "wrong one", "not the right topic",
    "je ne pense pas", "je pense pas",
    "ce n'est pas le cas", "pas pour le moment", "rien",
    "not really", "not that", "not at all", "that's not it", "that's not right",
    "that isn't it", "that's wrong", "wrong", "negative", "no need", "i'm good", "i'm fine",
    "i'm ok", "we're good", "don't bother", "not now", "maybe later", "no way",
    "i don't think so", "not quite", "incorrect", "not exactly", "that's not", "it's not",
    "not what", "no it's not", "i don't want", "i do not want", "not necessary",
    "no that's ok", "no that's fine", "it's not that", "nothing",
    "ca ira comme ca", "ca va comme ca", "that'll do", "that will do",
    # regional: Québécois "pantoute", "pas pantoute"; declining in British and American
    # English: "you're alright", "I'm all set", "I'll pass", "I'm grand"
    "pantoute", "pas pantoute", "je passe mon tour", "je vais passer mon tour",
    "i'm all set", "all set", "we're all set", "i'm alright", "i'm all right",
    "you're alright", "you're all right", "you're ok", "you're fine", "you're good",
    "i'm grand", "i'm sound", "i'll pass", "i will pass", "i'll give it a miss",
    # "that's everything": the matter is covered, said like "I'm all set" (a no: the
    # dialog asks once more; development sets label it both ways, and a call ended
    # unasked is the worse fault); "that's all" closes the call
    "that's everything", "that was everything", "that was all", "that was it",
    "i'll skip it", "i'm good thanks",
    "je prefere pas", "je prefere ne pas", "i'd rather not", "rather not",
    # the caller was misread: "vous avez mal compris", "you misunderstood"
    "vous avez mal compris", "vous m'avez mal compris", "you misunderstood",
    "you've misunderstood", "you got it wrong", "you misheard",
    # a yes-word negated ("absolument pas", "certainly not"), old and familiar refusals
    # ("que nenni", "du tout", "nuh uh"), "not that one", "you were mistaken"
    "absolument pas", "certainement pas", "bien sur que non", "evidemment pas",
    "surement pas", "absolutely not", "certainly not", "of course not", "definitely not",
    "du tout", "nenni", "que nenni", "nan", "nuh uh", "uh uh", "naw", "no o",
    "pas celle la", "pas celui la", "pas ceux la", "not that one", "not this one",
    "vous vous etes trompe", "vous vous etes trompee", "vous vous trompez",
    "you're wrong", "you are wrong", "you've got it wrong",
    "pas specialement", "pas particulierement", "not particularly", "not especially",
    "c'est pas necessaire", "ce n'est pas necessaire", "pas utile", "c'est pas utile",
    "ce n'est pas utile",
    # a refusal said of oneself or of the need: "je crois pas", "I don't need it", "I don't
    # really do texts"; the topic misread: "c'est pas de ça que je parle", "not even close"
    "je crois pas", "je ne crois pas", "i don't need", "i don't really", "i won't need",
    "j'en ai pas besoin", "je n'en ai pas besoin", "c'est pas de ca que je parle",
    "ce n'est pas de ca que je parle", "pas de ca", "the wrong idea", "wrong idea",
    "not even close", "different thing", "a different thing", "different thing entirely",
    "something different", "not what i meant", "pas ce que je voulais dire",
    "you've got the wrong idea", "pour l'instant ca ira", "ca ira pour l'instant",
    "pour le moment ca ira", "ca ira pour le moment",
    # not as far as the caller knows: "pas que je sache", "not that I know of"
    "pas que je sache", "pas a ma connaissance", "not that i know of", "not as far as i know",
    "not that i can think of",
    # the topic misread, said of the two of them: "on parle pas de la même chose", "we're
    # talking about different things", "ce n'est pas de ça qu'il s'agit"
    "on parle pas de la meme chose", "on ne parle pas de la meme chose",
    "on se comprend pas", "on ne se comprend pas", "talking about different things",
    "talking about two different things", "we're talking about different things",
    "c'est pas de ca qu'il s'agit", "ce n'est pas de ca qu'il s'agit", "il s'agit pas de ca",
    "il ne s'agit pas de ca", "that's not what i'm after", "not what i'm after",
    "not what i'm looking for", "that's not what i'm looking for",
    "c'est pas ce que je cherche", "ce n'est pas ce que je cherche",
    # an offer declined of oneself: "je vais m'en passer", "I won't bother", "better not"
    "je vais m'en passer", "je m'en passerai", "je peux m'en passer", "on va s'en passer",
    "i won't bother", "i'll not bother", "won't bother", "better not", "best not",
    # no need to say it again, it is all written down
    "pas besoin de me redire", "pas la peine de me redire", "pas besoin de repeter",
    "pas la peine de repeter", "pas la peine de recommencer", "pas besoin de recommencer",
    "no need to repeat", "no need to repeat it", "no need to go over it again",
    "no need to go through it again", "j'ai tout note", "i've written it all down",
    "i've got it all down", "i've written it down",
    "pas la peine de m'envoyer", "pas besoin de m'envoyer", "pas vraiment d'autre chose",
    "not really anything else", "quoi que ce soit",
) | frozenset(
    # a confirmation negated: "c'est pas correct", "ce n'est pas juste", "that's not correct"
    tuple(f"{neg} {word}".split())
    for neg in ("c'est pas", "ce n'est pas", "pas", "that's not", "that is not", "not")
    for word in ("correct", "juste", "exact", "bon", "right", "ca du tout")
) | frozenset(
    # "not now": every negation × every "for the moment" ("pas pour l'instant",
    # "not right now", "pas tout de suite"): a refusal for the time being
    tuple(f"{neg} {when}".split())
    for neg in ("pas", "non pas", "not", "no not")
    for when in ("maintenant", "pour l'instant", "pour le moment", "tout de suite",
                 "aujourd'hui", "pour aujourd'hui", "dans l'immediat", "now", "right now",
                 "just now", "for now", "at the moment", "today", "at this time", "yet")
) | WORLD_NO  # fmt: skip
# words whose sense hangs on the question just asked: "c'est bon" confirms a title
# ("is it about X?"), but declines an offer or more questions ("it's fine, thanks")
SETTLED: Final = phrases(
    "c'est bon", "ca va", "ca va merci", "c'est parfait", "that's fine", "it's fine",
    "that's ok", "it's ok", "that's okay", "c'est bon merci", "that's good", "that's great",
    "ca va aller merci", "voila", "all good", "it's all good", "c'est ok",
    "c'est correct", "c'est correct merci", "c'est beau", "c'est beau merci",
    "c'est regle", "c'est regle merci",
    # Belgian and Swiss "en ordre", "c'est en ordre": fine
    "en ordre", "c'est en ordre", "tout est en ordre",
)  # fmt: skip
# "that's it": yes to "do you mean X?", "nothing more" after an answer
THATS_IT: Final = phrases("that's it", "that's it thanks", "i think that's it")
# announcing a question: "oui, j'ai une autre question" (then: I'm listening)
ANNOUNCE: Final = phrases(
    "j'ai une question", "j'ai une autre question", "une autre question", "une question",
    "encore une question", "j'aurais une question", "j'aurais une autre question",
    "oui une question", "j'ai encore une question", "une derniere question",
    "i have a question", "i have another question", "another question", "one more question",
    "a question", "i've got a question", "i've got another question", "one last question",
    "i have one more question", "yes one more", "j'en ai une autre", "i have another one",
    "something else", "i have something else", "there's something else", "one more",
    "j'en aurais une autre", "j'en aurais une", "j'en ai une", "i've got another one",
    "j'ai encore un truc", "il y a autre chose", "y a autre chose",
) | frozenset(
    # "(oui) (j'ai) encore une (petite) chose", "(yes) one more thing": the caller has
    # more to ask; every lead × amount × noun ("petite", "quick" are dropped by ``words``)
    tuple(f"{lead} {amount} {noun}".split())
    for lead in ("", "j'ai", "j'aurais", "j'ai encore", "il y a", "il y a encore", "y a", "et")
    for amount in ("une autre", "un autre", "encore une", "encore un", "une derniere",
                   "un dernier", "une", "autre", "encore autre")
    for noun in ("question", "chose", "demande", "truc")
) | frozenset(
    tuple(f"{lead} {amount} {noun}".split())
    for lead in ("", "i have", "i've got", "i got", "there's", "there is", "just", "and")
    for amount in ("one more", "another", "one last", "one other", "just one more", "one")
    for noun in ("question", "thing", "request")
)  # fmt: skip
# function words: no topic of their own ("non, je voulais savoir" says nothing new)
STOP: Final = wordset(
    """
    je j' tu il elle on nous vous ils elles me m' moi te t' toi se s' lui leur y en
    le la les l' un une des de du d' a au aux et mais ou que qu' qui quoi c' ce ca cela
    est es etes suis sont etait c'est ai as avez avons ont ete etre avoir fait faire j'ai
    pas ne n' n'ai n'est n'y plus tres bien aussi juste vraiment encore deja
    si oui voila alors la ici mon ma mes ton ta votre vos
    veux voudrais voulais voulait voudrait souhaite souhaiterais aimerais demande demandais
    demander poser
    cherchais cherche savoir sais dire dit pense crois peux pouvez pourriez puis peut
    question questions autre autres chose choses rien tout
    i you he she it we they me my your our the a an to of in on at for with and but or
    so is are was were am be been do does did have has had will would can could should
    just that this these those it's that's i'm i'd i've i'll there here what's what comment
    beaucoup
    want wanted like know think need asked asking meant looking mean
    question questions other another thing things anything something all
    really very also too then now again still
    comme qu'il qu'elle qu'on faut fallait
    hein hun mate man dude buddy pal guys folks chef
    love luv dear darling pet duck sweetheart hen lad lass
    bro bruv boss cuz fam babe yall y'all sah suh
    """
)
# the person words: a request for one is found by its form (below); a sentence that
# only mentions someone is read by the rest of its words ("quelqu'un a volé mon sac")
PERSON_WORDS: Final = wordset(
    """
    conseiller agent humain quelqu'un operateur standardiste human someone somebody
    anyone anybody
    operator representative receptionist
    """
)
# after "shall an agent call you back?": what an acceptance may carry along
ACCEPT: Final = wordset(
    """
    rappeler rappelez rappelle rappel rappele rappelee numero telephone portable
    passer passez mettre relation transferer transferez conseiller agent quelqu'un personne
    humain mairie ce meme call back number phone mobile put through transfer connect agent
    someone person human same
    sms texto message envoyer envoyez envoie text send over
    """
)

# after an offer, what a refusal may carry along: "non, je rappellerai plus tard"
DECLINE: Final = wordset(
    """
    rappeler rappellerai rappelerai rappelle rappelerais rappel plus tard demain tard moi meme
    prefere preferer attendre seul seule internet site passerai passer viendrai vais
    debrouiller debrouillerai regarder chercher
    call back later myself tomorrow prefer wait online website come i'll check look manage
    will fine
    sms texto message text
    noter note noted ecrit written wrote down got portable mobile cell cellphone
    """
)

# giving up on the matter: "tant pis", "never mind", "forget it", "laissez tomber"; alone,
# a no; with a farewell, the end of the call
RESIGN: Final = phrases(
    "tant pis", "bon tant pis", "ah tant pis", "tant pis alors", "tant pis pour moi",
    "pas grave", "c'est pas grave", "ce n'est pas grave", "c'est pas grave merci",
    "laissez tomber", "laisse tomber", "on laisse tomber", "je laisse tomber", "oubliez",
    "oubliez ca", "oublie", "oublie ca", "c'est dommage", "dommage", "ne vous en faites pas",
    "never mind", "forget it", "forget about it", "don't worry", "don't worry about it",
    "no worries", "it doesn't matter", "doesn't matter", "no matter", "too bad",
    "that's a shame", "that's a pity", "oh never mind", "whatever",
    "laissez", "laissez donc", "leave it", "i'll leave it", "we'll leave it", "laisse",
    "i'll leave it there", "we'll leave it there",
    # giving up: "j'abandonne", "not worth the hassle"
    "j'abandonne", "i give up", "not worth the hassle", "it's not worth the hassle",
    "not worth it", "it's not worth it", "ca vaut pas le coup", "ca ne vaut pas le coup",
)  # fmt: skip
# what a caller says of what they will do instead ("je rappellerai", "je verrai",
# "I'll try online", "je passerai à la mairie lundi"): the offer's refusals, and plans
CLOSING: Final = DECLINE | wordset(
    """
    verrai voir essaierai essayerai essayer essaie tenterai ligne reviendrai revenir
    repasserai repasser renseignerai renseigner occuperai rendrai irai aller regarderai
    chercherai rappelerai reappellerai rappellerais ailleurs autrement directement mairie va allons
    guichet place sur lundi mardi mercredi jeudi vendredi samedi semaine prochaine matin
    soir
    try again later back call ring phone come drop swing stop by go in office figure out
    sort it then web site another time day next week morning afternoon maybe guess myself
    instead monday tuesday wednesday thursday friday saturday city hall town
    demain tomorrow pop debrouillerai fois tard plus retelephonerai recontacterai reprendrai
    contact reessaierai reessayerai refais referai numero
    """
)
# the caller will call again ("je rappellerai plus tard", "I'll ring back tomorrow"):
# the call ends now. Not "rappelez-moi", "call me back": those ask for a callback
CALL_BACK: Final = re.compile(
    r"\b(?:rappellerai|rappelerai|reappellerai|rappellerais|retelephonerai|recontacterai|"
    r"reprendrai contact|(?:refais|referai) le numero|reessaierai|reessayerai|"
    r"(?:vais|va|allons)\s+(?:vous\s+)?(?:rappeler|retelephoner)|"
    r"(?:i'll|i will|i'm gonna|i'm going to|gonna|we'll)\s+(?:just\s+)?"
    r"(?:call|ring|phone|try|give you a call|give you a ring)\s+(?:you\s+)?"
    r"(?:back|again|another day|another time|some other time))\b"
)
# a complaint about the bot, said on leaving: "laissez tomber, vous servez à rien, au
# revoir" (resignation and a farewell around it end the call)
COMPLAINT: Final = wordset(
    """
    servez sert servir nul nulle inutile incomprehensible useless hopeless rubbish
    pointless helpless ridiculous truc machin bidule robot machine systeme system bot
    repondeur automatique automated recorded answering machines robots
    comprend comprenez understand understands
    """
)
# the words of a plan said in the future ("je rappellerai", "I'll call back"): a
# statement of what the caller will do, not a question ("je peux passer demain ?")
PLAN: Final = wordset(
    """
    rappellerai rappelerai reappellerai verrai passerai viendrai essaierai essayerai
    tenterai reviendrai repasserai renseignerai occuperai rendrai irai regarderai
    chercherai debrouillerai vais va allons retelephonerai recontacterai reprendrai
    reessaierai reessayerai refais referai
    i'll will gonna going
    """
)

# given names a caller calls out to someone in the room ("Lucas, tu ramènes le caddie",
# "Lily, put the iPad down"): the most common French and English ones of all ages, written
# from name lists, not from an evaluation set; left out, those that are everyday words
# too ("rose", "claire", "will", "mark", "bill", "grace", "hope", "jade", "marine")
FIRST_NAMES: Final = wordset(
    """
    adam adele adrien agathe agnes alain alex alexandre alexis alice alicia aline amandine
    amelie anais andre anne annie antoine arnaud arthur aurelie axel baptiste benjamin
    benoit bernard brigitte bruno camille capucine caroline catherine cecile celine charles
    charlotte chloe christian christine christophe claude clement clementine colette corinne
    damien daniel david denis didier dominique dylan eliott elisa elise ella elodie eloise
    emile emilie emma enzo eric estelle ethan etienne eva fabien fabrice fanny florence
    florian francis francois francoise frederic gabriel gael gaetan gerard gilles gisele
    guillaume helene henri hugo ines irene isabelle jacqueline jacques jeanne jerome joel
    josiane julia julie julien juliette justine karine kevin laetitia laura laure laurence
    laurent lea leo leon leonie lina lisa loic lola lou louis louna luc lucas lucie lucien
    lucille madeleine maelle maeva manon marc marcel margaux margot marie mathieu mathis
    matteo maxime melanie mia michel michele mickael monique morgane nadia nathalie nathan
    nicolas noah noe noemie oceane odile olivier oscar pascal patrice patricia patrick paul
    pauline philippe pierre quentin raphael remi rene robert romain sabrina sacha sandrine
    sarah sebastien simon simone solene sophie stephane sylvie theo thierry thomas timothee
    tom valentin valerie vanessa victor vincent virginie xavier yann yannick yves zoe
    abigail adrian aiden alfie alison amber amelia amy andrew andy archie ashley barry beth
    bethany billy bob brian callum carl carol charlie chelsea chris connor craig dan danny
    darren dave dean debbie ed eddie eleanor ellie emily evie finn fiona freddie freya gary
    george georgia hannah harry harvey hayley helen holly ian imogen isla isaac jack jackie
    jacob james jamie jane jason jen jenny jess jessica jim jimmy joe john jordan josh
    joshua karen kate katie kieran kyle lauren leah lee liam lily logan louise lucy luke
    mandy maria martin matt megan mike millie molly neil nick olivia ollie oliver owen pete
    peter phoebe poppy rachel rebecca richard rosie ruby ryan sally sam samuel sandra scott
    sean sharon sophia stacey steve steven stuart tony tracey tyler vicky zach
    """
)
