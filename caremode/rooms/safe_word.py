"""The safe word (E9): a word agreed beforehand that the service user types in the chat to tell
the clinician, and only the clinician, that they cannot talk privately. Pure: no database.

It matches as a whole word (or words), in any case, anywhere in a longer message: "Bluebell!"
and "can't talk, bluebell" match; "bluebells" does not. A message that contains it is never
relayed to the others in the call (`rooms.services.screen_chat`)."""

from __future__ import annotations

import re


def contains_safe_word(text: str, safe_word: str) -> bool:
    """Whether `text` contains `safe_word` as a whole word, ignoring case and extra spaces
    between its words. An empty safe word matches nothing."""
    words = safe_word.split()
    if not words:
        return False
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None
