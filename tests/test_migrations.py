"""The Alembic migrations (which build every test database, as in production) create
exactly the schema the models describe: a column added to a model without a migration,
or a migration that drifts from its model, fails here on both engines."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warehouse.extensions import db


def test_the_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
