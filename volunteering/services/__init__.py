"""Writes for volunteering, one transaction each: activities and attendance
(`services.activities`), the project menu, claims and teams (`services.catalogue`)."""
