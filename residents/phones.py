"""Chinese phone numbers: normalise what staff type, validate, and mask for display."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

_SEPARATORS = re.compile(r"[\s\-－—–()（）]+")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 010 / 02X has three digits, every other code four; local numbers 7–8 digits.
LANDLINE = re.compile(r"^(0(?:10|2\d)|0[3-9]\d{2})(\d{7,8})$")


# What a Chinese keyboard types in full-width mode (１２３, －, ＃, the ideographic space) becomes
# ASCII; nothing else does. NFKC would also turn ² into 2 and ① into 1: a digit nobody typed
# as a number is refused rather than guessed.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalize_digits(value: str) -> str:
    """Full-width digits, letters and signs become ASCII, surrounding space goes."""
    return (value or "").translate(_FULL_WIDTH).strip()


def normalize_phone(value: str) -> str:
    """Return the canonical form (`13812341234` or `021-64001234`), or raise ValidationError."""
    text = normalize_digits(value)
    if not text:
        return ""
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not (digits.isascii() and digits.isdigit()):
        raise ValidationError(
            _("电话号码只能包含数字，如 13812341234 或 021-64001234。"), code="invalid_phone"
        )
    if MOBILE.match(digits):
        return digits
    landline = LANDLINE.match(digits)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    if digits.startswith("1"):
        raise ValidationError(
            ngettext(
                "手机号应为 11 位、以 1 开头（现为 %(count)s 位）。",
                "手机号应为 11 位、以 1 开头（现为 %(count)s 位）。",
                len(digits),
            ),
            code="invalid_mobile",
            params={"count": len(digits)},
        )
    raise ValidationError(_("固定电话需带区号，如 021-64001234。"), code="invalid_landline")


def mask_phone(phone: str) -> str:
    """138****1234 for mobiles, 021-****1234 for landlines; the last four digits stay."""
    if not phone:
        return ""
    if "-" in phone:
        area, local = phone.split("-", 1)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]
