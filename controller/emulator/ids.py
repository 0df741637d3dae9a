"""Identifiers that look like Neon's, so code that parses or displays them meets the real shapes.

Why this exists: Neon's ids carry structure clients see (project `cold-bonus-61650555`, branch
`br-raspy-sound-a54diuwm`, endpoint `ep-delicate-glitter-a53ow19g`, operations as UUIDs,
databases as integers). The 8-character branch/endpoint suffix starts with a region code: every
recorded id in `aws-us-east-2` starts it with `a5`; other regions' codes were not observed, so
they get distinct made-up codes. Randomness comes from the operating system: ids must never repeat
across restarts, whatever the fault seed.
"""

from __future__ import annotations

import secrets
import string
import uuid

_ADJECTIVE_WORDS = (
    "aged autumn billowing black blue bold broad calm cold cool crimson curly damp dark dawn "
    "delicate divine dry empty falling fancy flat floral fragrant frosty gentle green hidden "
    "holy icy jolly late lingering little lively long lucky misty morning muddy noisy old "
    "orange patient plain polished proud purple quiet rapid raspy red restless rough round "
    "royal shiny shrill shy silent small snowy soft solitary sparkling spring square steep "
    "still summer super sweet throbbing tight tiny twilight wandering weathered white wild "
    "winter wispy withered yellow young"
)
_NOUN_WORDS = (
    "art band bar base bird block boat bonus bread breeze brook bush butterfly cake cell "
    "cherry cloud credit darkness dawn dew disk dream dust feather field fire firefly flower "
    "fog forest frog frost glade glitter grass hall hat haze heart hill king lab lake leaf "
    "limit math meadow mode moon morning mountain mouse mud night paper pine poetry pond "
    "queen rain recipe resonance rice river salad scene sea shadow shape silence sky smoke "
    "snow snowflake sound star sun sunset surf term thunder tooth tree truth union unit "
    "violet voice water waterfall wave wildflower wind wood"
)
ADJECTIVES = tuple(_ADJECTIVE_WORDS.split())
NOUNS = tuple(_NOUN_WORDS.split())
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
_REGION_CODES = {
    "aws-us-east-2": "a5",  # observed in every recording
    "aws-us-east-1": "ad",
    "aws-us-west-2": "ab",
    "aws-eu-central-1": "a2",
    "aws-eu-west-2": "ae",
    "aws-ap-southeast-1": "a1",
    "aws-ap-southeast-2": "a7",
    "aws-sa-east-1": "ac",
}


def _words() -> str:
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(NOUNS)}"


def project_id() -> str:
    return f"{_words()}-{secrets.randbelow(10**8):08d}"


def _suffix(region_id: str) -> str:
    code = _REGION_CODES.get(region_id, "a9")
    return code + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(6))


def branch_id(region_id: str) -> str:
    return f"br-{_words()}-{_suffix(region_id)}"


def endpoint_id(region_id: str) -> str:
    return f"ep-{_words()}-{_suffix(region_id)}"


def operation_id() -> str:
    return str(uuid.uuid4())


def request_id() -> str:
    return str(uuid.uuid4())


def database_id() -> int:
    return 10_000_000 + secrets.randbelow(90_000_000)


def password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
