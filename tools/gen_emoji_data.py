"""Generate bot/platforms/emoji_data.py: the emoji twitter-text 3.1.0 knows.

twitter-text 3.1.0 (JS) counts an emoji sequence as one weighted character
when twemoji-parser 11.0.2 recognises it: the Emoji 11.0 set, matched with a
few rules of its own. This script derives that set from Unicode's emoji data
(as shipped in the ``emoji`` package, which records each sequence's Emoji
version) and applies twemoji 11's rules, listed below. Run it with
``python tools/gen_emoji_data.py`` after ``pip install 'emoji==2.16.0'``;
the output is committed, so the package is not a dependency.

twemoji 11 rules, as observed in twemoji-parser 11.0.2 and checked against
twitter-text's own output:
- Emoji 11.0 and older only; newer sequences fall apart into their parts.
- A text-default emoji (one whose emoji form needs U+FE0F) counts bare or with
  U+FE0F, but not when U+FE0E (text presentation) follows it.
- ©, ®, ™ and ♟ are emoji only with U+FE0F.
- Keycaps need U+20E3; the U+FE0F before it is optional.
- Single regional indicators and single skin-tone modifiers count as emoji;
  so does a lone U+FE0F and the private-use U+E50A.
- Emoji-presentation characters that also have standardized variation
  sequences (emoji-variation-sequences.txt: ⌚, ⚽, the zodiac signs, …) follow
  the text-default rule; ♾ (new in Emoji 11) does not absorb U+FE0F.
- The hair-style components (U+1F9B0..1F9B3) are not emoji on their own.
- ⛷ takes a skin tone (it has the Emoji_Modifier_Base property, though no
  skier-with-skin-tone sequence is recommended).
- 👁‍🗨 is known only without its U+FE0Fs; the 🤵 gendered sequences (Emoji 13)
  were already in twemoji 11.
"""

from __future__ import annotations

import sys
from pathlib import Path

import emoji

MAX_VERSION = 11
ZWJ = "\u200d"
FE0F = "\ufe0f"
SKINS = [chr(c) for c in range(0x1F3FB, 0x1F400)]
FE0F_ONLY = {"\u00a9", "\u00ae", "\u2122", "\u265f"}
HAIR = {chr(c) for c in range(0x1F9B0, 0x1F9B4)}
EXTRA_SINGLES = {"\ue50a"}
EYE_QUALIFIED = "\U0001f441\ufe0f\u200d\U0001f5e8\ufe0f"
EYE_TWEMOJI = "\U0001f441\u200d\U0001f5e8"
TUXEDO = "\U0001f935"
# Emoji-presentation characters with standardized variation sequences (Emoji 11).
VARIATION_EMOJI_DEFAULT = {
    chr(c)
    for c in (
        0x231A,
        0x231B,
        0x25FD,
        0x25FE,
        0x2614,
        0x2615,
        *range(0x2648, 0x2654),
        0x267F,
        0x2693,
        0x26A1,
        0x26AA,
        0x26AB,
        0x26BD,
        0x26BE,
        0x26C4,
        0x26C5,
        0x26D4,
        0x26EA,
        0x26F2,
        0x26F3,
        0x26F5,
        0x26FA,
        0x26FD,
        0x2757,
        0x2B1B,
        0x2B1C,
        0x2B50,
        0x2B55,
        0x1F004,
        0x1F21A,
        0x1F22F,
    )
}
NO_VARIATION = {"\u267e"}


def main(out: Path) -> None:
    data = {k: v for k, v in emoji.EMOJI_DATA.items() if v["E"] <= MAX_VERSION}
    fully = {k for k, v in data.items() if v["status"] == emoji.STATUS["fully_qualified"]}
    component = {k for k, v in data.items() if v["status"] == emoji.STATUS["component"]}

    singles = {k for k in fully | component if len(k) == 1} - HAIR - FE0F_ONLY
    text_default = {k[0] for k in fully if len(k) == 2 and k[1] == FE0F and k[0] not in FE0F_ONLY}
    text_default = (text_default | VARIATION_EMOJI_DEFAULT) - NO_VARIATION
    emoji_default = (singles | NO_VARIATION) - text_default - set(SKINS)
    modifier_bases = {k[0] for k in fully if len(k) == 2 and k[1] in SKINS}
    modifier_bases |= {k[0] for k in fully if len(k) == 3 and k[1] == FE0F and k[2] in SKINS}
    modifier_bases.add("\u26f7")

    sequences = {k for k in fully if ZWJ in k}
    sequences.discard(EYE_QUALIFIED)
    sequences.add(EYE_TWEMOJI)
    for gender in ("\u2640", "\u2642"):
        for skin in ["", *SKINS]:
            sequences.add(f"{TUXEDO}{skin}{ZWJ}{gender}{FE0F}")
    flags = {k for k in fully if len(k) == 2 and all(0x1F1E6 <= ord(c) <= 0x1F1FF for c in k)}
    tag_flags = {k for k in fully if any(0xE0000 <= ord(c) <= 0xE007F for c in k)}
    sequences |= flags | tag_flags

    def cps(chars: set[str]) -> str:
        """The characters as a wrapped, escaped string literal."""
        text = ascii("".join(sorted(chars)))[1:-1]
        pieces = []
        while text:
            cut = min(len(text), 80)
            while cut < len(text) and not text[cut:].startswith("\\"):
                cut -= 1  # never split an escape
            pieces.append(text[:cut])
            text = text[cut:]
        return "(\n" + "".join(f'    "{p}"\n' for p in pieces) + ")"

    def seq_list(seqs: set[str]) -> str:
        lines = [f"    {ascii(s)}," for s in sorted(seqs, key=lambda s: (-len(s), s))]
        return "\n".join(lines)

    out.write_text(
        f'''"""Emoji twitter-text 3.1.0 counts as one character (twemoji 11). Generated.

Do not edit: run ``python tools/gen_emoji_data.py`` (its docstring has the rules).
"""

# Emoji whose default presentation is text: emoji bare or with U+FE0F, not with U+FE0E.
TEXT_DEFAULT = {cps(text_default)}
# Emoji whose default presentation is emoji, plus private-use U+E50A.
EMOJI_DEFAULT = {cps(emoji_default | EXTRA_SINGLES)}
# Emoji that take a skin-tone modifier.
MODIFIER_BASES = {cps(modifier_bases)}
# Emoji only with U+FE0F.
FE0F_ONLY = {cps(FE0F_ONLY)}
# Multi-character sequences (ZWJ sequences, flags, subdivision flags), longest first.
SEQUENCES = (
{seq_list(sequences)}
)
''',
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bot/platforms/emoji_data.py"))
