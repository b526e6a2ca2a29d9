"""Generated secrets that every tool they are handed to reads as one plain word.

The hub hands what it generates to other programs: the Neo4j password to ``neo4j-admin`` on its
command line, keys to the environment of child processes, credentials to a shell through
``hub db env``. ``secrets.token_urlsafe`` may begin with ``-`` (one draw in 64), which a command
line reads as an option — ``neo4j-admin dbms set-initial-password -wL-lB…`` fails with a usage
text. A generated secret is therefore letters and digits only and begins with a letter: nothing
for a shell to expand, an option parser to take, or a config file to quote. 32 characters of 62
symbols carry 190 bits.
"""

from __future__ import annotations

import secrets
import string

ALPHABET = string.ascii_letters + string.digits
DEFAULT_LENGTH = 32


def new_secret(length: int = DEFAULT_LENGTH) -> str:
    """A random secret of ``length`` letters and digits whose first character is a letter."""
    if length < 16:
        raise ValueError(f"a generated secret needs at least 16 characters, not {length}")
    first = secrets.choice(string.ascii_letters)
    return first + "".join(secrets.choice(ALPHABET) for _ in range(length - 1))
