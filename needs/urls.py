from django.urls import path

from needs.views import hours, pairings, partners, resident, served, visits, wishes

app_name = "needs"

urlpatterns = [
    # Visits (views/visits.py)
    path("visits/", visits.visit_home, name="visit_home"),
    path("visits/new/", visits.visit_new, name="visit_new"),
    path("visits/overdue/", visits.visits_overdue, name="visits_overdue"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit_detail"),
    path("households/<int:pk>/file/", visits.household_file, name="household_file"),
    # Needs and small wishes (views/wishes.py)
    path("wishes/", wishes.need_list, name="need_list"),
    path("wishes/new/", wishes.need_new, name="need_new"),
    path("wishes/<int:pk>/", wishes.need_detail, name="need_detail"),
    path("wishes/<int:pk>/dispatch/", wishes.need_dispatch, name="need_dispatch"),
    path("wishes/<int:pk>/publish/", wishes.need_publish, name="need_publish"),
    path("wishes/<int:pk>/take/", wishes.need_take, name="need_take"),
    path("wishes/<int:pk>/send-back/", wishes.need_send_back, name="need_send_back"),
    path("wishes/<int:pk>/withdraw/", wishes.need_withdraw, name="need_withdraw"),
    path("wishes/<int:pk>/complete/", wishes.need_complete, name="need_complete"),
    path("wishes/<int:pk>/follow-up/", wishes.need_follow_up, name="need_follow_up"),
    # Partner units (views/partners.py)
    path("partners/", partners.partner_list, name="partner_list"),
    path("partners/new/", partners.partner_edit, name="partner_create"),
    path("partners/<int:pk>/", partners.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", partners.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/people/", partners.partner_add_person, name="partner_add_person"),
    path(
        "partners/<int:pk>/people/<int:person_pk>/remove/",
        partners.partner_remove_person,
        name="partner_remove_person",
    ),
    path("partners/<int:pk>/statement/", partners.partner_statement, name="partner_statement"),
    # Pairings (views/pairings.py)
    path("pairings/", pairings.pairing_list, name="pairing_list"),
    path("pairings/new/", pairings.pairing_new, name="pairing_new"),
    path("pairings/report/", pairings.pairing_report, name="pairing_report"),
    path("pairings/<int:pk>/", pairings.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/end/", pairings.pairing_end, name="pairing_end"),
    # The households an activity served (views/served.py)
    path("activities/<int:pk>/served/", served.served_find, name="served_find"),
    path("activities/<int:pk>/served/add/", served.served_add, name="served_add"),
    path(
        "activities/<int:pk>/served/<int:link_pk>/remove/",
        served.served_remove,
        name="served_remove",
    ),
    # Service hours (views/hours.py)
    path("service-hours/", hours.hours_list, name="hours_list"),
    path("service-hours/export/", hours.hours_export, name="hours_export"),
    # The resident's wish, from the passbook page (views/resident.py)
    path("passbook/wishes/new/", resident.wish_new, name="wish_new"),
]
