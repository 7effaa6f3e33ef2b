"""The session engine (settings.SESSION_ENGINE): a resident's passbook session lives in a
signed cookie, every other session in the database as before.

A resident session holds nothing but the household's id and its 30-minute expiry
(points.passbook.start_resident_session), so it needs no row: its cookie value is that
data signed with the SECRET_KEY (django.core.signing, salted, timestamped) and prefixed
`rs.`. Reading it costs no query, which is what every resident page pays first.

What stays as it was:
- Staff sessions (anything holding more than the resident's two keys — a login, a chosen
  community, the idle-timeout stamp) are database sessions, created with a new random key
  the moment such a key is added (a staff login cycles the key as ever): logout, a
  deactivation or a lost role still delete them server-side (tests/security/test_sessions.py).
- A resident cookie is honoured only with a valid signature, only within SESSION_SECONDS of
  being issued, and only if it holds nothing but the resident's keys: a value signed for
  anything else (another salt, a staff key) is no session.
- Every resident page still checks on each request that the household is in residence
  (points.passbook.resident_household).
What differs: "退出查看" forgets the cookie in that browser, but a copy of the cookie taken
before would stay valid until its 30 minutes are up (there is no row to delete); a token
revoked never ended open sessions early either.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.core import signing

from points.passbook import SESSION_KEY, SESSION_SECONDS

PREFIX = "rs."
SALT = "points.session_store.resident"
RESIDENT_KEYS = frozenset({SESSION_KEY, "_session_expiry"})


def _is_signed(key: str | None) -> bool:
    # Database keys are 32 lowercase letters and digits: never with a dot.
    return bool(key) and key.startswith(PREFIX)


def _resident_only(data: dict) -> bool:
    return isinstance(data, dict) and SESSION_KEY in data and set(data) <= RESIDENT_KEYS


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        key = self.session_key
        if not _is_signed(key):
            return super().load()
        try:
            data = signing.loads(
                key[len(PREFIX) :],
                salt=SALT,
                serializer=self.serializer,
                max_age=SESSION_SECONDS,
            )
        except signing.BadSignature:
            data = None
        if _resident_only(data):
            return data
        self._session_key = None
        return {}

    def exists(self, session_key: str) -> bool:
        return False if _is_signed(session_key) else super().exists(session_key)

    def save(self, must_create: bool = False) -> None:
        data = self._get_session(no_load=must_create)
        # must_create: create() (a new session, or a key cycled at login) chose a database key.
        if not must_create and _resident_only(data):
            if self.session_key and not _is_signed(self.session_key):
                super().delete(self.session_key)  # its row is no longer needed
            self._session_key = PREFIX + signing.dumps(
                data, salt=SALT, serializer=self.serializer, compress=True
            )
            return
        if _is_signed(self.session_key):
            # No longer only a resident's: from now on a database session with a new key.
            self._session_key = None
            self.create()
            return
        super().save(must_create=must_create)

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if _is_signed(key):
            return  # nothing is kept server-side
        super().delete(session_key)
