# Projects, teams, activities and attendance arrive with the "Volunteering" issue.
