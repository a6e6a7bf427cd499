from playwright.sync_api import Page

from tests.helpers import totp_code


def sign_in(page: Page, live_server, *, email: str, password: str = "correct-horse-battery"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/")


def sign_out(page: Page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


def staff_sign_in(page: Page, live_server, user, *, password: str = "correct-horse-battery"):
    """The admin sends staff to the console's login page, then asks for their TOTP code."""
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.locator("input[name=code]").fill(totp_code(user.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/admin/")
