"""Console routes for CAPTCHA, checkout, orders, balance and the overview."""

urlpatterns = []
