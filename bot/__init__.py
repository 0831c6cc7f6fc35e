"""postbot: summarised news articles in, posts that fit every platform out.

The package's public names live here; everything else is reached through its
own module (see DESIGN.md in the project's docs for the data flow).
"""

from bot.errors import PostbotError
from bot.models import Article, Quote, Section

__version__ = "0.1.0"

__all__ = ["Article", "PostbotError", "Quote", "Section", "__version__"]
