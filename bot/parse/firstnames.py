"""Common first names and the gender they usually signal.

Used for two things only: a capitalised run that starts with a known first
name is a person ("Mayra Ramírez scored" names a person, "Saudi Arabia
imposed" does not), and "she said" / "he said" prefer the most recent person
whose gender agrees. The lists are deliberately short and international; an
unknown name is simply of unknown gender and agrees with either pronoun.
"""

from __future__ import annotations

FEMALE = frozenset(
    """
    aaliyah abigail ada adriana agnes agnieszka aiko aisha alba aleksandra alexandra alice alicia
    alina amal amanda amelia amina amy ana anastasia andrea angela angelina angelique anita
    ann anna anne annette antonia ariana astrid aurora ayumi barbara beatrice beatriz bettina
    birgit brigitte camila carla carmen caroline catherine cecilia celine charlotte chiara
    chloe christina christine claire clara claudia cristina daniela deborah diana dilma dolores
    dominika dorothea elena eleanor elisa elisabeth elizabeth ella ellen elsa emilia emily emma
    esther eva evelyn fatima fiona florence francesca gabriela giorgia gisela giulia grace greta
    hanna hannah helen helena hilary hillary ida ilse ines ingrid irene iris isabel isabella
    ivana jacinda jana jane janet jasmine jennifer jessica joanna johanna josephine judith julia
    julie justyna kamala karen karin katarzyna katharina katherine kathleen katrin kelly kim
    kristina laura lea leila lena liliana linda lisa liz louise lucia lucía luisa lydia magdalena
    maite mako malala margaret margarethe margrethe maria mariam marie marina marine maribel
    marta martha mary maya mayra melania melanie mette mia michelle mira miriam monica monika
    nadia nancy naomi natalia natalie nicola nicole nina nora olga olivia paola patricia paula
    petra pia priya rachel rebecca renate rita rosa rose ruth sabine sandra sanna sara sarah
    simone sofia sonia sophia sophie stella stephanie susan susanne svetlana sylvia tanja
    tatiana teresa theresa ulrike ursula valentina valeria vanessa vera veronica victoria
    viktoria wendy xóchitl yasmin yulia yvonne zainab zoe zuzana
    """.split()
)

MALE = frozenset(
    """
    aaron abdul abdullah adam adrian ahmed akira alan albert alberto aleksandar alexander alexei
    alexis ali andreas andrew andrzej angelo anthony antoine antonio antony anwar armin arne
    arthur benjamin bernard bill bjorn boris brian bruno carl carlos charles christian
    christoph christopher daniel dario david denis dmitry donald edward emmanuel enrique eric erik
    ernesto fabio felipe felix fernando francesco francis francisco frank franz friedrich gabriel
    george georg gerhard giorgio giovanni giuseppe gustavo hans harald heinrich helmut henri henry
    hugo ibrahim igor ivan jacob jakob james jan javier jean jens jeremy jerome joe johan johannes
    john jonas jordi jorge josé joseph juan julian justin kai karl keir kenji kenton khalid klaus
    kwame lars leo leon leonardo liam lorenzo luca lucas ludwig luis lukas manuel marc marco marcus
    mario mark markus martin mateo matteo matthew max michael michel miguel mikhail milan mohamed
    mohammed muhammad narendra nicolas nikolai novak olaf oliver omar oscar oskar pablo paolo
    patrick paul pedro peter philip philippe pierre pietro rafael rahul ramon raphael recep
    ricardo richard robert roberto rodrigo roman ronald rishi salvador samuel sandro scott sebastian
    sergei sergio simon stefan stephen steven sundar takeshi thomas tim timothy tobias tom tomas
    tomasz tony ulrich valentin victor viktor vincent vladimir volodymyr walter wang william
    wolfgang xavier yannick yusuf zoran
    """.split()
)

FEMALE_TITLES = frozenset(
    "mrs ms miss madam madame queen princess lady dame sister chairwoman spokeswoman "
    "congresswoman councilwoman".split()
)
MALE_TITLES = frozenset(
    "mr sir king prince lord father brother chairman spokesman congressman councilman".split()
)


def gender_of(words: list[str]) -> str | None:
    """'f', 'm' or None for a capitalised run such as "Mayor Maribel Albalat"."""
    for word in words:
        bare = word.strip(".").casefold()
        if bare in FEMALE_TITLES:
            return "f"
        if bare in MALE_TITLES:
            return "m"
    for word in words:
        bare = word.strip(".").casefold()
        if bare in FEMALE:
            return "f"
        if bare in MALE:
            return "m"
    return None


def is_first_name(word: str) -> bool:
    bare = word.casefold()
    return bare in FEMALE or bare in MALE
