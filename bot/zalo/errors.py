"""What Zalo's error answers mean, by code (HTTP status + Zalo error code), never by message text.

One table for both routes. The Bot API answers {"ok": false, "error_code", "description"} with
an HTTP status; the Official Account API answers HTTP 200 with {"error": <negative code>,
"message"}. Each row names where its meaning comes from. A code that is not in the table is a
plain failure: the delivery is recorded as failed and no chat is changed, which is the safe
default for an answer nobody documented.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional

from bot.outbox import (ChatUnavailable, OutsideWindow, QuotaExhausted, SendError,
                        SenderMisconfigured, with_progress)

BOT_DOCS = "https://bot.zaloplatforms.com/docs (Bot API error list)"
OA_ERRORS = "https://developers.zalo.me/docs/api/official-account-api/phu-luc/ma-loi-post-3234"


class Meaning(str, Enum):
    GONE = "gone"  # the user blocked us or left: deactivate the chat
    OUTSIDE_WINDOW = "outside_window"  # reachable only after the user writes again
    QUOTA = "quota"  # the plan's quota is used up until the next quota period
    CONFIGURATION = "configuration"  # wrong URL, method or token: stop the sender
    TOKEN = "token"  # OA access token invalid: refresh once, then configuration
    REAUTHORIZE = "reauthorize"  # refresh token refused: an OA admin must authorize again
    FAILED = "failed"  # this one message failed; nothing else follows from it


class Api(str, Enum):
    BOT = "bot"  # Zalo Bot API (bot-api.zaloplatforms.com)
    OA = "oa"  # Official Account API v3 (openapi.zalo.me)
    OAUTH = "oauth"  # OA token endpoint (oauth.zaloapp.com/v4/oa/access_token)


@dataclass(frozen=True)
class Answer:
    api: Api
    http: Optional[int]  # None: any HTTP status
    code: Optional[int]  # None: any (or no) Zalo error code
    meaning: Meaning
    what: str
    source: str


TABLE: tuple[Answer, ...] = (
    # --- Bot API: error_code follows the HTTP status ------------------------------------------
    Answer(Api.BOT, None, 401, Meaning.CONFIGURATION, "Unauthorized: wrong or revoked token",
           f"{BOT_DOCS}; getMe with a wrong token (zalo-bot plugins check it at start)"),
    Answer(Api.BOT, None, 404, Meaning.CONFIGURATION,
           "Not found: wrong ZALO_API_URL or method name, not a missing chat",
           f"{BOT_DOCS}; issue 12 (a wrong URL used to deactivate every chat)"),
    Answer(Api.BOT, None, 403, Meaning.GONE, "Forbidden: the user blocked the bot",
           f"{BOT_DOCS}; the Telegram-shaped Bot API answers 403 when a chat refuses the bot"),
    Answer(Api.BOT, None, 429, Meaning.QUOTA, "Quota exceeded: the plan's message quota",
           f"{BOT_DOCS} ('Quota exceeded'); Zalo Bot Manager shows the plan's quota"),
    Answer(Api.BOT, None, 400, Meaning.FAILED, "Bad request: this message was refused",
           BOT_DOCS),
    # --- Official Account API v3 ---------------------------------------------------------------
    Answer(Api.OA, 401, None, Meaning.TOKEN, "HTTP 401: access token invalid",
           "developers.zalo.me OA API v3 (access_token header); zalo-java-sdk examples"),
    Answer(Api.OA, None, -216, Meaning.TOKEN, "Access token is invalid (or expired)",
           f"{OA_ERRORS}; public OA integrations refresh on -216 (e.g. their test fakes)"),
    Answer(Api.OA, None, -230, Meaning.OUTSIDE_WINDOW,
           "User has not interacted with the OA in the past 7 days",
           "subiz/subiz.com docs/110-xu-ly-tinh-huong/6.-xu-ly-loi-zalo-oa.md; "
           "khoicodedao/Poto_platform docs/FIX_ERROR_230.md"),
    Answer(Api.OA, None, -213, Meaning.OUTSIDE_WINDOW,
           "User has not interacted with the OA within the consultation window (48 h)",
           f"{OA_ERRORS} as quoted in khoicodedao/Poto_platform lib/constants/zalo.ts"),
    Answer(Api.OA, None, -232, Meaning.OUTSIDE_WINDOW,
           "Consultation message outside the window",
           "issue 12's review of public integrations (treated as a window error there); "
           "not re-found in stored public material"),
    Answer(Api.OA, None, -234, Meaning.OUTSIDE_WINDOW,
           "Consultation message outside the window",
           "issue 12's review of public integrations (treated as a window error there); "
           "not re-found in stored public material"),
    Answer(Api.OA, None, -201, Meaning.GONE,
           "User does not follow the OA (unfollowed or blocked it)",
           f"{OA_ERRORS} as quoted in khoicodedao/Poto_platform lib/constants/zalo.ts "
           "(USER_NOT_FOLLOWED, 'documented'); note: doc.caresoft.vn's own table lists -201 "
           "as an invalid token, so a wrong token would show here first as -216/401"),
    Answer(Api.OA, 429, None, Meaning.QUOTA, "HTTP 429: the OA's message quota is used up",
           "mrokay/subiz-document faqs/cach-khac-phuc-khi-gui-tin-nhan-bi-loi.md "
           "(quota renews the next day)"),
    Answer(Api.OA, None, -224, Meaning.FAILED,
           "Group message refused: the OA's package has no Group Message Framework",
           "no public source found (issue 12); a plain failure, so no chat is changed"),
    # --- OA token endpoint ------------------------------------------------------------------
    Answer(Api.OAUTH, None, -14014, Meaning.REAUTHORIZE, "Invalid refresh token",
           "public OA integration test fakes answer -14014 'Invalid refresh token'"),
    Answer(Api.OAUTH, None, -14019, Meaning.REAUTHORIZE, "Refresh token expired",
           "no public source found (issue 12); only re-authorizing can fix a refused token"),
    Answer(Api.OAUTH, None, -14020, Meaning.REAUTHORIZE, "Refresh token used or expired",
           "no public source found (issue 12); only re-authorizing can fix a refused token"),
)


def lookup(api: Api, http: int, code: Optional[int]) -> Optional[Answer]:
    """The row for this answer: an exact code first, then the HTTP status alone."""
    for row in TABLE:
        if row.api == api and row.code is not None and row.code == code \
                and row.http in (None, http):
            return row
    for row in TABLE:
        if row.api == api and row.code is None and row.http == http:
            return row
    return None


def classify(api: Api, http: int, code: Optional[int]) -> Meaning:
    row = lookup(api, http, code)
    return row.meaning if row else Meaning.FAILED


def codes(api: Api, meaning: Meaning) -> frozenset[int]:
    return frozenset(r.code for r in TABLE if r.api == api and r.meaning == meaning
                     and r.code is not None)


def send_error(meaning: Meaning, detail: str, pieces_sent: int = 0) -> SendError:
    """The outbox error that tells delivery what to do with this answer."""
    kind = {Meaning.GONE: ChatUnavailable, Meaning.OUTSIDE_WINDOW: OutsideWindow,
            Meaning.QUOTA: QuotaExhausted, Meaning.CONFIGURATION: SenderMisconfigured,
            Meaning.TOKEN: SenderMisconfigured, Meaning.REAUTHORIZE: SenderMisconfigured,
            }.get(meaning, SendError)
    return with_progress(kind(detail), pieces_sent)
