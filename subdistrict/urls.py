from django.urls import path

from subdistrict.views import rollup

app_name = "subdistrict"

urlpatterns = [
    # The roll-up (views/rollup.py)
    path("subdistrict/", rollup.rollup, name="rollup"),
    path("subdistrict/export/", rollup.rollup_export, name="rollup_export"),
    path("subdistrict/communities/<int:pk>/", rollup.community, name="community"),
]
