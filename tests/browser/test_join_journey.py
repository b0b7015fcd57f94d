"""A young person joins on a phone with the code their youth worker gave them."""

import re

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.conftest import Phone, assert_fine_on_a_phone

pytestmark = pytest.mark.browser

PASSWORD = "purple-otter-lantern-42"


def gap_between(first: Locator, second: Locator) -> float:
    """Pixels between two elements stacked one above the other, in either order."""
    a, b = first.bounding_box(), second.bounding_box()
    assert a is not None and b is not None
    return max(b["y"] - (a["y"] + a["height"]), a["y"] - (b["y"] + b["height"]))


def join_as(phone: Phone, code: str, *, username: str, display_name: str, age: str) -> None:
    """Type the invite code at /join, then fill in and send the details, as a person would."""
    page = phone.page
    page.goto("/join")
    expect(page.get_by_role("heading", name="Join with a code")).to_be_visible()
    assert_fine_on_a_phone(phone)
    page.get_by_label("Invite code").press_sequentially(code)
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Join Riverside Youth Club")).to_be_visible()
    assert_fine_on_a_phone(phone)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill(display_name)
    age_band = page.get_by_role("group", name="How old are you?").get_by_label(age)
    age_band.check()
    expect(age_band).to_be_checked()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Join Riverside Youth Club").click()


def test_young_person_joins_logs_out_and_logs_back_in(phone: Phone, invite_code: str) -> None:
    page = phone.page
    # The code typed as a person might: lower case, with a space where the dash was.
    join_as(phone, invite_code.lower().replace("-", " "),
            username="RiverFox", display_name="Ade", age="16 or 17")

    expect(page).to_have_url(re.compile(r"/\?welcome=1$"))
    expect(page.get_by_role("heading", name="Hi Ade")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Welcome! Your account is ready.")
    expect(page.get_by_text("You can look around")).to_have_count(0)
    assert_fine_on_a_phone(phone)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login\?logged_out=1$"))
    expect(page.get_by_role("status")).to_have_text("You have logged out.")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    assert_fine_on_a_phone(phone)

    # Usernames are not case sensitive: "RiverFox" can log in as "riverfox".
    page.get_by_label("Username").fill("riverfox")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Hi Ade")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_fine_on_a_phone(phone)


def test_wrong_invite_code_is_explained_next_to_the_field(phone: Phone, invite_code: str) -> None:
    page = phone.page
    phone.expected_statuses.add(422)  # the form comes back with the problem to fix
    page.goto("/join")
    code_field = page.get_by_label("Invite code")
    code_field.press_sequentially("wxyz-7777")  # never made: Z is not used in codes
    page.get_by_role("button", name="Next").click()

    message = "We do not know that code. Check it with your youth worker."
    expect(page.get_by_role("alert")).to_contain_text(message)
    # Next to the field: in its form group, right by it on screen, read out with it.
    error = page.locator(".field", has=code_field).get_by_text(message)
    expect(error).to_be_visible()
    assert gap_between(error, code_field) <= 16
    expect(code_field).to_have_accessible_description(re.compile(re.escape(message)))
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(code_field).to_have_value("wxyz-7777")
    assert_fine_on_a_phone(phone)


def test_under_13_can_look_around_but_needs_agreement_to_take_part(
    phone: Phone, invite_code: str
) -> None:
    page = phone.page
    join_as(phone, invite_code.lower(), username="milo_k", display_name="Milo", age="Under 13")

    expect(page.get_by_role("heading", name="Hi Milo")).to_be_visible()
    notice = page.locator(".notice", has=page.get_by_role("heading", name="You can look around"))
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("parent or carer has said yes")
    expect(notice).to_contain_text("before you can post or vote")
    assert_fine_on_a_phone(phone)
