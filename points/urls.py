from django.urls import path

from points.views import exports, ledger, printing, resident, review, rules, standings

app_name = "points"

urlpatterns = [
    # Review queue (views/review.py)
    # -- review patterns start --
    path("review/", review.review_queue, name="review_queue"),
    path("review/decide/", review.review_decide, name="review_decide"),
    # -- review patterns end --
    # Household ledger and adjustments (views/ledger.py)
    # -- ledger patterns start --
    path("households/<int:pk>/points/", ledger.household_ledger, name="household_ledger"),
    path("households/<int:pk>/points/adjust/", ledger.ledger_adjust, name="ledger_adjust"),
    path(
        "households/<int:pk>/points/<int:entry_pk>/undo/",
        ledger.ledger_undo,
        name="ledger_undo",
    ),
    # -- ledger patterns end --
    # Point rules (views/rules.py)
    # -- rules patterns start --
    path("points/rules/", rules.rule_list, name="rule_list"),
    path("points/rules/new/", rules.rule_create, name="rule_create"),
    path("points/rules/<int:pk>/", rules.rule_edit, name="rule_edit"),
    path("points/rules/<int:pk>/end/", rules.rule_end, name="rule_end"),
    path("points/rules/<int:pk>/supersede/", rules.rule_supersede, name="rule_supersede"),
    path("points/rules/<int:pk>/delete/", rules.rule_delete, name="rule_delete"),
    # -- rules patterns end --
    # Standings (views/standings.py)
    # -- standings patterns start --
    path("standings/", standings.standings, name="standings"),
    path("standings/notice/", standings.standings_notice, name="standings_notice"),
    # -- standings patterns end --
    # Residents' passbook page (views/resident.py): reached only through a QR link
    path("p/<str:token>/", resident.passbook_open, name="passbook_open"),
    path("passbook/", resident.passbook, name="passbook"),
    path("passbook/exit/", resident.passbook_exit, name="passbook_exit"),
    # Printed passbooks and QR codes, for staff (views/printing.py)
    # -- printing patterns start --
    path(
        "households/<int:pk>/passbook/print/",
        printing.passbook_print_household,
        name="passbook_print_household",
    ),
    path("households/<int:pk>/passbook/revoke/", printing.passbook_revoke, name="passbook_revoke"),
    path(
        "households/<int:pk>/passbook/qr/", printing.passbook_qr_status, name="passbook_qr_status"
    ),
    path("passbooks/print/", printing.passbook_print, name="passbook_print"),
    path("passbooks/print/group/", printing.passbook_print_group, name="passbook_print_group"),
    path("passbooks/print/sheet/", printing.passbook_print_sheet, name="passbook_print_sheet"),
    # -- printing patterns end --
    # Ledger and standings exports (views/exports.py)
    # -- exports patterns start --
    path(
        "households/<int:pk>/points/export/",
        exports.household_ledger_export,
        name="household_ledger_export",
    ),
    path("points/ledger/export/", exports.ledger_export, name="ledger_export"),
    path("standings/export/", exports.standings_export, name="standings_export"),
    # -- exports patterns end --
]
