"""Console routes for Mobile Push and Renewals."""

urlpatterns = []
