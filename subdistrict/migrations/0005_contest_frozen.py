"""A published contest's result never changes: neither the contest nor its entries (their
stars) can be updated or deleted, and nothing can be entered, even in raw SQL."""

from django.db import migrations

FROZEN = """
CREATE FUNCTION subdistrict_starcontest_frozen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'contest % is published and cannot change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER subdistrict_starcontest_frozen BEFORE UPDATE OR DELETE
    ON subdistrict_starcontest FOR EACH ROW EXECUTE FUNCTION subdistrict_starcontest_frozen();

CREATE FUNCTION subdistrict_starentry_frozen() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    contests bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        contests := ARRAY[NEW.contest_id];
    ELSIF TG_OP = 'UPDATE' THEN
        contests := ARRAY[NEW.contest_id, OLD.contest_id];
    ELSE
        contests := ARRAY[OLD.contest_id];
    END IF;
    -- FOR SHARE waits for a contest being published in another transaction.
    PERFORM 1 FROM subdistrict_starcontest
        WHERE id = ANY (contests) AND status = 'published' FOR SHARE;
    IF FOUND THEN
        RAISE EXCEPTION 'the contest is published: its entries cannot change'
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER subdistrict_starentry_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON subdistrict_starentry FOR EACH ROW EXECUTE FUNCTION subdistrict_starentry_frozen();
"""
UNFROZEN = """
DROP TRIGGER subdistrict_starentry_frozen ON subdistrict_starentry;
DROP FUNCTION subdistrict_starentry_frozen();
DROP TRIGGER subdistrict_starcontest_frozen ON subdistrict_starcontest;
DROP FUNCTION subdistrict_starcontest_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("subdistrict", "0004_notice")]

    operations = [migrations.RunSQL(FROZEN, UNFROZEN)]
