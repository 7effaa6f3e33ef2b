from django.urls import path

from subdistrict.views import (
    contests,
    entries,
    notices,
    publications,
    rollup,
)

app_name = "subdistrict"

urlpatterns = [
    # The roll-up (views/rollup.py)
    path("subdistrict/", rollup.rollup, name="rollup"),
    path("subdistrict/export/", rollup.rollup_export, name="rollup_export"),
    path("subdistrict/communities/<int:pk>/", rollup.community, name="community"),
    # The star building-group contest, the sub-district's side (views/contests.py)
    path("subdistrict/star-groups/", contests.contest_list, name="contest_list"),
    path("subdistrict/star-groups/<int:pk>/", contests.contest_detail, name="contest_detail"),
    path(
        "subdistrict/star-groups/<int:pk>/publish/",
        contests.contest_publish,
        name="contest_publish",
    ),
    # 公示 of a contest's result (views/contests.py)
    path(
        "subdistrict/star-groups/<int:pk>/objections/",
        contests.contest_objection_create,
        name="contest_objection_create",
    ),
    path(
        "subdistrict/star-groups/<int:pk>/objections/<int:objection_pk>/decide/",
        contests.contest_objection_decide,
        name="contest_objection_decide",
    ),
    path(
        "subdistrict/star-groups/<int:pk>/finalize/",
        contests.contest_finalize,
        name="contest_finalize",
    ),
    path(
        "subdistrict/star-groups/<int:pk>/notice/",
        contests.contest_notice,
        name="contest_notice",
    ),
    path(
        "subdistrict/star-groups/entries/<int:pk>/photo/",
        contests.entry_photo,
        name="contest_entry_photo",
    ),
    path(
        "subdistrict/star-groups/entries/<int:pk>/photo-2/",
        contests.entry_photo_2,
        name="contest_entry_photo_2",
    ),
    # The contest, a community's side (views/entries.py)
    path("star-groups/", entries.star_groups, name="star_groups"),
    path("star-groups/<int:pk>/enter/", entries.entry_create, name="entry_create"),
    path("star-groups/entries/<int:pk>/photo/", entries.entry_photo, name="entry_photo"),
    path("star-groups/entries/<int:pk>/photo-2/", entries.entry_photo_2, name="entry_photo_2"),
    # 公示 of a community's standings (views/publications.py)
    path("publications/", publications.publication_list, name="publication_list"),
    path("publications/<int:pk>/", publications.publication_detail, name="publication_detail"),
    path(
        "publications/<int:pk>/objections/<int:objection_pk>/decide/",
        publications.objection_decide,
        name="objection_decide",
    ),
    path(
        "publications/<int:pk>/finalize/",
        publications.publication_finalize,
        name="publication_finalize",
    ),
    path(
        "publications/<int:pk>/notice/",
        publications.publication_notice,
        name="publication_notice",
    ),
    # Notices to the residents (views/notices.py)
    path("notices/", notices.notice_list, name="notice_list"),
    path("notices/<int:pk>/withdraw/", notices.notice_withdraw, name="notice_withdraw"),
    path("notices/<int:pk>/print/", notices.notice_print, name="notice_print"),
]
