"""A reproducible corpus of mixed post texts for the benchmarks.

Built from the sample articles' sentences plus what real posts carry: links
with and without a scheme, hashtags in several scripts, mentions, emoji
sequences (families, flags, skin tones, keycaps), CJK, Arabic, combining
marks and the odd over-long text. Seeded, so every run measures the same texts.
"""

from __future__ import annotations

import random
from pathlib import Path

from bot.parse import parse_file

ROOT = Path(__file__).resolve().parent.parent

EXTRAS = [
    "https://news.example.org/2026/11/harbour-bridge?utm_source=postbot",
    "example.com/path/to/story",
    "http://t.co/abc123XYZ",
    "#Infrastructure",
    "#Düsseldorf",
    "#東京",
    "@news@mastodon.example",
    "@alice.bsky.social",
    "👨‍👩‍👧‍👦",
    "🇺🇦",
    "👍🏽",
    "1️⃣",
    "🏳️‍🌈",
    "東京都は新しい橋を開通させました。",
    "قال الوزير إن العمل سيبدأ قريبا",
    "Cafe\u0301 au lait",
    "—",
    "“quoted”",
    "🚆✨",
]


def sentences() -> list[str]:
    out: list[str] = []
    for path in sorted((ROOT / "content").iterdir()):
        article = parse_file(path)
        out.append(article.lede)
        out.extend(b for s in article.sections for b in s.bullets)
        out.extend(q.text for q in article.quotes)
    return out


def mixed_texts(count: int, seed: int = 2026) -> list[str]:
    """``count`` texts of 20 to ~600 characters mixing prose and entities."""
    rng = random.Random(seed)
    base = sentences()
    texts = []
    for _ in range(count):
        parts = [rng.choice(base)]
        for _ in range(rng.randint(0, 4)):
            parts.append(rng.choice(EXTRAS))
        if rng.random() < 0.2:
            parts.append(rng.choice(base))
        rng.shuffle(parts)
        text = " ".join(parts)
        if rng.random() < 0.1:
            text = text[: rng.randint(10, len(text))]
        texts.append(text)
    return texts
