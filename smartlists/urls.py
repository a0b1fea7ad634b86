app_name = "smartlists"
urlpatterns: list = []
