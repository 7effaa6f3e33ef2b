import pytest
from django.core.exceptions import ValidationError

from residents.phones import mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812341234", "13812341234"),
        ("１３８ １２３４ １２３４", "13812341234"),  # full-width digits and spaces
        ("138-1234-1234", "13812341234"),
        ("+86 138 1234 1234", "13812341234"),
        ("021-64001234", "021-64001234"),
        ("02164001234", "021-64001234"),
        ("０２１－６４００１２３４", "021-64001234"),
        ("0513 8512 3456", "0513-85123456"),
        ("010 6512 3456", "010-65123456"),
        ("", ""),
    ],
)
def test_phone_numbers_are_normalised_to_one_form(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["1381234123", "138123412345", "23812341234", "64001234", "138abc41234", "12012341234"]
)
def test_invalid_phone_numbers_are_refused_with_a_message(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert error.value.messages[0]


def test_masking_keeps_only_the_last_four_digits():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("021-64001234") == "021-****1234"
    assert mask_phone("") == ""
