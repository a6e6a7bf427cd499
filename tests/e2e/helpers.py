from playwright.sync_api import Page


def sign_in(page: Page, live_server, *, email: str, password: str = "correct-horse-battery"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/")


def sign_out(page: Page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
