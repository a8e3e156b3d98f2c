"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MIN_ZXCVBN_SCORE = 2  # below this zxcvbn finds it in its common-password lists or trivially guessable

# RFC 9106's second recommended option: argon2id, 64 MiB, 3 passes, 4 lanes.
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, hash_len=32, salt_len=16)

# A hash of a random string, checked when the user does not exist so both paths take as long.
_DUMMY_HASH = HASHER.hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password, as translatable messages (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("The password must be at least %(n)d characters long.", n=MIN_LENGTH)))
        return problems
    if len(password) > 256:
        problems.append(str(_l("The password must be at most 256 characters long.")))
        return problems
    if len(username) >= 4 and username.lower() in password.lower():
        problems.append(str(_l("The password must not contain the user name.")))
    # zxcvbn refuses more than 72 characters; the first 72 decide how guessable it is.
    result = zxcvbn(password[:72], user_inputs=[username] if username else [])
    if result["score"] < MIN_ZXCVBN_SCORE:
        problems.append(str(_l("This password is too common or too easy to guess; choose another.")))
    return problems
