"""Staff find a patient by any part of a name (`staff.selectors.patients_search`, an
`icontains` match, or the MRN given whole, `iexact`): on PostgreSQL, trigram indexes on the names
and an index on the upper-cased MRN make that a search of the indexes rather than a read of every
patient, whatever the number of patients. `pg_trgm` ships with PostgreSQL and is a
trusted extension (PostgreSQL 13 and later), so the database's owner may create it. SQLite, for
small installations, reads the table as before."""

from django.db import migrations

NAMES = ("family_name", "given_names")
MRN_INDEX = "clinical_patient_mrn_upper"


def _index(column: str) -> str:
    return f"clinical_patient_{column}_trgm"


def indexes_create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in NAMES:
        # The expression Django writes for `icontains` on PostgreSQL: UPPER(column::text).
        schema_editor.execute(
            f"CREATE INDEX {_index(column)} ON clinical_patient "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )
    # `iexact`: UPPER(mrn::text) = UPPER(...).
    schema_editor.execute(f"CREATE INDEX {MRN_INDEX} ON clinical_patient ((UPPER(mrn::text)))")


def indexes_drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index(column)}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {MRN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("clinical", "0006_value_types_ranges_and_date_texts")]

    operations = [migrations.RunPython(indexes_create, indexes_drop)]
