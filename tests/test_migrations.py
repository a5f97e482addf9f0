"""The Alembic migrations (which build every test database, as in production) create
exactly the schema the models describe: a column added to a model without a migration,
or a migration that drifts from its model, fails here on both engines."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warehouse.extensions import db


def test_the_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
