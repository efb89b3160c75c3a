# the throw-away PostgreSQL cluster and the store_url fixture (SQLite and PostgreSQL)
pytest_plugins = ("tests.support.postgres",)
