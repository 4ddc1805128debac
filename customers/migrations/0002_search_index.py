"""Search over name and email, fast at a million customers (issue 6).

pg_trgm is not available in every PostgreSQL we run on (the embedded pgserver ships only plpgsql
and vector), so search uses full text with prefix matching, which is core PostgreSQL: an IMMUTABLE
function builds one `simple` (no stemming, no stop words) document from the names, the email and
the email cut at `@ . + _ -`, and a GIN index holds it. selectors.customer_list queries the same
function, which is what lets the planner use the index."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION customer_search_document(first_name text, last_name text, email text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple'::regconfig,
         coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
         translate(lower(coalesce(email, '')), '@.+_-', '     '))
$$;
"""

INDEX = """
CREATE INDEX customer_search_gin ON customers_customer
USING gin (customer_search_document(first_name, last_name, email));
"""


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS customer_search_document(text, text, text);"),
        migrations.RunSQL(INDEX, "DROP INDEX IF EXISTS customer_search_gin;"),
    ]
