"""Importing the household roster (住户名册) from Excel (.xlsx) or CSV.

One row per person; rows with the same address (小区 + 楼号 + 单元 + 室号) form a household,
and a 存折编号 column, when the file has one, finds an existing household too. Every row is
read and checked before anything is written. The writes are set-based (bulk_create, COPY
and one UPDATE per chunk of about 1,000 rows) inside one transaction, so 10,000 rows take
seconds and an error leaves nothing behind.

The work runs as generators that yield `Progress` events, so that callers can report
progress while it runs: the command prints them to stderr and the staff page streams them
to the browser. `check_roster()` and `import_roster()` drive the generators for callers
that only want the result. No views here.

The package follows the work: `reading` (the file into a table, within bounds, and its
header), `cells` (one cell as what it means), `checking` (the rows of a table), `planning`
(each household and what importing it does), `writing` (set-based), `steps` (the check and
the import), `template` (the file to fill in), `uploads` (the file kept between preview and
confirmation), with `columns` (what the headers and words mean) and `results` (what all of
it reports). What callers use is named here.
"""

from residents.importing.columns import COLUMNS, TEMPLATE_HEADERS, Column
from residents.importing.reading import (
    BLANK_RUN_ROWS,
    MAX_BYTES,
    check_size,
    max_rows,
    read_file,
)
from residents.importing.results import (
    FieldChange,
    HeaderCell,
    HouseholdPlan,
    ImportChoices,
    MemberChanges,
    Problem,
    Progress,
    RosterCheck,
    RosterError,
    RosterRejected,
    Table,
)
from residents.importing.steps import check_roster, check_steps, import_roster, import_steps
from residents.importing.template import template_csv, template_xlsx
from residents.importing.uploads import discard_upload, keep_upload

__all__ = [
    "BLANK_RUN_ROWS",
    "COLUMNS",
    "MAX_BYTES",
    "TEMPLATE_HEADERS",
    "Column",
    "FieldChange",
    "HeaderCell",
    "HouseholdPlan",
    "ImportChoices",
    "MemberChanges",
    "Problem",
    "Progress",
    "RosterCheck",
    "RosterError",
    "RosterRejected",
    "Table",
    "check_roster",
    "check_size",
    "check_steps",
    "discard_upload",
    "import_roster",
    "import_steps",
    "keep_upload",
    "max_rows",
    "read_file",
    "template_csv",
    "template_xlsx",
]
