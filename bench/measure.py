"""Benchmark: texts measured per second, per platform, and X against twitter-text-parser.

Run: ``.venv/bin/python -m bench.measure [--count N]`` (needs the ``bench``
extra for twitter-text-parser). Prints one line per platform and, for X, the
ratio to the PyPI package twitter-text-parser on the same texts in the same
run. The figures go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import platform as host
import time
from collections.abc import Callable

from bench.corpus import mixed_texts
from bot.platforms import PLATFORMS


def rate(function: Callable[[str], object], texts: list[str]) -> float:
    """Texts per second for ``function`` over ``texts``, after a warm-up on the first 1%."""
    for text in texts[: max(1, len(texts) // 100)]:
        function(text)
    start = time.perf_counter()
    for text in texts:
        function(text)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    texts = mixed_texts(args.count)
    chars = sum(len(t) for t in texts) / len(texts)
    print(f"{len(texts)} mixed texts, {chars:.0f} characters on average")
    print(f"python {host.python_version()} on {host.machine()}")
    print(f"{'platform':<10} {'texts/s':>10}")
    results = {}
    for name, platform in PLATFORMS.items():
        results[name] = rate(platform.measure, texts)
        print(f"{name:<10} {results[name]:>10,.0f}")

    from twitter_text import parse_tweet as reference

    def twitter_text_parser(text: str) -> object:
        return reference(text)

    theirs = rate(twitter_text_parser, texts)
    print(f"{'twitter-text-parser (x)':<24} {theirs:>10,.0f}")
    print(f"postbot x / twitter-text-parser: {results['x'] / theirs:.1f}x")


if __name__ == "__main__":
    main()
